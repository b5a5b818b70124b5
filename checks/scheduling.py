"""Scheduling of link checks: when a link is due, its first check, dispatching due links.

Scheduling is durable: a link is due when its LinkStats.next_check_at has passed. Registering
a link writes that marker in the submission's transaction and, once it commits, sends the first
check to the `checks.new` queue; if the broker is down the send is only logged, and the beat
task `dispatch_due` sends the link later. Dispatching leases a link (next_check_at moves by
CHECKER_DISPATCH_LEASE_MINUTES), so a lost message only delays a check. A new link is due at
once, unless its first check is sent on commit: then that send holds it for FIRST_CHECK_GRACE,
as a dispatch lease would, so that beat does not send it a second time. First checks go out in
tasks of CHECKER_BATCH_SIZE links, as beat's do, and a task keeps its links leased while it
fetches them (keep_leased), however long a slow host makes it.

Demo links (Link.is_demo, `manage.py seed_demo`) are made-up ids on real platforms: they are
never fetched. They get a due marker that is never due (checks.recording leaves out one that
reaches it anyway).
"""

import logging
import threading
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from checks import sending
from checks.choices import CheckTrigger
from checks.models import LinkStats
from checks.stats import insert_stats
from registry.choices import LinkState

logger = logging.getLogger(__name__)

CHECK_LINKS_TASK = "checks.tasks.check_links"
NEW_QUEUE = "checks.new"
RECHECK_QUEUE = "checks.recheck"
# A new link sent on commit but not checked (broker down, message lost) is picked up by
# dispatch_due after this grace.
FIRST_CHECK_GRACE = timedelta(minutes=2)

AWAITING_STATES = {LinkState.CONFIRMED, LinkState.BLOCKING_REQUESTED, LinkState.REAPPEARED}
CLOSED_STATES = {LinkState.BLOCKED, LinkState.REMOVED}
NOT_RECHECKED_STATES = {LinkState.REJECTED, LinkState.WITHDRAWN}


def recheck_interval(state: str) -> timedelta | None:
    """How long until a link in `state` is checked again (None: not re-checked)."""
    if state in NOT_RECHECKED_STATES:
        return None
    hours = settings.CHECKER_RECHECK_HOURS
    if state in AWAITING_STATES:
        return timedelta(hours=hours["awaiting"])
    if state in CLOSED_STATES:
        return timedelta(hours=hours["closed"])
    return timedelta(hours=hours["open"])


def retry_delay(failures: int) -> timedelta:
    """Exponential backoff after `failures` transient failures in a row (1, 2, …)."""
    base = timedelta(minutes=settings.CHECKER_RETRY_BASE_MINUTES)
    cap = timedelta(hours=settings.CHECKER_RETRY_MAX_HOURS)
    return min(base * (2 ** max(failures - 1, 0)), cap)


def next_check_at(state: str, now: datetime, failures: int = 0) -> datetime | None:
    """When a link in `state`, checked at `now` after `failures` transient failures in a row,
    is due again (None: never)."""
    interval = recheck_interval(state)
    if interval is None:
        return None
    if failures and state not in CLOSED_STATES:
        # Unreachable is the expected state of a blocked link: only open cases retry sooner.
        return now + min(retry_delay(failures), interval)
    return now + interval


def schedule_first_check(link_ids: Iterable[int], *, demo: bool = False) -> None:
    """Mark newly registered links due and send their first check when the transaction commits.

    Call inside the transaction that registers the links. The marker is durable: if the
    broker cannot be reached at commit, the submission still succeeds and dispatch_due sends
    the check later. Without the send on commit (CHECKER_ENQUEUE_ON_COMMIT off: inline tasks)
    the links are due at once, so `check_links --due` right after checks them. Demo links
    get a marker that is never due.
    """
    ids = sorted(set(link_ids))
    if not ids:
        return
    if demo:
        insert_stats(ids, None)
        return
    now = timezone.now()
    if not settings.CHECKER_ENQUEUE_ON_COMMIT:
        insert_stats(ids, now)
        return
    insert_stats(ids, now + FIRST_CHECK_GRACE)
    send = partial(enqueue_batches, ids, trigger=CheckTrigger.FIRST, requested_at=now)
    transaction.on_commit(send, robust=True)


def enqueue_batches(link_ids: Sequence[int], *, trigger: str, requested_at: datetime) -> int:
    """Send these links in tasks of CHECKER_BATCH_SIZE; the number of links sent. Once the
    broker fails, the rest are not tried (they stay due)."""
    sent = 0
    for chunk in _chunks(list(link_ids), settings.CHECKER_BATCH_SIZE):
        if not enqueue(chunk, trigger=trigger, requested_at=requested_at):
            break
        sent += len(chunk)
    return sent


