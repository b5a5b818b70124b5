from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
    """Roles as code (docs/design.md §5.1). A user holds one or more; each is a Django group."""

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


class AccessChange(models.TextChoices):
    """What one RoleGrant changes: a role given or taken, or the user's agency."""

    ADD_ROLE = "add_role", _("role granted")
    REMOVE_ROLE = "remove_role", _("role removed")
    AGENCY = "agency", _("agency changed")


class GrantState(models.TextChoices):
    """A widening change waits for a second administrator; a narrowing one applies at once."""

    PENDING = "pending", _("awaiting approval")
    APPROVED = "approved", pgettext_lazy("access change", "approved")
    REJECTED = "rejected", pgettext_lazy("access change", "rejected")
    APPLIED = "applied", _("applied at once")


class GrantChannel(models.TextChoices):
    """Where a change came from: an administrator in the admin, the break-glass command line
    (`manage.py add_user`), or the demo seed."""

    ADMIN = "admin", _("administrator")
    COMMAND_LINE = "command_line", _("command line")
    DEMO = "demo", _("demo seed")


class TokenEventAction(models.TextChoices):
    ISSUED = "issued", _("issued")
    REVOKED = "revoked", _("revoked")


class TokenChannel(models.TextChoices):
    """Where a token was issued or revoked."""

    PORTAL = "portal", _("profile page")
    ADMIN = "admin", _("admin")
    COMMAND = "command", _("command line")
    MIGRATION = "migration", _("upgrade from the old tokens")
