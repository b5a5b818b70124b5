"""Celery tasks of the sources app: thin wrappers around sources.watching.

Beat runs `dispatch_due` every SOURCES_DISPATCH_SECONDS: it leases the due sources in batches
(SELECT … FOR UPDATE SKIP LOCKED, the lease is their next_watch_at moved forward) and sends
one `watch_sources` task per batch. A worker lost mid-batch leaves the lease to run out, and
the sources come due again then: nothing is watched twice at once, nothing is dropped.
"""

from celery import shared_task
from django.db import DatabaseError
from django.utils.dateparse import parse_datetime
from kombu.exceptions import OperationalError as BrokerError

from sources import watching


@shared_task(
    name=watching.WATCH_TASK,
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=30,
    retry_backoff_max=15 * 60,
    retry_jitter=True,
    max_retries=5,
)
def watch_sources(source_ids, leased_until=None):
    """Watch these sources now (those still under the lease dispatch_due gave them); the
    number of watches recorded."""
    until = parse_datetime(leased_until) if leased_until else None
    return len(watching.watch_sources(source_ids, leased_until=until))


@shared_task(
    name="sources.tasks.dispatch_due",
    autoretry_for=(DatabaseError, BrokerError),
    retry_backoff=10,
    max_retries=3,
)
def dispatch_due():
    """Beat: lease the due sources in batches and send one watch task per batch."""
    return watching.dispatch_due()
