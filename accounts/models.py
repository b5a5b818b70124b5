from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.choices import AgencyKind, AgencyLevel, RegionKind, Role, TokenScope
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


class ApiTokenScope(models.Model):
    """The scope of one API token (rest_framework.authtoken's Token).

    A token without a row is a full token: the default of `accounts.services.issue_token` and of
    tokens made before scopes existed. A `reports` token may only read the report endpoints
    (accounts.permissions.TokenScopePermission)."""

    token = models.OneToOneField(
        "authtoken.Token",
        verbose_name=_("token"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="scope_entry",
    )
    scope = models.CharField(
        _("scope"), max_length=16, choices=TokenScope.choices, default=TokenScope.FULL
    )

    class Meta:
        verbose_name = _("API token scope")
        verbose_name_plural = _("API token scopes")
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=TokenScope.values), name="apitokenscope_scope_valid"
            )
        ]

    def __str__(self):
        return self.scope


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
        return f"{self.user} ({self.reset_at:%Y-%m-%d %H:%M})"
