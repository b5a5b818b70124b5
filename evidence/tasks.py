"""Celery tasks of the evidence app: thin wrappers over evidence.services, in the "evidence"
queue (settings.CELERY_TASK_ROUTES), so a slow or hostile page never holds up the checks.

Bounded: a capture's own budgets (fetch time, subresources, bytes, render time) end it well
before the task's soft time limit; the soft limit records it failed, the hard limit kills the
worker process (Celery replaces it). Run the queue's workers with a small concurrency and
--max-memory-per-child (Procfile) so that memory is bounded too.
"""

from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone

from evidence import services
from evidence.choices import CaptureState
from evidence.models import Capture


@shared_task(
    acks_late=True,
    soft_time_limit=max(settings.EVIDENCE_TASK_TIME_LIMIT - 30, 30),
    time_limit=settings.EVIDENCE_TASK_TIME_LIMIT,
    ignore_result=True,
)
def take_capture(capture_id: int) -> None:
    try:
        services.take_capture(capture_id)
    except SoftTimeLimitExceeded:
        capture = Capture.objects.filter(pk=capture_id, state=CaptureState.RUNNING).first()
        if capture is not None:
            services.fail_capture(capture, "timeout: the capture took longer than its limit")


@shared_task(ignore_result=True)
def dispatch_pending() -> int:
    """Send the captures pending for more than two minutes (asked for while the queue was not
    reachable, or without EVIDENCE_ENQUEUE_ON_COMMIT). A capture sent twice is taken once:
    take_capture starts only a pending capture, under a row lock."""
    ids = list(
        Capture.objects.filter(
            state=CaptureState.PENDING, requested_at__lt=timezone.now() - timedelta(minutes=2)
        )
        .order_by("requested_at")
        .values_list("pk", flat=True)[:500]
    )
    services.enqueue(ids)
    return len(ids)


@shared_task(ignore_result=True)
def prune_raw_archives() -> int:
    """Remove raw archives past EVIDENCE_RAW_RETENTION_DAYS (evidence.retention)."""
    from evidence.retention import prune_raw_archives as prune

    return prune()
