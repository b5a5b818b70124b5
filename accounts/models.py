from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken, AuthTokenManager
from knox.settings import CONSTANTS as KNOX
from simple_history.models import HistoricalRecords

from accounts.choices import (
    AccessChange,
    AgencyKind,
    AgencyLevel,
    GrantChannel,
    GrantState,
    RegionKind,
    Role,
    TokenChannel,
    TokenEventAction,
    TokenScope,
)
from accounts.querysets import RestrictedQuerySet


class LocalizedNameMixin:
    """`name` in the active language, falling back to Russian."""

    @property
    def name(self) -> str:
        language = (get_language() or "ru")[:2]
        return getattr(self, f"name_{language}", "") or self.name_ru

    @property
    def display_name(self) -> str:
        """The same as `name`: the one spelling every register with three names shares
        (organizations.Organization.display_name)."""
        return self.name

    def __str__(self):
        return self.name


class Region(LocalizedNameMixin, models.Model):
    """One of the 17 regions and 3 cities of republican significance (ISO 3166-2:KZ)."""

    iso_code = models.CharField(_("ISO 3166-2 code"), max_length=6, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=RegionKind.choices)
    name_ru = models.CharField(_("name (Russian)"), max_length=100)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_ru_genitive = models.CharField(_("name (Russian, genitive)"), max_length=100)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name_ru"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class Agency(LocalizedNameMixin, models.Model):
    """A state body connected to Kibernadzor: prosecutor's office, KNB, police, akimat, …"""

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Stable identifier: 'gp' or '<kind>-<region ISO code>', e.g. police-KZ-75."),
    )
    name_ru = models.CharField(_("name (Russian)"), max_length=300)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=300, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=AgencyKind.choices)
    level = models.CharField(_("level"), max_length=12, choices=AgencyLevel.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    contact = models.CharField(
        _("contact for deconfliction"),
        max_length=300,
        blank=True,
        help_text=_("Shown to other agencies that hit this agency's confidential links."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["level", "code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            models.CheckConstraint(
                condition=Q(level=AgencyLevel.REPUBLICAN) | Q(region__isnull=False),
                name="agency_regional_levels_have_region",
                violation_error_message=_("Regional and district agencies need a region."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AgencyKind.values), name="agency_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(level__in=AgencyLevel.values), name="agency_level_valid"
            ),
        ]

    @property
    def is_central(self) -> bool:
        return self.level == AgencyLevel.REPUBLICAN


class RestrictedUserManager(UserManager.from_queryset(RestrictedQuerySet)):
    pass


class User(AbstractUser):
    """An officer of an agency. Roles are Django groups named after `accounts.choices.Role`."""

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    is_demo = models.BooleanField(
        _("demo account"), default=False, help_text=_("Created by seed_demo; not a real person.")
    )

    objects = RestrictedUserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def roles(self) -> frozenset[str]:
        """The user's role names, read once per request object."""
        if not hasattr(self, "_roles_cache"):
            names = set(self.groups.values_list("name", flat=True)) if self.pk else set()
            self._roles_cache = frozenset(names & set(Role.values))
        return self._roles_cache

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


class ApiTokenManager(AuthTokenManager.from_queryset(RestrictedQuerySet)):
    """knox's `create(user, expiry=…)` (returns the token and its key) and `.restrict()`."""


class ApiToken(AbstractAuthToken):
    """A named API token of a user (django-rest-knox's token model, KNOX_TOKEN_MODEL).

    Only the SHA-512 digest of the key is stored, with the key's first characters (`token_key`)
    to find it; the key itself is shown once, when accounts.services.issue_token makes it. The
    digest is not the primary key (as in knox) so that URLs, the admin and the audit name a token
    by a plain id and never by anything derived from its key. `scope` is on the token row, so
    that authentication reads token, scope and user in one query.
    """

    digest = models.CharField(_("digest"), max_length=KNOX.DIGEST_LENGTH, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    expiry = models.DateTimeField(_("expires"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(
        _("scope"), max_length=16, choices=TokenScope.choices, default=TokenScope.FULL
    )
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = ApiTokenManager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="apitoken_name_unique_per_user"),
            models.CheckConstraint(
                condition=Q(scope__in=TokenScope.values), name="apitoken_scope_valid"
            ),
        ]

    def __str__(self):
        # Never the digest (knox's default): this is what the admin and its log show.
        return f"{self.name} ({self.user})"

    @property
    def is_expired(self) -> bool:
        return self.expiry is not None and self.expiry <= timezone.now()


class ApiTokenEvent(models.Model):
    """The audit of API tokens: who issued or revoked which token of whom, when, and where.

    Append-only, written by accounts.services; it outlives the token (a revoked token is gone).
    `actor` is empty for the command line and the upgrade migration.
    """

    at = models.DateTimeField(_("at"), default=timezone.now)
    action = models.CharField(_("action"), max_length=8, choices=TokenEventAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("token of"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    token_name = models.CharField(_("token name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=16, choices=TokenScope.choices)
    via = models.CharField(_("via"), max_length=12, choices=TokenChannel.choices)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("API token event")
        verbose_name_plural = _("API token events")
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=TokenEventAction.values), name="apitokenevent_action_valid"
            ),
            models.CheckConstraint(
                condition=Q(via__in=TokenChannel.values), name="apitokenevent_via_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.token_name} ({self.user})"


class RoleGrant(models.Model):
    """One change to what a user may see: a role granted or removed, or a move of agency.

    Separation of duties (README, Access): a change that widens access (a role granted, a move to
    an agency) made by an administrator waits as "pending" until a second administrator approves
    it; a narrowing change (a role removed, no agency) applies at once. The command line
    (`manage.py add_user`, the break-glass way in) and the demo seed apply directly and say so in
    `channel`. Rows are written only by accounts.services; the constraints below keep the rules
    in the database too: nobody decides their own request or changes their own access.
    """

    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="access_changes",
    )
    change = models.CharField(_("change"), max_length=12, choices=AccessChange.choices)
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, blank=True)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("new agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    previous_agency = models.ForeignKey(
        Agency,
        verbose_name=_("previous agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(_("granted through"), max_length=12, choices=GrantChannel.choices)
    requested_by = models.ForeignKey(
        User,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_changes_requested",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    state = models.CharField(_("state"), max_length=10, choices=GrantState.choices)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_changes_decided",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("access change")
        verbose_name_plural = _("access changes")
        constraints = [
            models.CheckConstraint(
                condition=Q(change__in=AccessChange.values), name="rolegrant_change_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=GrantState.values), name="rolegrant_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=GrantChannel.values), name="rolegrant_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(change=AccessChange.AGENCY, role="")
                | Q(
                    change__in=[AccessChange.ADD_ROLE, AccessChange.REMOVE_ROLE],
                    role__in=Role.values,
                    agency__isnull=True,
                    previous_agency__isnull=True,
                ),
                name="rolegrant_names_a_role_or_an_agency",
            ),
            # An administrator's change names them; the command line and the demo apply directly.
            models.CheckConstraint(
                condition=Q(channel=GrantChannel.ADMIN, requested_by__isnull=False)
                | Q(
                    channel__in=[GrantChannel.COMMAND_LINE, GrantChannel.DEMO],
                    requested_by__isnull=True,
                    state=GrantState.APPLIED,
                ),
                name="rolegrant_requester_matches_channel",
            ),
            # A decision is taken by someone, when; pending and applied rows have no decision.
            models.CheckConstraint(
                condition=Q(
                    state__in=[GrantState.PENDING, GrantState.APPLIED],
                    decided_by__isnull=True,
                    decided_at__isnull=True,
                )
                | Q(
                    state__in=[GrantState.APPROVED, GrantState.REJECTED],
                    decided_by__isnull=False,
                    decided_at__isnull=False,
                ),
                name="rolegrant_decision_matches_state",
            ),
            # Widening waits for a second administrator; narrowing applies at once.
            models.CheckConstraint(
                condition=~Q(
                    Q(change=AccessChange.ADD_ROLE)
                    | Q(change=AccessChange.AGENCY, agency__isnull=False),
                    channel=GrantChannel.ADMIN,
                    state=GrantState.APPLIED,
                ),
                name="rolegrant_admin_widening_is_approved",
            ),
            models.CheckConstraint(
                condition=~Q(
                    Q(change=AccessChange.REMOVE_ROLE)
                    | Q(change=AccessChange.AGENCY, agency__isnull=True),
                )
                | Q(state=GrantState.APPLIED),
                name="rolegrant_narrowing_applies_at_once",
            ),
            # Separation of duties: a second administrator decides; nobody changes their own.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True)
                | Q(requested_by__isnull=False) & ~Q(decided_by=F("requested_by")),
                name="rolegrant_decided_by_a_second_administrator",
                violation_error_message=_("An administrator cannot approve their own request."),
            ),
            models.CheckConstraint(
                condition=Q(requested_by__isnull=True) | ~Q(requested_by=F("user")),
                name="rolegrant_not_requested_for_oneself",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("user")),
                name="rolegrant_not_decided_for_oneself",
            ),
            models.UniqueConstraint(
                fields=["user", "change", "role"],
                condition=Q(state=GrantState.PENDING),
                name="rolegrant_one_pending_per_change",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "-requested_at"], name="rolegrant_state_idx"),
            models.Index(fields=["user", "-requested_at"], name="rolegrant_user_idx"),
        ]

    def __str__(self):
        return f"{self.user} · {self.describe()} · {self.get_state_display()}"

    def describe(self) -> str:
        """The change in words: "prosecutor granted", "agency: gp → police-KZ-75"."""
        if self.change == AccessChange.AGENCY:
            return _("agency: %(before)s → %(after)s") % {
                "before": self.previous_agency or "—",
                "after": self.agency or "—",
            }
        return f"{self.get_change_display()}: {self.get_role_display()}"

    def summary(self) -> str:
        """One sentence for the auditors' notification: who, what, for whom, where it stands."""
        values = {
            "user": self.user,
            "change": self.describe(),
            "by": self.requested_by or self.get_channel_display(),
            "decider": self.decided_by,
        }
        if self.state == GrantState.PENDING:
            return (
                _("%(by)s requests for %(user)s: %(change)s. Awaiting a second administrator.")
                % values
            )
        if self.state == GrantState.APPROVED:
            text = _("%(decider)s approved for %(user)s: %(change)s (requested by %(by)s).")
            return text % values
        if self.state == GrantState.REJECTED:
            text = _("%(decider)s rejected for %(user)s: %(change)s (requested by %(by)s).")
            return text % values
        return _("%(user)s: %(change)s, by %(by)s, applied at once.") % values


class SecondFactorReset(models.Model):
    """An administrator removed a user's second factor (accounts.second_factor.reset): who, whose,
    when. Append-only; the secret itself is never recorded or shown."""

    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="second_factor_resets",
    )
    reset_by = models.ForeignKey(
        User,
        verbose_name=_("reset by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reset_at = models.DateTimeField(_("reset at"), auto_now_add=True)

    class Meta:
        ordering = ["-reset_at"]
        verbose_name = _("second factor reset")
        verbose_name_plural = _("second factor resets")

    def __str__(self):
        return f"{self.user} ({formats.localize(timezone.localtime(self.reset_at))})"
