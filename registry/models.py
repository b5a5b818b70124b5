"""The link registry: one Link per piece of content, every Report of it, its state trail.

Uniqueness of content is the database's job: `Link.key` (sha256 of the canonical URL from
registry.canon) carries a unique constraint, and submissions meet it with
INSERT … ON CONFLICT (registry.services), never with a check in Python.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import RegexValidator
from django.db import connections, models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.querysets import RestrictedQuerySet
from registry.choices import (
    AttributionSource,
    LinkClassification,
    LinkPlatform,
    LinkState,
    ReadChannel,
    ReportSource,
)
from utilities.defang import defang

# A case number as agencies write them: the pre-trial register's 15 digits (ЕРДР), a court's
# "2-1234/2024", "№ 123-45/67": letters (Latin, Cyrillic, Kazakh), digits, and . / - № between
# them; at least one digit; stored in capitals (registry.notes.normalize_case_number).
CASE_NUMBER_PATTERN = (
    r"^(?=.*[0-9])[0-9A-ZА-ЯЁӘҒҚҢӨҰҮҺІ№]([0-9A-ZА-ЯЁӘҒҚҢӨҰҮҺІ№ ./-]{0,48}[0-9A-ZА-ЯЁӘҒҚҢӨҰҮҺІ])?$"
)
CASE_NUMBER_MAX = 50


class Link(models.Model):
    """One distinct piece of content online, identified by its canonical URL
    (docs/design.md §4.1)."""

    key = models.CharField(
        _("canonical key"),
        max_length=64,
        help_text=_("SHA-256 of the canonical URL: the identity of the content."),
    )
    url = models.TextField(_("canonical URL"))
    platform = models.CharField(_("platform"), max_length=12, choices=LinkPlatform.choices)
    platform_id = models.TextField(_("platform-side id"), blank=True)
    host = models.TextField(_("host"))
    registrable_domain = models.TextField(_("registrable domain"), blank=True)

    state = models.CharField(
        _("state"), max_length=20, choices=LinkState.choices, default=LinkState.NEW
    )
    state_changed_at = models.DateTimeField(_("state changed at"), default=timezone.now)
    classification = models.CharField(
        _("classification"),
        max_length=12,
        choices=LinkClassification.choices,
        default=LinkClassification.UNCLASSIFIED,
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        default=0,
        db_default=0,
        help_text=_(
            "Raised when the content re-uses a banned material or content already confirmed "
            "illegal (sources.matching); higher comes first in the work queue."
        ),
    )
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_(
            "Only the reporting agencies and prosecutors see the record; others learn only "
            "that it is known and whom to contact."
        ),
    )

    first_reported_at = models.DateTimeField(_("first reported at"))
    first_reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first reported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_reported_agency = models.ForeignKey(
        "accounts.Agency",
        verbose_name=_("first reporting agency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    report_count = models.PositiveIntegerField(
        _("reports"), default=1, help_text=_("How many times the link was submitted.")
    )

    assigned_agency = models.ForeignKey(
        "accounts.Agency",
        verbose_name=_("assigned agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assigned_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned officer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    case_number = models.CharField(
        _("case number"),
        max_length=CASE_NUMBER_MAX,
        blank=True,
        # The submission's INSERT lists its columns (registry.services): the rest default here.
        db_default="",
        validators=[RegexValidator(CASE_NUMBER_PATTERN)],
        help_text=_("The criminal, administrative or court case the link belongs to."),
    )

    organizations = models.ManyToManyField(
        "organizations.Organization",
        verbose_name=_("organizations"),
        through="LinkOrganization",
        related_name="links",
        blank=True,
    )
    materials = models.ManyToManyField(
        "materials.Material",
        verbose_name=_("materials"),
        through="LinkMaterial",
        related_name="links",
        blank=True,
    )

    is_demo = models.BooleanField(_("demo record"), default=False)

    objects = RestrictedQuerySet.as_manager()
    # report_count changes with every repeat submission; the Reports are its history.
    # The priority follows the attributions (LinkMaterial), whose history says why.
    history = HistoricalRecords(excluded_fields=["report_count", "priority"])

    class Meta:
        ordering = ["-first_reported_at", "-id"]
        verbose_name = _("link")
        verbose_name_plural = _("links")
        constraints = [
            models.UniqueConstraint(fields=["key"], name="link_key_unique"),
            models.CheckConstraint(
                condition=Q(state__in=LinkState.values), name="link_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(platform__in=LinkPlatform.values), name="link_platform_valid"
            ),
            models.CheckConstraint(
                condition=Q(classification__in=LinkClassification.values),
                name="link_classification_valid",
            ),
            # Withdrawn: its only report was withdrawn (registry.withdrawal), none counts.
            models.CheckConstraint(
                condition=Q(report_count__gte=1) | Q(state=LinkState.WITHDRAWN),
                name="link_reported_once",
            ),
            models.CheckConstraint(
                condition=Q(case_number="") | Q(case_number__regex=CASE_NUMBER_PATTERN),
                name="link_case_number_format",
            ),
            models.CheckConstraint(
                condition=Q(assigned_user__isnull=True) | Q(assigned_agency__isnull=False),
                name="link_assigned_user_has_agency",
                violation_error_message=_("An assigned officer needs an assigned agency."),
            ),
            models.CheckConstraint(
                condition=Q(due_date__isnull=True) | Q(assigned_agency__isnull=False),
                name="link_due_date_has_assignee",
                violation_error_message=_("A due date needs an assigned agency."),
            ),
        ]
        # The admin changelist and the API filter and sort by these on large tables.
        indexes = [
            models.Index(fields=["-first_reported_at", "-id"], name="link_recent_idx"),
            models.Index(fields=["state", "-first_reported_at"], name="link_state_recent_idx"),
            models.Index(
                fields=["platform", "-first_reported_at"], name="link_platform_recent_idx"
            ),
            # Partial: most links are unclassified and unassigned, and those rows need no entry
            # (the state and recency indexes serve them), which keeps inserts cheap.
            models.Index(
                fields=["classification", "-first_reported_at"],
                name="link_classification_idx",
                condition=~Q(classification=LinkClassification.UNCLASSIFIED),
            ),
            models.Index(
                fields=["confidential"],
                name="link_confidential_idx",
                condition=Q(confidential=True),
            ),
            models.Index(fields=["host"], name="link_host_idx"),
            # The work queue: links whose priority was raised, highest and newest first.
            models.Index(
                fields=["-priority", "-first_reported_at"],
                name="link_priority_idx",
                condition=Q(priority__gt=0),
            ),
            # Search by fragment (registry.search): a channel name or video id inside the URL.
            # Django's icontains is UPPER(url) LIKE UPPER(%s), so the index is on UPPER(url).
            GinIndex(OpClass(Upper("url"), name="gin_trgm_ops"), name="link_url_trgm_idx"),
            models.Index(fields=["registrable_domain"], name="link_domain_idx"),
            models.Index(fields=["platform", "platform_id"], name="link_platform_id_idx"),
            models.Index(fields=["first_reported_agency"], name="link_first_agency_idx"),
            # Search by case number (registry.search): a prefix of the stored capitals.
            models.Index(
                fields=["case_number"],
                name="link_case_number_idx",
                opclasses=["text_pattern_ops"],
                condition=~Q(case_number=""),
            ),
            models.Index(
                fields=["assigned_agency", "due_date"],
                name="link_assignment_idx",
                condition=Q(assigned_agency__isnull=False),
            ),
        ]

    def __str__(self):
        # Defanged: the admin's titles, breadcrumbs, deletion pages and log show this.
        url = defang(self.url)
        return url if len(url) <= 120 else url[:119] + "…"


class Report(models.Model):
    """One submission of a URL by someone, kept even when the link was already known.

    Repeats are the measure of "repetition excluded": `is_repeat` is False for exactly one
    report per link (the one that registered it), which a partial unique constraint holds.
    """

    link = models.ForeignKey(
        Link, verbose_name=_("link"), on_delete=models.PROTECT, related_name="reports"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="link_reports",
    )
    agency = models.ForeignKey(
        "accounts.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="link_reports",
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    raw_url = models.TextField(_("URL as entered"))
    source = models.CharField(_("source"), max_length=8, choices=ReportSource.choices)
    is_repeat = models.BooleanField(_("repeat"), help_text=_("The link was already known."))
    # A report is never deleted: its submitter may withdraw it within a window
    # (registry.withdrawal), and it then no longer counts in the link's report_count.
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True, db_default="")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["link"],
                condition=Q(is_repeat=False),
                name="report_one_first_per_link",
                violation_error_message=_("A link is registered by exactly one report."),
            ),
            models.CheckConstraint(
                condition=Q(source__in=ReportSource.values), name="report_source_valid"
            ),
            # Only its own submitter withdraws a report, and always with when and why.
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True)
                | (
                    Q(withdrawn_at__isnull=False, withdrawn_by=models.F("user"))
                    & ~Q(withdrawal_reason="")
                ),
                name="report_withdrawn_by_submitter",
            ),
        ]
        indexes = [
            models.Index(fields=["link", "agency"], name="report_link_agency_idx"),
            models.Index(fields=["agency", "link"], name="report_agency_link_idx"),
            models.Index(fields=["-submitted_at"], name="report_recent_idx"),
        ]

    def __str__(self):
        return f"{self.agency_id}: {defang(self.raw_url)[:80]}"


class StateChange(models.Model):
    """One step of a link's trail: from, to, who, when, why and its documents (docs/design.md §4.3).

    Append-only: written by registry.services.transition, never edited.
    """

    link = models.ForeignKey(
        Link, verbose_name=_("link"), on_delete=models.PROTECT, related_name="trail"
    )
    from_state = models.CharField(_("from"), max_length=20, choices=LinkState.choices)
    to_state = models.CharField(_("to"), max_length=20, choices=LinkState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the system made the change (an automatic check)."),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    document_date = models.DateField(_("document date"), null=True, blank=True)
    expert_opinion = models.TextField(_("expert opinion"), blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["link", "at", "id"]
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        constraints = [
            models.CheckConstraint(
                condition=Q(from_state__in=LinkState.values) & Q(to_state__in=LinkState.values),
                name="statechange_states_valid",
            ),
            models.CheckConstraint(
                condition=~Q(from_state=models.F("to_state")), name="statechange_moves"
            ),
        ]
        indexes = [models.Index(fields=["link", "at"], name="statechange_link_at_idx")]

    def __str__(self):
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"

    @property
    def is_correction(self) -> bool:
        """Does this step correct a mistaken earlier one (registry.transitions)?"""
        from registry import transitions

        return transitions.is_correction(self.from_state, self.to_state)


class LinkNote(models.Model):
    """A note an officer adds to a link's case (registry.notes.add_note). Append-only: never
    edited or deleted; a correction is a new note. Visible to whoever may read the link's full
    record, across agencies (registry.access), so a confidential link's notes are confidential."""

    link = models.ForeignKey(
        Link, verbose_name=_("link"), on_delete=models.PROTECT, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    agency = models.ForeignKey(
        "accounts.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="linknote_has_text"),
        ]
        indexes = [models.Index(fields=["link", "-created_at"], name="linknote_link_idx")]

    def __str__(self):
        return f"{self.link_id}: {self.text[:60]}"


class ConfidentialReadQuerySet(RestrictedQuerySet):
    def record(self, user, link_ids, channel: str) -> None:
        """One row per link id: that `user` was shown these confidential links through
        `channel`, now. One INSERT whatever the number of ids (an export logs up to 50,000):
        the ids travel as one array parameter, not one parameter per row."""
        ids = sorted(set(link_ids))
        if not ids:
            return
        table = self.model._meta.db_table
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (user_id, link_id, at, channel) "  # noqa: S608
                "SELECT %s, l, %s, %s FROM unnest(%s::bigint[]) AS t(l)",
                [user.pk, timezone.now(), str(channel), ids],
            )


