"""States, kinds and sources of the link registry (docs/design.md §3.3, §4.3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry import canon


class LinkState(models.TextChoices):
    """Where a link is in its life (docs/design.md §4.3); the moves are in registry.transitions."""

    NEW = "new", _("new")
    UNDER_REVIEW = "under_review", _("under review")
    EXPERT_EXAMINATION = "expert_examination", _("expert examination")
    CONFIRMED = "confirmed", _("confirmed illegal")
    REJECTED = "rejected", _("rejected")
    BLOCKING_REQUESTED = "blocking_requested", _("blocking requested")
    BLOCKED = "blocked", _("blocked")
    REMOVED = "removed", _("removed")
    REAPPEARED = "reappeared", _("reappeared")
    # Its only report was withdrawn by its submitter while it was still new (registry.withdrawal):
    # it has left the registry's work, its reports and checks, but its rows and trail stay.
    WITHDRAWN = "withdrawn", _("withdrawn by the submitter")


# Where a link's work is over (rejected, withdrawn, or off the internet) and where it is still
# open: the dashboard, the registry's "overdue" list and the reports' "pending" count all mean
# these.
CLOSED_STATES = (LinkState.REJECTED, LinkState.BLOCKED, LinkState.REMOVED, LinkState.WITHDRAWN)
OPEN_STATES = tuple(state for state in LinkState if state not in CLOSED_STATES)


class LinkClassification(models.TextChoices):
    UNCLASSIFIED = "unclassified", _("not yet classified")
    EXTREMIST = "extremist", _("extremist")
    TERRORIST = "terrorist", _("terrorist")
    SEPARATIST = "separatist", _("separatist")
    OTHER = "other", _("other illegal content")


class LinkPlatform(models.TextChoices):
    """The platforms registry.canon recognises; `web` is any other site."""

    YOUTUBE = canon.YOUTUBE, "YouTube"
    VK = canon.VK, "VK"
    TELEGRAM = canon.TELEGRAM, "Telegram"
    X = canon.X, "X (Twitter)"
    INSTAGRAM = canon.INSTAGRAM, "Instagram"
    TIKTOK = canon.TIKTOK, "TikTok"
    OK = canon.OK, _("Odnoklassniki (OK.ru)")
    RUTUBE = canon.RUTUBE, "Rutube"
    FACEBOOK = canon.FACEBOOK, "Facebook"
    WEB = canon.WEB, _("web site")


class ReportSource(models.TextChoices):
    FORM = "form", _("portal form")
    FILE = "file", _("bulk file")
    API = "api", _("API")
    DEMO = "demo", _("demo data")
    MONITOR = "monitor", _("watched source")


class SubmissionStatus(models.TextChoices):
    """The answer for one submitted or checked URL."""

    NEW = "new", _("new")
    KNOWN = "known", _("already known")
    INVALID = "invalid", _("invalid")


class ReadChannel(models.TextChoices):
    """Where a confidential record was shown (registry.selectors.read_links writes them)."""

    PAGE = "page", _("link page")
    OPEN = "open", _("original opened")
    LIST = "list", _("list")
    EXPORT = "export", _("export")
    # Every row of an export asked for with live URLs, confidential or not (registry.exports).
    EXPORT_LIVE = "export_live", _("export with live URLs")
    API = "api", _("API")
    ADMIN = "admin", _("admin")
    DECONFLICTION = "deconfliction", _("deconfliction answer")
    # Reads logged before the channel was recorded: the page, a list, an export or "open" in
    # the portal, which one is not known. Nothing writes it any more.
    PORTAL = "portal", _("portal (channel not recorded)")


class AttributionSource(models.TextChoices):
    MANUAL = "manual", _("manual")
    AUTOMATIC = "automatic", _("automatic")
