"""Demo data never reaches the internet, with a real broker and a real worker.

`seed_demo` on a set-up that sends first checks on commit queues nothing; a Celery worker
started on the demo database, handed the demo links anyway (a message left by an older seed,
markers due from before demo links were left out, beat's dispatch), fetches none of them. The
worker runs with tests.checks.loopback_only, so had it tried, nothing would have left the
machine and the attempt would be on record.
"""

import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from checks import scheduling
from checks.choices import CheckTrigger
from checks.models import Check, LinkStats
from kibernadzor.celery import app as celery_app
from registry.models import Link
from tests.checks.sites import reset_broker_connections, restore_reference_data
from tests.checks.test_worker_e2e import BROKER, empty_broker, worker_database_url

ROOT = Path(__file__).resolve().parents[2]
QUEUES = (scheduling.NEW_QUEUE, scheduling.RECHECK_QUEUE)

pytestmark = pytest.mark.skipif(
    not BROKER.startswith(("redis://", "filesystem://")),
    reason="needs a broker a worker can share: CELERY_BROKER_URL=redis://… or filesystem://",
)


def queued() -> int:
    """Messages waiting in the check queues of this suite's broker."""
    if BROKER.startswith("redis://"):
        client = redis.Redis.from_url(BROKER)
        return sum(client.llen(queue) for queue in QUEUES)
    folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    return sum(1 for _ in folder.glob("*.msg"))


@pytest.fixture(scope="module", autouse=True)
def reference_data_after_flush(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        restore_reference_data()


@pytest.fixture
def tasks_to_broker(settings):
    """As in production: tasks go to the broker, first checks are sent on commit."""
    settings.CHECKER_ENQUEUE_ON_COMMIT = True
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    reset_broker_connections()
    empty_broker()
    yield
    celery_app.conf.task_always_eager = eager
    reset_broker_connections()


@pytest.fixture
def attempts(tmp_path):
    path = tmp_path / "outside-attempts.txt"
    path.touch()
    return path


def start_worker(attempts: Path, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "DB_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "KBZ_OUTSIDE_ATTEMPTS": str(attempts),
    }
    argv = [
        "celery", "-A", "kibernadzor", "worker", "--pool=solo",
        "--queues=checks.new,checks.recheck", "--without-heartbeat", "--without-gossip",
        "--without-mingle", "--loglevel=INFO",
    ]  # fmt: skip
    guarded = (
        "import sys, tests.checks.loopback_only; from celery.__main__ import main; "
        f"sys.argv = {argv!r}; sys.exit(main())"
    )
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "-c", guarded], cwd=ROOT, env=env, stdout=output, stderr=output
        )


def stop(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def test_the_guard_records_and_refuses_an_outside_name(attempts):
    probe = (
        "import socket, tests.checks.loopback_only\n"
        "try:\n    socket.getaddrinfo('demo.invalid', 443)\nexcept OSError:\n    print('refused')"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**os.environ, "KBZ_OUTSIDE_ATTEMPTS": str(attempts)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "refused"
    assert attempts.read_text() == "resolve demo.invalid\n"


@pytest.mark.django_db(transaction=True)
def test_seed_demo_queues_nothing_and_a_worker_on_the_demo_database_fetches_nothing(
    tasks_to_broker, attempts, tmp_path
):
    restore_reference_data()  # a transactional test before this one may have flushed them

    call_command("seed_demo", stdout=StringIO())

    demo_ids = list(Link.objects.filter(is_demo=True).values_list("pk", flat=True))
    assert len(demo_ids) > 100
    assert queued() == 0  # no first check was sent on commit
    assert not LinkStats.objects.filter(next_check_at__isnull=False).exists()

    # The worst a demo database can hold: a message naming demo links (an older seed sent
    # it) and markers due from before demo links were left out; beat's dispatch runs too.
    LinkStats.objects.filter(link_id__in=demo_ids[:50]).update(next_check_at=timezone.now())
    assert scheduling.enqueue(demo_ids[:20], trigger=CheckTrigger.FIRST)
    assert scheduling.dispatch_due() == 0
    assert queued() == 1

    log = tmp_path / "worker.log"
    worker = start_worker(attempts, log)
    done = f"link {demo_ids[19]}: demo link: not fetched"  # the message's last link
    try:
        deadline = time.monotonic() + 90
        while queued() or done not in log.read_text(errors="replace"):
            assert worker.poll() is None, f"the worker exited: {log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"not done in 90 s: {log.read_text()[-3000:]}"
            time.sleep(0.25)
    finally:
        stop(worker)

    assert attempts.read_text() == ""  # nothing tried to leave the machine
    assert not Check.objects.exists()
    assert not LinkStats.objects.filter(next_check_at__isnull=False).exists()
