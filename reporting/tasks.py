"""Celery tasks of the reporting app: keep the report facts fresh between reports.

Reports refresh the facts of changed links themselves before reading (reporting.facts), so
this task is not needed for correctness: it keeps that work off the readers' requests.
"""

from celery import shared_task
from django.db import DatabaseError

from reporting import facts


@shared_task(
    name="reporting.tasks.refresh_facts",
    autoretry_for=(DatabaseError,),
    retry_backoff=10,
    max_retries=3,
)
def refresh_facts(batch: int = 5000) -> int:
    """Recompute the facts of every link changed since the last refresh, `batch` links per
    transaction; how many were refreshed."""
    total = 0
    while done := facts.refresh(limit=batch):
        total += done
    return total
