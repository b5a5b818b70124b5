from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionKind(models.TextChoices):
    REGION = "region", _("region")
    CITY = "city", _("city of republican significance")


class AgencyKind(models.TextChoices):
    PROSECUTOR = "prosecutor", _("prosecutor's office")
    KNB = "knb", _("national security committee (KNB)")
    POLICE = "police", _("police")
    AKIMAT = "akimat", _("akimat")
    MINISTRY_OF_INFORMATION = "mininfo", _("ministry of information")
    OTHER = "other", _("other")


class AgencyLevel(models.TextChoices):
    REPUBLICAN = "republican", _("republican")
    REGIONAL = "regional", _("regional")
    DISTRICT = "district", _("district")


class Role(models.TextChoices):
    """Roles as code (DESIGN §5). A user holds one or more; each is a Django group."""

    OFFICER = "officer", _("officer")
    SUPERVISOR = "supervisor", _("supervisor")
    PROSECUTOR = "prosecutor", _("prosecutor")
    ANALYST = "analyst", _("analyst")
    AUDITOR = "auditor", _("auditor")
    ADMIN = "admin", _("system administrator")


class TokenScope(models.TextChoices):
    """What an API token may do: everything its user may, or only read reports (integrations)."""

    FULL = "full", _("full access (as the user)")
    REPORTS = "reports", _("read reports only")


class TokenEventAction(models.TextChoices):
    ISSUED = "issued", _("issued")
    REVOKED = "revoked", _("revoked")


class TokenChannel(models.TextChoices):
    """Where a token was issued or revoked."""

    PORTAL = "portal", _("profile page")
    ADMIN = "admin", _("admin")
    COMMAND = "command", _("command line")
    MIGRATION = "migration", _("upgrade from the old tokens")
