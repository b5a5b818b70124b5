"""A broker that is down or frozen never holds a submission: the first check is sent with a
short timeout and no retries, and after one failure sends stop for a while (a circuit
breaker); the links stay due and beat's dispatch sends them once the broker is back.

The broker is a redis-server the test starts, stops, freezes and starts again.
"""

import time

import pytest
from django.utils import timezone

from accounts.choices import Role
from checks import scheduling, sending
from checks.models import LinkStats
from kibernadzor.celery import app as celery_app
from tests.checks.redis_server import redis_server  # noqa: F401 (fixture)
from tests.checks.sites import register, reset_broker_connections


@pytest.fixture
def broker(redis_server, monkeypatch, settings):  # noqa: F811
    """Tasks really go to the test's own redis-server."""
    settings.CHECKER_ENQUEUE_ON_COMMIT = True
    settings.CHECKER_SEND_TIMEOUT = 0.5
    settings.CHECKER_SEND_PAUSE_SECONDS = 30
    monkeypatch.setenv("CELERY_BROKER_URL", redis_server.url())  # Celery reads it first
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    reset_broker_connections()
    yield redis_server
    celery_app.conf.task_always_eager = eager
    reset_broker_connections()


def queued(server, queue=scheduling.NEW_QUEUE) -> int:
    return server.client().llen(queue)


def timed_submit(user, url, capture) -> tuple[float, object]:
    started = time.monotonic()
    with capture(execute=True):
        [link] = register(user, url)
    return time.monotonic() - started, link


@pytest.mark.django_db
def test_submissions_do_not_wait_for_a_broker_that_is_down(
    broker, make_user, django_capture_on_commit_callbacks, caplog
):
    officer = make_user(Role.OFFICER)
    capture = django_capture_on_commit_callbacks

    _, link_up = timed_submit(officer, "https://127.0.0.1:9/up", capture)
    assert queued(broker) == 1

    broker.stop()
    first, link_a = timed_submit(officer, "https://127.0.0.1:9/down-a", capture)
    second, link_b = timed_submit(officer, "https://127.0.0.1:9/down-b", capture)

    assert first < 1.0  # one refused connection, no retries (was ~6 s)
    assert second < 0.5  # the circuit is open: no connection is tried at all
    assert sending.breaker.is_open
    assert caplog.text.count("The broker failed; sends stop") == 1  # once per outage
    assert caplog.text.count("stay due and are sent later") == 2
    assert LinkStats.objects.filter(link__in=[link_a, link_b], last_checked_at=None).count() == 2

    # The broker is back, empty (the first message went down with it); beat's dispatch (in
    # the worker: its own circuit) sends every link still due, that one too.
    broker.start()
    sending.breaker.reset()
    later = timezone.now() + scheduling.FIRST_CHECK_GRACE
    assert scheduling.dispatch_due(now=later) == 3
    [message] = broker.client().lrange(scheduling.NEW_QUEUE, 0, -1)  # one batch
    assert f"[[{link_up.pk}, {link_a.pk}, {link_b.pk}]".encode() in message


@pytest.mark.django_db
def test_the_circuit_tries_again_after_its_pause(
    broker, make_user, settings, django_capture_on_commit_callbacks
):
    settings.CHECKER_SEND_PAUSE_SECONDS = 0.3
    officer = make_user(Role.OFFICER)
    broker.stop()
    timed_submit(officer, "https://127.0.0.1:9/down", django_capture_on_commit_callbacks)
    assert sending.breaker.is_open

    broker.start()
    time.sleep(0.4)
    timed_submit(officer, "https://127.0.0.1:9/back", django_capture_on_commit_callbacks)

    assert not sending.breaker.is_open
    assert queued(broker) == 1


@pytest.mark.django_db
def test_a_frozen_broker_holds_a_submission_no_longer_than_the_send_timeout(
    broker, make_user, django_capture_on_commit_callbacks
):
    officer = make_user(Role.OFFICER)
    timed_submit(officer, "https://127.0.0.1:9/warm", django_capture_on_commit_callbacks)

    broker.freeze()  # accepts connections, answers nothing
    try:
        elapsed, link = timed_submit(
            officer, "https://127.0.0.1:9/frozen", django_capture_on_commit_callbacks
        )
        again, _ = timed_submit(
            officer, "https://127.0.0.1:9/frozen-2", django_capture_on_commit_callbacks
        )
    finally:
        broker.thaw()

    assert elapsed < 0.5 + 1.0  # the send timeout, and the submission's own work
    assert again < 0.5
    assert LinkStats.objects.get(link=link).last_checked_at is None
