"""Redis away, in the default set-up (one Redis as cache and broker): the API keeps answering,
submissions are taken, and nothing is lost. A real redis-server that the test stops and starts.
"""

import json
import logging
import shutil
import time

import pytest
import redis
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from accounts.choices import Role
from accounts.services import issue_token
from checks import scheduling
from checks.models import LinkStats
from kibernadzor.celery import app as celery_app
from registry.models import Link
from tests.checks.sites import reset_broker_connections
from tests.outages import RedisServer

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def retry_seconds():
    return 0  # a test that stops and starts Redis sees it back at once


@pytest.fixture
def default_setup(redis_server, settings, monkeypatch, retry_seconds):
    """This Redis is the cache (as settings.py makes it from REDIS_URL, retrying at once) and
    the broker, and first checks are sent on commit, as in production."""
    settings.CACHES = {
        "default": {
            "BACKEND": "kibernadzor.cache.FailOpenRedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
                "RETRY_SECONDS": retry_seconds,
            },
        }
    }
    settings.CHECKER_ENQUEUE_ON_COMMIT = True
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = redis_server.url
    monkeypatch.setenv("CELERY_BROKER_URL", redis_server.url)  # Celery reads it first
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"anon": "100/minute", "user": "3/minute", "reports": "100/minute"},
    )
    reset_broker_connections()
    yield redis_server
    celery_app.conf.task_always_eager = eager
    reset_broker_connections()


@pytest.fixture
def officer_api(make_user, api_client):
    officer = make_user(Role.OFFICER)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(officer, name='tool')}")
    return api_client


def submit(api_client, *urls):
    return api_client.post(
        "/api/v1/links/submit/", json.dumps({"urls": list(urls)}), content_type="application/json"
    )


def queued(redis_server, queue=scheduling.NEW_QUEUE) -> int:
    return redis.Redis.from_url(redis_server.url).llen(queue)


def test_the_api_answers_while_redis_is_away_and_says_so_in_the_log(
    default_setup, officer_api, caplog
):
    assert officer_api.get("/api/v1/links/").status_code == 200
    default_setup.stop()

    with caplog.at_level(logging.WARNING, logger="kibernadzor.cache"):
        statuses = [officer_api.get("/api/v1/links/").status_code for _ in range(5)]

    assert statuses == [200] * 5  # the throttle (3/minute) fails open
    assert any("Cache unavailable" in message for message in caplog.messages)
    health = officer_api.get("/healthz").json()
    assert health["cache"] == "unavailable: serving without it"
    assert health["broker"].startswith("error")  # the same Redis


def test_a_submission_is_taken_while_redis_is_away_and_its_check_is_sent_when_it_is_back(
    default_setup, officer_api, django_capture_on_commit_callbacks, caplog
):
    default_setup.stop()

    with (
        caplog.at_level(logging.WARNING, logger="checks.scheduling"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = submit(officer_api, "https://127.0.0.1:9/while-redis-is-away")

    assert response.status_code == 200, response.content
    assert response.json()["summary"] == {"new": 1, "known": 0, "invalid": 0}
    link = Link.objects.get()
    assert LinkStats.objects.get(link=link).next_check_at is not None  # durable: still due
    assert any("they stay due and are sent later" in message for message in caplog.messages)

    default_setup.start()
    reset_broker_connections()  # the process's broker connection died with the old Redis
    later = timezone.now() + scheduling.FIRST_CHECK_GRACE
    assert scheduling.dispatch_due(now=later) == 1
    assert queued(default_setup) == 1


def test_throttles_count_again_once_redis_is_back(default_setup, officer_api):
    default_setup.stop()
    assert [officer_api.get("/api/v1/links/").status_code for _ in range(4)] == [200] * 4

    default_setup.start()

    statuses = [officer_api.get("/api/v1/links/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert officer_api.get("/healthz").json()["cache"] == "ok"


@pytest.mark.parametrize("retry_seconds", [30])
def test_a_hung_redis_costs_one_short_timeout_not_one_per_call(default_setup, officer_api):
    assert officer_api.get("/api/v1/links/").status_code == 200
    default_setup.pause()
    try:
        first = timed(lambda: officer_api.get("/api/v1/links/").status_code)
        rest = [timed(lambda: officer_api.get("/api/v1/links/").status_code) for _ in range(5)]
    finally:
        default_setup.resume()

    assert first[0] == 200 and [status for status, _ in rest] == [200] * 5
    assert first[1] < 3  # one socket timeout (0.5 s) and the call itself
    assert sum(seconds for _, seconds in rest) < first[1]  # the circuit is open: no waiting


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started
