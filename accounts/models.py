from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken, AuthTokenManager
from knox.settings import CONSTANTS as KNOX
from simple_history.models import HistoricalRecords

from accounts.choices import (
    AgencyKind,
    AgencyLevel,
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
