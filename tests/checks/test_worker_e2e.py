"""End to end: a real Celery worker, a real broker (Redis, or the filesystem broker where there
is no Redis), a local HTTPS site, the test database.

Submitting a link commits it; the first check goes to the broker on commit; a `celery worker`
subprocess takes it from the `checks.new` queue, fetches the page and records the Check.
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.db import connection

from accounts.choices import Role
from checks.choices import CheckTrigger
from checks.models import Check, LinkStats
from kibernadzor.celery import app as celery_app
from tests.checks import sites
from tests.checks.sites import (
    page,
    register,
    reset_broker_connections,
    restore_reference_data,
)

site_ca, site = sites.site_ca, sites.site  # the local HTTPS site's fixtures

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("CELERY_BROKER_URL", "")

pytestmark = pytest.mark.skipif(
    not BROKER.startswith(("redis://", "filesystem://")),
    reason="needs a broker a worker can share: CELERY_BROKER_URL=redis://… or filesystem:// "
    "(make test sets one)",
)


def empty_broker() -> None:
    """This suite's own broker (a Redis database, or the filesystem broker's folder): no
    stale tasks from an earlier run."""
    if BROKER.startswith("redis://"):
        redis.Redis.from_url(BROKER).flushdb()
        return
    folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    folder.mkdir(parents=True, exist_ok=True)
    for message in folder.iterdir():
        message.unlink()


def worker_database_url() -> str:
    """DATABASE_URL of the test database pytest-django created (test_<name>)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.fixture(scope="module", autouse=True)
def reference_data_after_flush(django_db_blocker):
    """The transactional test's flush empties every table; put back what migrations made."""
    yield
    with django_db_blocker.unblock():
        restore_reference_data()


@pytest.fixture
def worker(site_ca, site):
    empty_broker()
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "DB_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CHECKER_ALLOW_NETWORKS": "127.0.0.1/32",
        "CHECKER_CA_BUNDLE": site_ca[1],
        "CHECKER_PER_HOST_RATE": "0",
    }
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "kibernadzor",
        "worker",
        "--pool=solo",
        "--queues=checks.new,checks.recheck",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    yield process
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    print(output.decode(errors="replace")[-4000:])  # shown by pytest when the test fails


@pytest.fixture
def tasks_to_broker(settings):
    settings.CHECKER_ENQUEUE_ON_COMMIT = True
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    reset_broker_connections()
    yield
    celery_app.conf.task_always_eager = eager
    reset_broker_connections()


@pytest.mark.django_db(transaction=True)
def test_worker_checks_a_new_link_after_submission(site, worker, tasks_to_broker, make_user):
    site.serve("/post", page("Через воркер", "Текст страницы для проверки воркером. " * 10, 321))
    restore_reference_data()  # a transactional test before this one may have flushed them
    officer = make_user(Role.OFFICER)

    [link] = register(officer, site.url("/post"))

    deadline = time.monotonic() + 60
    while not Check.objects.filter(link=link).exists():
        assert worker.poll() is None, "the worker exited"
        assert time.monotonic() < deadline, "no check within 60 s"
        time.sleep(0.25)
    check = Check.objects.get(link=link)
    assert check.trigger == CheckTrigger.FIRST
    assert check.available and check.title == "Через воркер" and check.views == 321
    assert LinkStats.objects.get(link=link).last_views == 321
    assert site.hits == ["/post"]
