"""Kinds and states of watched sources (issue 16; docs/design.md "Watching sources")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    """What a source is, which says how it is read (sources.parsers)."""

    TELEGRAM = "telegram", _("Telegram channel")
    VK = "vk", _("VK wall")
    YOUTUBE = "youtube", _("YouTube channel or playlist")
    RSS = "rss", _("RSS or Atom feed")
    SITEMAP = "sitemap", _("site map")
    PATTERN = "pattern", _("page with links matching a pattern")


class SourceState(models.TextChoices):
    """Whether a source is watched: paused by people, gone when its address keeps answering
    404 or 410 (sources.watching)."""

    ACTIVE = "active", _("watched")
    PAUSED = "paused", _("paused")
    GONE = "gone", _("gone")


class MatchKind(models.TextChoices):
    """How a new item was found to re-use known content (sources.matching)."""

    EXACT = "exact", _("same text")
    TLSH = "tlsh", _("near-duplicate text")
    PDQ = "pdq", _("similar image")