class ConfidentialRead(models.Model):
    """Who was shown a confidential link, when and through what (docs/design.md §5.3).

    Append-only: written only by registry.selectors.read_links (and the deconfliction answer
    through it), where the rows of a page, a list, an export or an API answer are read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reader"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    link = models.ForeignKey(
        Link, verbose_name=_("link"), on_delete=models.PROTECT, related_name="confidential_reads"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=16, choices=ReadChannel.choices)

    objects = ConfidentialReadQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("confidential read")
        verbose_name_plural = _("confidential reads")
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=ReadChannel.values), name="confidentialread_channel_valid"
            )
        ]
        indexes = [
            models.Index(fields=["link", "-at"], name="confread_link_idx"),
            models.Index(fields=["user", "-at"], name="confread_user_idx"),
        ]

    def __str__(self):
        return _("%(user)s read link %(link)s (%(channel)s)") % {
            "user": self.user_id,
            "link": self.link_id,
            "channel": self.get_channel_display(),
        }


class _Attribution(models.Model):
    """Common fields of a link's attribution to an organization or a material."""

    link = models.ForeignKey(Link, verbose_name=_("link"), on_delete=models.CASCADE)
    source = models.CharField(
        _("attributed"),
        max_length=10,
        choices=AttributionSource.choices,
        default=AttributionSource.MANUAL,
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attributed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for automatic attribution."),
    )
    added_at = models.DateTimeField(_("attributed at"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True


class LinkOrganization(_Attribution):
    """A link attributed to a banned organization, by hand or through its known presence."""

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="link_attributions",
    )
    presence = models.ForeignKey(
        "organizations.OnlinePresence",
        verbose_name=_("matched presence"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("link attribution to an organization")
        verbose_name_plural = _("link attributions to organizations")
        constraints = [
            models.UniqueConstraint(
                fields=["link", "organization"], name="linkorganization_unique"
            ),
            models.CheckConstraint(
                condition=Q(source__in=AttributionSource.values),
                name="linkorganization_source_valid",
            ),
        ]

    def __str__(self):
        return f"{self.link_id} → {self.organization_id}"


class LinkMaterial(_Attribution):
    """A link attributed to a court-recognised material."""

    material = models.ForeignKey(
        "materials.Material",
        verbose_name=_("material"),
        on_delete=models.PROTECT,
        related_name="link_attributions",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("link attribution to a material")
        verbose_name_plural = _("link attributions to materials")
        constraints = [
            models.UniqueConstraint(fields=["link", "material"], name="linkmaterial_unique"),
            models.CheckConstraint(
                condition=Q(source__in=AttributionSource.values),
                name="linkmaterial_source_valid",
            ),
        ]

    def __str__(self):
        return f"{self.link_id} → {self.material_id}"
