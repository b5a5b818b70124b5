"""Court-grade evidence (issue 15; docs/design.md §evidence): what a link showed, preserved.

A Capture is one preservation of a link: the page and its subresources as a web archive, a
screenshot and a PDF rendered from that archive only, the extracted text, and a manifest naming
the SHA-256 of each, signed with the office's key (orders.signing) and, when configured,
timestamped by an RFC 3161 authority. Its files are Artifacts, stored once by hash.
Every event on a capture is a CustodyEvent in a hash chain (evidence.custody).

Nothing here is ever changed once final or deleted: save() and delete() refuse, and database
triggers (migration 0001) refuse the same to any SQL that tries.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.querysets import RestrictedQuerySet
from evidence.choices import (
    FINAL_STATES,
    ArtifactKind,
    CaptureReason,
    CaptureState,
    CustodyAction,
)


class EvidenceImmutable(Exception):
    """An attempt to change a final capture, or to change or delete any evidence record."""


class Capture(models.Model):
    """One preservation of what a link showed at a given time."""

    link = models.ForeignKey(
        "registry.Link", verbose_name=_("link"), on_delete=models.PROTECT, related_name="captures"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=CaptureReason.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the system took the capture by itself."),
    )
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="captures",
        help_text=_("The order whose signing asked for this capture."),
    )
    state = models.CharField(
        _("state"), max_length=8, choices=CaptureState.choices, default=CaptureState.PENDING
    )
    failure = models.TextField(_("failure"), blank=True)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    url = models.TextField(_("URL fetched"), blank=True)
    final_url = models.TextField(_("final URL after redirects"), blank=True)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    manifest = models.JSONField(_("manifest"), null=True, blank=True)
    manifest_sha256 = models.CharField(_("manifest SHA-256"), max_length=64, blank=True)
    signature = models.TextField(
        _("signature"), blank=True, help_text=_("Ed25519 over the manifest bytes, base64.")
    )
    timestamp_token = models.BinaryField(
        _("RFC 3161 timestamp token"), null=True, blank=True, editable=False
    )
    text = models.TextField(_("extracted text"), blank=True)
    is_demo = models.BooleanField(_("demo record"), default=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("capture")
        verbose_name_plural = _("captures")
        default_permissions = ("add", "view")  # never changed or deleted by anyone
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=CaptureReason.values), name="capture_reason_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=CaptureState.values), name="capture_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state=CaptureState.DONE)
                | (~Q(manifest_sha256="") & ~Q(signature="") & Q(finished_at__isnull=False)),
                name="capture_done_is_signed",
            ),
        ]
        indexes = [
            models.Index(fields=["link", "requested_at"], name="capture_link_at_idx"),
            models.Index(
                fields=["state"],
                name="capture_open_idx",
                condition=Q(state__in=[CaptureState.PENDING, CaptureState.RUNNING]),
            ),
        ]

    def __str__(self):
        at = formats.localize(timezone.localtime(self.requested_at))
        return f"{self.link_id} @ {at} ({self.get_state_display()})"

    def save(self, *args, **kwargs):
        if self.pk is not None and getattr(self, "_stored_state", None) in FINAL_STATES:
            raise EvidenceImmutable(f"capture {self.pk} is {self._stored_state}: never changed")
        super().save(*args, **kwargs)
        self._stored_state = self.state

    def delete(self, *args, **kwargs):
        raise EvidenceImmutable("captures are never deleted")

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._stored_state = instance.__dict__.get("state")
        return instance

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES


def artifact_storage_name(sha256: str) -> str:
    """Where the bytes with this SHA-256 live in the evidence storage (content-addressed)."""
    return f"evidence/{sha256[:2]}/{sha256}"


class Artifact(models.Model):
    """One file of a capture; its bytes live once under evidence/<sha[:2]>/<sha>."""

    capture = models.ForeignKey(
        Capture, verbose_name=_("capture"), on_delete=models.PROTECT, related_name="artifacts"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ArtifactKind.choices)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    created_at = models.DateTimeField(_("stored at"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["capture", "kind"]
        verbose_name = _("artifact")
        verbose_name_plural = _("artifacts")
        default_permissions = ("add", "view")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ArtifactKind.values), name="artifact_kind_valid"
            ),
            models.UniqueConstraint(fields=["capture", "kind"], name="artifact_one_per_kind"),
        ]
        indexes = [models.Index(fields=["sha256"], name="artifact_sha256_idx")]

    def __str__(self):
        return f"{self.capture_id} {self.kind} {self.sha256[:12]}…"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise EvidenceImmutable("artifacts are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise EvidenceImmutable("artifacts are never deleted")

    @property
    def storage_name(self) -> str:
        return artifact_storage_name(self.sha256)


class CustodyEvent(models.Model):
    """One entry of a capture's custody log. The entries of a capture form a linear hash chain:
    each names the hash of the one before (the first names canonical.GENESIS), and no two may
    name the same one. Written only by evidence.custody.record."""

    capture = models.ForeignKey(
        Capture, verbose_name=_("capture"), on_delete=models.PROTECT, related_name="custody"
    )
    action = models.CharField(_("action"), max_length=20, choices=CustodyAction.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    details = models.JSONField(_("details"), default=dict, blank=True)
    prev_sha256 = models.CharField(_("previous entry's SHA-256"), max_length=64)
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["capture", "at", "id"]
        verbose_name = _("custody event")
        verbose_name_plural = _("custody events")
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=CustodyAction.values), name="custodyevent_action_valid"
            ),
            models.UniqueConstraint(
                fields=["capture", "prev_sha256"], name="custodyevent_chain_linear"
            ),
            models.UniqueConstraint(fields=["sha256"], name="custodyevent_sha256_unique"),
        ]

    def __str__(self):
        at = formats.localize(timezone.localtime(self.at))
        return f"{self.capture_id} {self.get_action_display()} @ {at}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise EvidenceImmutable("custody events are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise EvidenceImmutable("custody events are never deleted")
