"""Celery tasks of the checks app: thin wrappers around checks.recording and
checks.scheduling.

`check_links` is idempotent (a link checked since the task was requested is skipped) and
acknowledged late, so a worker lost mid-task means the batch runs again, not that it is lost.
Database and broker trouble are retried with exponential backoff; a page that cannot be
fetched is not an error of the task but a recorded check (and the link's own backoff).
"""

from celery import shared_task
from django.db import DatabaseError
from django.utils.dateparse import parse_datetime
from kombu.exceptions import OperationalError as BrokerError

from checks import recording, scheduling
from checks.choices import CheckTrigger


@shared_task(
    name=scheduling.CHECK_LINKS_TASK,
    acks_late=True,
    autoretry_for=(DatabaseError, BrokerError),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=8,
)
def check_links(link_ids, trigger=CheckTrigger.RECHECK, requested_at=None):
    """Check these links now; the number of checks recorded."""
    when = parse_datetime(requested_at) if requested_at else None
    return len(recording.run_checks(link_ids, trigger=trigger, requested_at=when))


@shared_task(
    name="checks.tasks.dispatch_due",
    autoretry_for=(DatabaseError,),
    retry_backoff=10,
    max_retries=3,
)
def dispatch_due():
    """Beat, every minute: send every due link (new ones first) to its queue."""
    return scheduling.dispatch_due()
