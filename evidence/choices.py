"""Reasons, states and kinds of evidence captures (docs/design.md §evidence)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CaptureReason(models.TextChoices):
    """Why a capture was taken."""

    FIRST_CHECK = "first_check", _("first successful check")
    CHANGED = "changed", _("content changed")
    CONFIRMED = "confirmed", _("confirmed by a prosecutor")
    BEFORE_ORDER = "before_order", _("before an order was sent")
    ON_DEMAND = "on_demand", _("on demand")


class CaptureState(models.TextChoices):
    """pending → running → done | failed; done and failed are final (never changed again)."""

    PENDING = "pending", pgettext_lazy("capture state", "pending")
    RUNNING = "running", pgettext_lazy("capture state", "running")
    DONE = "done", pgettext_lazy("capture state", "done")
    FAILED = "failed", pgettext_lazy("capture state", "failed")


FINAL_STATES = (CaptureState.DONE, CaptureState.FAILED)


class ArtifactKind(models.TextChoices):
    """The files a capture is made of; each stored once by its SHA-256."""

    WACZ = "wacz", _("web archive (WACZ)")
    WARC = "warc", _("web archive (WARC)")
    SCREENSHOT = "screenshot", _("screenshot (PNG)")
    PDF = "pdf", _("page as PDF")
    TEXT = "text", _("extracted text")
    MANIFEST = "manifest", _("manifest")


class CustodyAction(models.TextChoices):
    """What happened to a capture: each is one entry of its custody log."""

    TAKEN = "taken", _("taken")
    VIEWED = "viewed", _("viewed")
    REVEALED = "revealed", _("revealed")
    DOWNLOADED = "downloaded", _("downloaded")
    ATTACHED_TO_ORDER = "attached_to_order", _("attached to an order")
    EXPORTED = "exported", _("exported")
    RAW_PRUNED = "raw_pruned", _("raw archive removed after the retention period")
