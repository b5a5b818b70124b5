from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.querysets import RestrictedQuerySet
from decisions.choices import CourtClassification
from organizations.choices import AliasKind, OrganizationStatus, PresencePlatform
from utilities.defang import defang
from utilities.search import search_key


class Organization(models.Model):
    """An organization a court banned as extremist or terrorist."""

    name_ru = models.CharField(_("name (Russian)"), max_length=300, unique=True)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=300, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    classification = models.CharField(
        _("classification"), max_length=16, choices=CourtClassification, db_index=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=OrganizationStatus, default=OrganizationStatus.BANNED
    )
    banned_on = models.DateField(_("banned on"), null=True, blank=True)
    ban_lifted_on = models.DateField(_("ban lifted on"), null=True, blank=True)
    decisions = models.ManyToManyField(
        "decisions.CourtDecision",
        verbose_name=_("court decisions"),
        blank=True,
        related_name="organizations",
    )
    description = models.TextField(_("description"), blank=True)
    search_key = models.TextField(_("search key"), blank=True, editable=False)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[decisions], excluded_fields=["search_key"])

    class Meta:
        verbose_name = _("banned organization")
        verbose_name_plural = _("banned organizations")
        ordering = ["name_ru"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=OrganizationStatus.BANNED, ban_lifted_on__isnull=True)
                | Q(status=OrganizationStatus.BAN_LIFTED),
                name="organization_banned_has_no_lift_date",
                violation_error_message=_("A banned organization has no date of the ban lifted."),
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        self.search_key = self.compute_search_key()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_key"}
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        """The name in the active language, falling back to the Russian one (the register
        always has it; the Kazakh and English ones are filled in where the list gives them)."""
        language = (get_language() or "ru")[:2]
        return getattr(self, f"name_{language}", "") or self.name_ru

    def compute_search_key(self, aliases: list[str] | None = None) -> str:
        if aliases is None:
            aliases = list(self.aliases.values_list("name", flat=True)) if self.pk else []
        return search_key(self.name_ru, self.name_kk, self.name_en, *aliases)


class OrganizationAlias(models.Model):
    """Another name, abbreviation or transliteration under which an organization is known."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE,
        related_name="aliases",
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=16, choices=AliasKind, default=AliasKind.ALIAS)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("alias")
        verbose_name_plural = _("aliases and abbreviations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="alias_unique_per_org")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        refresh_search_key(self.organization_id)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        refresh_search_key(self.organization_id)
        return result


def refresh_search_key(organization_id: int) -> None:
    """Aliases are part of the organization's search key (without a new history record)."""
    organization = Organization.objects.get(pk=organization_id)
    Organization.objects.filter(pk=organization_id).update(
        search_key=organization.compute_search_key()
    )


class OnlinePresence(models.Model):
    """A known channel, account or domain of an organization (attributes new links to it)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE,
        related_name="presence",
    )  # fmt: skip
    platform = models.CharField(_("platform"), max_length=16, choices=PresencePlatform)
    handle = models.CharField(
        _("handle, channel or domain"),
        max_length=300,
        help_text=_("As the platform identifies it: @channel, account name or domain.example."),
    )
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("online presence")
        verbose_name_plural = _("online presence")
        ordering = ["platform", "handle"]
        constraints = [
            # One channel belongs to one organization: attribution must not be ambiguous.
            models.UniqueConstraint(
                models.F("platform"), models.functions.Lower("handle"),
                name="presence_unique_handle_per_platform",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.get_platform_display()}: {defang(self.handle)}"

    def save(self, *args, **kwargs):
        self.handle = normalise_handle(self.handle)
        super().save(*args, **kwargs)


def normalise_handle(handle: str) -> str:
    """«@Channel », «https://t.me/Channel» stay as written but trimmed of '@' and spaces."""
    handle = (handle or "").strip()
    return handle[1:] if handle.startswith("@") else handle
