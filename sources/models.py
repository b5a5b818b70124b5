"""Watched sources (issue 16): channels, walls, feeds and pages whose new items are registered
as links without anyone submitting them (docs/design.md "Watching sources").

A Source belongs to one agency; the same address may be watched by several agencies, but
only once by each (`source_unique_watch_per_agency`). Each item a watch finds is a registry
Link (registered through registry.services, source "monitor"); SourceItem ties it to the
source once (`sourceitem_unique_link`), so a post seen again is a repeat. Each watch leaves a
SourceWatch row: the statistics are sums over them, never counters kept beside them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.querysets import RestrictedQuerySet
from sources.choices import MatchKind, SourceKind, SourceState
from utilities.defang import defang

MIN_INTERVAL_MINUTES = 5
MAX_INTERVAL_MINUTES = 7 * 24 * 60


class Source(models.Model):
    """A channel, group, account, playlist or feed watched for new items."""

    url = models.TextField(_("address"), help_text=_("As entered: a channel, wall or feed."))
    kind = models.CharField(_("kind"), max_length=10, choices=SourceKind.choices)
    watch_url = models.TextField(
        _("address read"), help_text=_("The public page or feed that is fetched.")
    )
    pattern = models.CharField(
        _("link pattern"),
        max_length=500,
        blank=True,
        help_text=_("For a page: a regular expression the links to register must match."),
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    agency = models.ForeignKey(
        "accounts.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="sources",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sources",
    )
    presence = models.ForeignKey(
        "organizations.OnlinePresence",
        verbose_name=_("known presence"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sources",
    )
    channel_link = models.ForeignKey(
        "registry.Link",
        verbose_name=_("channel as a link"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="channel_sources",
        help_text=_("The channel itself registered as a link, so it can be blocked as a whole."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    interval_minutes = models.PositiveIntegerField(
        _("watch every (minutes)"), default=60, db_default=60
    )
    next_watch_at = models.DateTimeField(_("next watch"), default=timezone.now)
    state = models.CharField(
        _("state"), max_length=8, choices=SourceState.choices, default=SourceState.ACTIVE
    )
    last_watched_at = models.DateTimeField(_("last watched"), null=True, blank=True)
    last_error_code = models.CharField(_("last error"), max_length=40, blank=True)
    last_error_detail = models.TextField(_("last error detail"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    is_demo = models.BooleanField(_("demo record"), default=False)

    objects = RestrictedQuerySet.as_manager()
    # The watch bookkeeping changes every cycle: SourceWatch rows are its history.
    history = HistoricalRecords(
        excluded_fields=[
            "next_watch_at",
            "last_watched_at",
            "last_error_code",
            "last_error_detail",
            "last_error_at",
            "consecutive_failures",
        ]
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("watched source")
        verbose_name_plural = _("watched sources")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "watch_url"],
                name="source_unique_watch_per_agency",
                violation_error_message=_("Your agency already watches this address."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SourceKind.values), name="source_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=SourceState.values), name="source_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(interval_minutes__gte=MIN_INTERVAL_MINUTES)
                & Q(interval_minutes__lte=MAX_INTERVAL_MINUTES),
                name="source_interval_range",
            ),
            models.CheckConstraint(
                condition=~Q(kind=SourceKind.PATTERN) | ~Q(pattern=""),
                name="source_pattern_has_pattern",
                violation_error_message=_("A page source needs a link pattern."),
            ),
        ]
        indexes = [
            # The beat task's question: which active sources are due (sources.watching).
            models.Index(
                fields=["next_watch_at"],
                name="source_due_idx",
                condition=Q(state=SourceState.ACTIVE, is_demo=False),
            ),
            models.Index(fields=["agency", "-created_at"], name="source_agency_idx"),
            models.Index(fields=["organization"], name="source_organization_idx"),
        ]

    def __str__(self):
        # Shown in the admin and in messages: the address as inert text (utilities.defang).
        return self.title or defang(self.url)


class SourceWatch(models.Model):
    """One watch of a source: what it found, or why it failed. Append-only; the statistics of
    a source are sums over its watches."""

    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.CASCADE, related_name="watches"
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    pages = models.PositiveSmallIntegerField(_("pages read"), default=0)
    bytes = models.PositiveBigIntegerField(_("bytes read"), default=0)
    found = models.PositiveIntegerField(_("items found"), default=0)
    new = models.PositiveIntegerField(_("new items"), default=0)
    repeats = models.PositiveIntegerField(_("repeats"), default=0)
    registered = models.PositiveIntegerField(
        _("new links"), default=0, help_text=_("Items that were not yet in the registry at all.")
    )
    matched = models.PositiveIntegerField(_("matched known content"), default=0)
    views = models.PositiveBigIntegerField(_("views of new items"), default=0)
    truncated = models.CharField(
        _("stopped early"),
        max_length=20,
        blank=True,
        help_text=_("Why the watch read fewer pages than offered (the page limit)."),
    )
    failure_code = models.CharField(_("failure"), max_length=40, blank=True)
    failure_detail = models.TextField(_("failure detail"), blank=True)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("watch")
        verbose_name_plural = _("watches")
        indexes = [models.Index(fields=["source", "-started_at"], name="sourcewatch_source_idx")]

    def __str__(self):
        return f"{self.source_id} @ {self.started_at:%Y-%m-%d %H:%M}"


class SourceItem(models.Model):
    """One post, video or entry of a source, registered as a Link (once per source)."""

    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.CASCADE, related_name="items"
    )
    link = models.ForeignKey(
        "registry.Link",
        verbose_name=_("link"),
        on_delete=models.PROTECT,
        related_name="source_items",
    )
    watch = models.ForeignKey(
        SourceWatch,
        verbose_name=_("found by watch"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
    )
    first_seen_at = models.DateTimeField(_("first seen"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    views = models.PositiveBigIntegerField(_("views"), null=True, blank=True)
    title = models.TextField(_("title"), blank=True)
    excerpt = models.TextField(_("text excerpt"), blank=True)
    media = models.JSONField(_("media addresses"), default=list, blank=True)
    text_sha256 = models.CharField(_("text SHA-256"), max_length=64, blank=True)
    tlsh = models.CharField(_("near-duplicate fingerprint (TLSH)"), max_length=80, blank=True)
    pdq = models.CharField(_("perceptual image hash (PDQ)"), max_length=64, blank=True)
    material = models.ForeignKey(
        "materials.Material",
        verbose_name=_("matched material"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="source_items",
    )
    matched_link = models.ForeignKey(
        "registry.Link",
        verbose_name=_("matched confirmed link"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Content already confirmed illegal that this item re-uses."),
    )
    match_kind = models.CharField(_("match"), max_length=8, choices=MatchKind.choices, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-first_seen_at", "-id"]
        verbose_name = _("source item")
        verbose_name_plural = _("source items")
        constraints = [
            models.UniqueConstraint(fields=["source", "link"], name="sourceitem_unique_link"),
            models.CheckConstraint(
                condition=Q(match_kind="") | Q(match_kind__in=MatchKind.values),
                name="sourceitem_match_kind_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["source", "-first_seen_at"], name="sourceitem_source_idx"),
            models.Index(fields=["link"], name="sourceitem_link_idx"),
            models.Index(
                fields=["material"],
                name="sourceitem_material_idx",
                condition=Q(material__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.source_id}: {self.link_id}"
