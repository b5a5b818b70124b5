"""Sending check tasks to the broker: fail fast, and stop trying for a while after a failure.

The first check of a new link is sent from the web request once its submission commits. The
durable due marker (checks.scheduling) makes beat's `dispatch_due` send the link later anyway,
so a send must never hold a request: it has its own broker connection with no connection
retries and short socket timeouts (CHECKER_SEND_TIMEOUT, seconds), and a circuit breaker that,
after one failure, skips sends for CHECKER_SEND_PAUSE_SECONDS (each process on its own). The
app's default connection retries for seconds (kombu's retry loop and redis-py's own), which is
right for a worker and wrong for a request.
"""

import logging
import threading
from collections.abc import Sequence

from celery import current_app
from django.conf import settings

from utilities.circuit import CircuitBreaker

logger = logging.getLogger(__name__)

breaker = CircuitBreaker(lambda: settings.CHECKER_SEND_PAUSE_SECONDS)
_lock = threading.Lock()  # a kombu connection is not thread safe (gthread workers)
_connection = None


def _fast_connection():
    """This process's connection for sends, built once: no retries, short timeouts."""
    global _connection
    if _connection is None:
        timeout = settings.CHECKER_SEND_TIMEOUT
        options = {
            **(current_app.conf.broker_transport_options or {}),
            "max_retries": 0,
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
        }
        _connection = current_app.connection_for_write(
            transport_options=options, connect_timeout=timeout
        )
    return _connection


def reset() -> None:
    """Forget the connection and close the circuit (the broker's URL changed, tests)."""
    global _connection
    with _lock:
        if _connection is not None:
            _connection.collect()
        _connection = None
        breaker.reset()


def send(task_name: str, args: Sequence, kwargs: dict, *, queue: str) -> bool:
    """Send one task; False if it was not sent (the broker failed now, or did a moment ago).

    A failure is logged once per outage (a warning with the error); sends skipped while the
    circuit is open are logged at debug level.
    """
    global _connection
    task = current_app.tasks[task_name]
    if current_app.conf.task_always_eager:  # inline tasks: no broker to guard
        try:
            task.apply_async(args=list(args), kwargs=kwargs, queue=queue)
        except Exception:
            logger.exception("Inline %s failed", task_name)
            return False
        return True
    if not breaker.allows():
        logger.debug("Broker circuit open: %s to %s not sent", task_name, queue)
        return False
    with _lock:
        try:
            task.apply_async(
                args=list(args),
                kwargs=kwargs,
                queue=queue,
                routing_key=queue,
                connection=_fast_connection(),
                retry=False,
            )
        except Exception:
            if _connection is not None:
                _connection.collect()
            _connection = None
            if breaker.failed():
                logger.warning(
                    "The broker failed; sends stop for %s s (links stay due, beat sends them)",
                    breaker.pause,
                    exc_info=True,
                )
            return False
    breaker.succeeded()
    return True
