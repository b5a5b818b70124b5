"""The deadline clocks' side of the checker: re-checking the links of sent orders on a tight
schedule, and recording a link found unavailable as its order's execution.

The checks app knows nothing of orders: it announces each recorded batch
(checks.signals.checks_recorded) and orders listens (OrdersConfig.ready), so the import graph
stays one-way (orders → checks).

What counts as "gone": a check that found the content unavailable for good — HTTP 404/410/451,
a platform page saying the content was removed, an address that no longer answers for a
reason that is not passing. Timeouts, network trouble, 429 and 5xx are retried by the checker
(checks.fetch's `transient`) and do not count: the time recorded must be the time it went.
Demo links are never fetched, so their orders never run this.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from checks.models import Check, LinkStats
from orders import services
from orders.choices import CLOCKED_KINDS, OPEN_ORDER_STATES, OrderLinkState
from orders.models import OrderLink

logger = logging.getLogger(__name__)

# The same list as checks.fetch.FetchResult.transient: failures worth retrying.
TRANSIENT_ERRORS = frozenset({"timeout", "connect_error", "network_error", "protocol_error"})


def found_gone(check: Check) -> bool:
    """Did this check find the content unavailable for good (not a passing failure)?"""
    if check.available:
        return False
    if check.error in TRANSIENT_ERRORS:
        return False
    status = check.status_code or 0
    return not (check.error == "http_error" and (status == 429 or status >= 500))


def record_checks(sender=None, checks=(), **kwargs) -> int:
    """checks.signals.checks_recorded receiver: each pending link of an open order that a
    check found gone is executed at the check's time. The number of order links executed."""
    gone = {check.link_id: check for check in checks if found_gone(check)}
    if not gone:
        return 0
    executed = 0
    pending = services.pending_order_links_of(gone).order_by("order_id", "id")
    for order_link_id, link_id in pending.values_list("pk", "link_id"):
        if services.record_link_gone(order_link_id, gone[link_id].checked_at):
            executed += 1
    if executed:
        logger.info("%d link(s) of sent orders found gone", executed)
    return executed


def recheck_interval() -> timedelta:
    return timedelta(minutes=settings.ORDER_RECHECK_MINUTES)


def bring_forward_rechecks(now: datetime | None = None) -> int:
    """Make the pending links of open orders due ORDER_RECHECK_MINUTES after their last check
    (at once if never checked), through the checker's own durable due marker
    (LinkStats.next_check_at) that checks.scheduling.dispatch_due sends from. A link under a
    dispatch lease is left alone (it is being checked); demo links are never due. The number
    of links brought forward."""
    now = now or timezone.now()
    interval = recheck_interval()
    lease = timedelta(minutes=settings.CHECKER_DISPATCH_LEASE_MINUTES)
    pending = OrderLink.objects.filter(
        state=OrderLinkState.PENDING,
        order__state__in=OPEN_ORDER_STATES,
        order__kind__in=CLOCKED_KINDS,
        link__is_demo=False,
    ).values("link_id")
    return (
        LinkStats.objects.filter(link_id__in=pending, next_check_at__gt=now + lease)
        .filter(
            Q(last_checked_at__isnull=True) | Q(next_check_at__gt=F("last_checked_at") + interval)
        )
        .update(next_check_at=Greatest(F("last_checked_at") + interval, Value(now)))
    )
