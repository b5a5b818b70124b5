from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationStatus(models.TextChoices):
    BANNED = "banned", _("banned")
    BAN_LIFTED = "ban_lifted", _("ban lifted")


class AliasKind(models.TextChoices):
    ALIAS = "alias", _("other name")
    ABBREVIATION = "abbreviation", _("abbreviation")
    TRANSLITERATION = "transliteration", _("transliteration")


class PresencePlatform(models.TextChoices):
    """Where an organization is present online; a link on it is attributed to the organization."""

    WEBSITE = "website", _("website (domain)")
    TELEGRAM = "telegram", _("Telegram")
    YOUTUBE = "youtube", _("YouTube")
    VK = "vk", _("VK")
    OK = "ok", _("OK.ru")
    INSTAGRAM = "instagram", _("Instagram")
    FACEBOOK = "facebook", _("Facebook")
    TIKTOK = "tiktok", _("TikTok")
    X = "x", _("X (Twitter)")
    WHATSAPP = "whatsapp", _("WhatsApp")
    OTHER = "other", _("other")
