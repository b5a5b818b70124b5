"""Retention of raw web archives (EVIDENCE_RAW_RETENTION_DAYS): the only evidence file ever
removed, and only its bytes. The capture, its artifact rows, the signed manifest that names the
WACZ's hash, the timestamp, the screenshot, the PDF and the text stay; the removal is an entry
of the capture's custody log ("raw_pruned"), which verify_evidence and the packages honour."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from evidence import custody
from evidence.choices import ArtifactKind, CaptureState, CustodyAction
from evidence.models import Artifact, CustodyEvent, artifact_storage_name
from evidence.storage import evidence_storage


def pruned_capture_ids(capture_ids) -> set[int]:
    return set(
        CustodyEvent.objects.filter(
            capture__in=capture_ids, action=CustodyAction.RAW_PRUNED
        ).values_list("capture_id", flat=True)
    )


def prune_raw_archives(now=None, limit: int = 1000) -> int:
    """Remove the WACZ files of captures finished before the retention period; how many
    captures were pruned. A file that a capture still inside the period shares (the same
    bytes) is kept; its older captures are still marked pruned only once it goes."""
    days = settings.EVIDENCE_RAW_RETENTION_DAYS
    if days is None:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    expired = list(
        Artifact.objects.filter(
            kind=ArtifactKind.WACZ,
            capture__state=CaptureState.DONE,
            capture__finished_at__lt=cutoff,
        )
        .exclude(capture__custody__action=CustodyAction.RAW_PRUNED)
        .select_related("capture")
        .order_by("capture_id")[:limit]
    )
    still_kept = set(
        Artifact.objects.filter(
            sha256__in={artifact.sha256 for artifact in expired},
            capture__finished_at__gte=cutoff,
        ).values_list("sha256", flat=True)
    )
    storage = evidence_storage()
    pruned = 0
    for artifact in expired:
        if artifact.sha256 in still_kept:
            continue
        storage.delete(artifact_storage_name(artifact.sha256))
        custody.record(
            artifact.capture,
            CustodyAction.RAW_PRUNED,
            None,
            sha256=artifact.sha256,
            retention_days=days,
        )
        pruned += 1
    return pruned
