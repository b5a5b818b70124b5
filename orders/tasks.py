"""Celery beat tasks of the orders app: thin wrappers around orders.checking and
orders.services (the deadline clocks)."""

from celery import shared_task
from django.db import DatabaseError

from orders import checking, services


@shared_task(
    name="orders.tasks.bring_forward_rechecks",
    autoretry_for=(DatabaseError,),
    retry_backoff=10,
    max_retries=3,
)
def bring_forward_rechecks():
    """Beat, every minute: the links of sent orders are re-checked every ORDER_RECHECK_MINUTES."""
    return checking.bring_forward_rechecks()


@shared_task(
    name="orders.tasks.escalate_overdue",
    autoretry_for=(DatabaseError,),
    retry_backoff=10,
    max_retries=3,
)
def escalate_overdue():
    """Beat: notify the prosecutors of orders with links past their deadline (once a link)."""
    return services.escalate_overdue()