def enqueue(link_ids: Sequence[int], *, trigger: str, requested_at: datetime | None = None) -> bool:
    """Send one check task for these links; False (logged) if the broker is away.

    Fails fast (checks.sending): a request that sends a first check never waits on a broker
    that is down, and after a failure sends stop for a while; the links stay due.
    """
    queue = NEW_QUEUE if trigger == CheckTrigger.FIRST else RECHECK_QUEUE
    requested_at = requested_at or timezone.now()
    kwargs = {"trigger": str(trigger), "requested_at": requested_at.isoformat()}
    # The task by its registered name (checks.tasks imports this module, not the other way).
    if sending.send(CHECK_LINKS_TASK, [list(link_ids)], kwargs, queue=queue):
        return True
    logger.warning(
        "Could not send checks of %d link(s) to %s; they stay due and are sent later",
        len(link_ids),
        queue,
    )
    return False


def ensure_stats(now: datetime | None = None, limit: int | None = None) -> int:
    """Give links registered without schedule_first_check (imports) a due marker; demo
    links one that is never due."""
    from registry.models import Link

    now = now or timezone.now()
    limit = limit or settings.CHECKER_DISPATCH_LIMIT
    missing = list(
        Link.objects.filter(stats__isnull=True).values_list("pk", "is_demo")[:limit]
    )  # fmt: skip
    LinkStats.objects.bulk_create(
        [LinkStats(link_id=pk, next_check_at=None if demo else now) for pk, demo in missing],
        ignore_conflicts=True,
    )
    return len(missing)


@dataclass(frozen=True)
class DueLinks:
    first: list[int]  # never checked
    recheck: list[int]


def take_due(now: datetime | None = None, limit: int | None = None) -> DueLinks:
    """Lease the links that are due (oldest first): each is due again only after the lease."""
    now = now or timezone.now()
    limit = limit or settings.CHECKER_DISPATCH_LIMIT
    ensure_stats(now, limit)
    lease = timedelta(minutes=settings.CHECKER_DISPATCH_LEASE_MINUTES)
    with transaction.atomic():
        rows = list(
            LinkStats.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(next_check_at__lte=now)
            .order_by("next_check_at", "link_id")
            .values_list("link_id", "last_checked_at", "link__is_demo")[:limit]
        )
        demo = [pk for pk, _last, is_demo in rows if is_demo]
        if demo:  # due from before demo links were left out: never due again
            LinkStats.objects.filter(link_id__in=demo).update(next_check_at=None)
        rows = [(pk, last) for pk, last, is_demo in rows if not is_demo]
        LinkStats.objects.filter(link_id__in=[pk for pk, _ in rows]).update(
            next_check_at=now + lease
        )
    return DueLinks(
        first=[pk for pk, last in rows if last is None],
        recheck=[pk for pk, last in rows if last is not None],
    )


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def dispatch_due(now: datetime | None = None) -> int:
    """Send every due link to its queue in batches; the number of links sent."""
    now = now or timezone.now()
    due = take_due(now)
    size = settings.CHECKER_BATCH_SIZE
    sent = 0
    for trigger, ids in ((CheckTrigger.FIRST, due.first), (CheckTrigger.RECHECK, due.recheck)):
        for chunk in _chunks(ids, size):
            if enqueue(chunk, trigger=trigger, requested_at=now):
                sent += len(chunk)
    return sent


@contextmanager
def keep_leased(link_ids: Sequence[int]):
    """While the block runs (a task fetching these links), keep them leased: every
    CHECKER_LEASE_RENEW_SECONDS their due marker moves to at least FIRST_CHECK_GRACE ahead,
    so that beat does not send them again however long the fetches take. A thread with its
    own database connection does it; recording the checks then sets their next due time."""
    interval = settings.CHECKER_LEASE_RENEW_SECONDS
    if not link_ids or not interval:
        yield
        return
    stop = threading.Event()
    ids = list(link_ids)

    def renew():
        from django.db import connection

        try:
            while not stop.wait(interval):
                LinkStats.objects.filter(link_id__in=ids, next_check_at__isnull=False).update(
                    next_check_at=Greatest(F("next_check_at"), timezone.now() + FIRST_CHECK_GRACE)
                )
        except Exception:
            logger.warning("Could not renew the lease of %d link(s)", len(ids), exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=renew, name="checks-lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
