"""Automatic checks of links (docs/design.md §4.4): every check, per-link statistics,
republications.

The view-count series of a link is its Check rows with a view count (index link, checked_at):
no separate sample table, so a series can never disagree with the checks it came from.
LinkStats keeps what reports and the scheduler need without scanning the checks: last and
maximum views, views at detection and at blocking, when the link is next due.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.querysets import RestrictedQuerySet
from checks.choices import CheckTrigger, NotificationKind
from utilities.defang import defang_text


class Check(models.Model):
    """One automatic check of a link: what the fetch found. Append-only."""

    link = models.ForeignKey(
        "registry.Link", verbose_name=_("link"), on_delete=models.CASCADE, related_name="checks"
    )
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)
    trigger = models.CharField(_("trigger"), max_length=8, choices=CheckTrigger.choices)
    url = models.TextField(_("URL fetched"))
    final_url = models.TextField(_("final URL after redirects"), blank=True)
    scheme = models.CharField(
        _("scheme that answered"),
        max_length=5,
        blank=True,
        help_text=_("https, or http when only plain HTTP answered; empty when nothing did."),
    )
    http_fallback = models.BooleanField(
        _("tried over plain HTTP"),
        default=False,
        help_text=_("The https address failed to connect, so http was tried once."),
    )
    redirects = models.JSONField(_("redirects"), default=list, blank=True)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    available = models.BooleanField(_("available"))
    content_type = models.CharField(_("content type"), max_length=200, blank=True)
    title = models.TextField(_("title"), blank=True)
    excerpt = models.TextField(_("text excerpt"), blank=True)
    views = models.PositiveBigIntegerField(_("views"), null=True, blank=True)
    content_sha256 = models.CharField(
        _("content SHA-256"),
        max_length=64,
        blank=True,
        help_text=_("SHA-256 of the normalised text of the page (of the bytes for files)."),
    )
    tlsh = models.CharField(_("near-duplicate fingerprint (TLSH)"), max_length=80, blank=True)
    pdq = models.CharField(_("perceptual image hash (PDQ)"), max_length=64, blank=True)
    pdq_quality = models.PositiveSmallIntegerField(_("PDQ quality"), default=0)
    duration_ms = models.PositiveIntegerField(_("duration, ms"), default=0)
    error = models.CharField(_("error"), max_length=40, blank=True)
    error_detail = models.TextField(_("error detail"), blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("check")
        verbose_name_plural = _("checks")
        constraints = [
            models.CheckConstraint(
                condition=Q(trigger__in=CheckTrigger.values), name="check_trigger_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["link", "checked_at"], name="check_link_at_idx"),
            models.Index(
                fields=["content_sha256"],
                name="check_content_idx",
                condition=~Q(content_sha256=""),
            ),
        ]

    def __str__(self):
        outcome = self.status_code or self.error or "—"
        at = formats.localize(timezone.localtime(self.checked_at))
        return f"{self.link_id} @ {at}: {outcome}"


class RepublicationGroup(models.Model):
    """Links serving the same content: its first publication and how many links carry it."""

    content_sha256 = models.CharField(_("content SHA-256"), max_length=64)
    first_link = models.ForeignKey(
        "registry.Link",
        verbose_name=_("first publication"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    link_count = models.PositiveIntegerField(_("links"), default=1)
    created_at = models.DateTimeField(_("found at"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("republication group")
        verbose_name_plural = _("republication groups")
        constraints = [
            models.UniqueConstraint(fields=["content_sha256"], name="republication_content_unique")
        ]

    def __str__(self):
        # Not the link count: it counts links of any agency (checks.selectors counts the readable).
        return f"{self.content_sha256[:12]}…"


class LinkStats(models.Model):
    """What the checks found about one link, kept current by checks.recording.record_results."""

    link = models.OneToOneField(
        "registry.Link",
        verbose_name=_("link"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="stats",
    )
    next_check_at = models.DateTimeField(
        _("next check due"),
        null=True,
        blank=True,
        help_text=_("Empty: not checked again automatically."),
    )
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    check_count = models.PositiveIntegerField(_("checks"), default=0)
    failures = models.PositiveSmallIntegerField(
        _("transient failures in a row"), default=0, help_text=_("Drives the retry backoff.")
    )
    last_available = models.BooleanField(_("available at the last check"), null=True)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True)
    last_title = models.TextField(_("last title"), blank=True)
    content_sha256 = models.CharField(_("content SHA-256"), max_length=64, blank=True)
    tlsh = models.CharField(
        _("near-duplicate fingerprint (TLSH)"),
        max_length=80,
        blank=True,
        help_text=_("Of the text content last seen, when it is long enough to compare."),
    )
    tlsh_length = models.PositiveSmallIntegerField(
        _("TLSH length bucket"),
        null=True,
        blank=True,
        help_text=_(
            "The length byte of the TLSH: near duplicates are looked for among close ones."
        ),
    )
    last_views = models.PositiveBigIntegerField(_("last views"), null=True, blank=True)
    max_views = models.PositiveBigIntegerField(_("maximum views"), null=True, blank=True)
    views_at_detection = models.PositiveBigIntegerField(
        _("views at detection"), null=True, blank=True
    )
    views_at_blocking = models.PositiveBigIntegerField(
        _("views at blocking"), null=True, blank=True
    )
    republication_group = models.ForeignKey(
        RepublicationGroup,
        verbose_name=_("republication group"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("link statistics")
        verbose_name_plural = _("link statistics")
        indexes = [
            models.Index(
                fields=["next_check_at"],
                name="linkstats_due_idx",
                condition=Q(next_check_at__isnull=False),
            ),
            models.Index(
                fields=["content_sha256"],
                name="linkstats_content_idx",
                condition=~Q(content_sha256=""),
            ),
            # Near-duplicate candidates (checks.republications): the newest links of a length
            # bucket, and the links of the newest groups in it.
            models.Index(
                fields=["tlsh_length", "-link"],
                name="linkstats_tlsh_recent_idx",
                condition=Q(tlsh_length__isnull=False),
            ),
            models.Index(
                fields=["tlsh_length", "-republication_group"],
                name="linkstats_tlsh_group_idx",
                condition=Q(tlsh_length__isnull=False, republication_group__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.link_id}: {self.last_views} views"


class Notification(models.Model):
    """A message in the portal for one user or for everyone in one agency."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    agency = models.ForeignKey(
        "accounts.Agency",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    link = models.ForeignKey(
        "registry.Link",
        verbose_name=_("link"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(agency__isnull=False),
                name="notification_has_recipient",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_idx"),
            models.Index(fields=["agency", "-created_at"], name="notification_agency_idx"),
        ]

    def __str__(self):
        return defang_text(self.message)[:80]


class HostRate(models.Model):
    """When the next request to a host may go out, shared by every checker process (the
    per-host rate across workers, checks.hostrate): the theoretical arrival time of GCRA."""

    host = models.CharField(max_length=253, primary_key=True)
    tat = models.DateTimeField()

    class Meta:
        verbose_name = _("host request pace")
        verbose_name_plural = _("host request paces")
        default_permissions = ()

    def __str__(self):
        return self.host
