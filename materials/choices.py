from django.db import models
from django.utils.translation import gettext_lazy as _


class MaterialKind(models.TextChoices):
    # Values are those of materials.listparse.KINDS.
    PRINT = "print", _("print")
    VIDEO = "video", _("video")
    AUDIO = "audio", _("audio")
    IMAGE = "image", _("image")
    WEB_PAGE = "web_page", _("web page")
    SOCIAL_ACCOUNT = "social_account", _("social-media account")
    OTHER = "other", _("other")


class MaterialStatus(models.TextChoices):
    IN_FORCE = "in_force", _("in force")
    EXCLUDED = "excluded", _("excluded")


class FingerprintKind(models.TextChoices):
    # Values are those of fingerprints.Fingerprints.kind.
    IMAGE = "image", _("image")
    TEXT = "text", _("text")
    PDF = "pdf", _("PDF document")
    OTHER = "other", _("other file (video, audio, archive)")


class MatchMethod(models.TextChoices):
    SHA256 = "sha256", _("identical file (SHA-256)")
    MD5 = "md5", _("identical file (MD5)")
    TEXT = "text", _("identical text")
    PDQ = "pdq", _("similar image (PDQ)")
    TLSH = "tlsh", _("similar text (TLSH)")


LANGUAGES = {
    "ru": _("Russian"),
    "kk": _("Kazakh"),
    "ar": _("Arabic"),
    "en": _("English"),
    "uz": _("Uzbek"),
    "ky": _("Kyrgyz"),
    "tg": _("Tajik"),
    "tr": _("Turkish"),
    "ug": _("Uyghur"),
    "az": _("Azerbaijani"),
    "tk": _("Turkmen"),
    "fa": _("Persian"),
    "de": _("German"),
    "fr": _("French"),
    "ce": _("Chechen"),
    "tt": _("Tatar"),
}
