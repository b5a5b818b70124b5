"""Big submissions: first checks go out in batches of CHECKER_BATCH_SIZE, a task keeps its
links leased while it fetches them, and the per-host rate holds across several worker
processes (a row per host in PostgreSQL: no Redis needed, so the filesystem broker set-up has
it too)."""

import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.choices import Role
from checks import scheduling, tasks
from checks.choices import CheckTrigger
from checks.models import LinkStats
from tests.checks.sites import register, restore_reference_data
from tests.checks.test_worker_e2e import worker_database_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sent(monkeypatch):
    calls = []

    def apply_async(args=None, kwargs=None, **options):
        calls.append((args[0], options["queue"], kwargs["trigger"]))

    monkeypatch.setattr(tasks.check_links, "apply_async", apply_async)
    return calls


@pytest.mark.django_db
def test_first_checks_of_a_big_submission_go_out_in_batches(
    make_user, settings, sent, django_capture_on_commit_callbacks
):
    settings.CHECKER_ENQUEUE_ON_COMMIT = True
    settings.CHECKER_BATCH_SIZE = 4
    officer = make_user(Role.OFFICER)

    with django_capture_on_commit_callbacks(execute=True):
        links = register(officer, *(f"https://127.0.0.1:9/big/{n}" for n in range(10)))

    assert [(len(ids), queue, trigger) for ids, queue, trigger in sent] == [
        (4, "checks.new", CheckTrigger.FIRST),
        (4, "checks.new", CheckTrigger.FIRST),
        (2, "checks.new", CheckTrigger.FIRST),
    ]
    assert sorted(pk for ids, _, _ in sent for pk in ids) == sorted(link.pk for link in links)


@pytest.fixture(scope="module", autouse=True)
def reference_data_after_flush(django_db_blocker):
    """The transactional test's flush empties every table; put back what migrations made."""
    yield
    with django_db_blocker.unblock():
        restore_reference_data()


@pytest.mark.django_db(transaction=True)
def test_a_task_keeps_its_links_leased_while_it_fetches(make_user, settings):
    restore_reference_data()
    settings.CHECKER_LEASE_RENEW_SECONDS = 0.2
    [link] = register(make_user(Role.OFFICER), "https://127.0.0.1:9/slow")
    soon = timezone.now() + timedelta(seconds=5)
    LinkStats.objects.filter(link=link).update(next_check_at=soon)  # a lease about to end

    with scheduling.keep_leased([link.pk]):
        time.sleep(0.8)  # fetching a slow host
        during = LinkStats.objects.get(link=link).next_check_at

    assert during >= timezone.now() + scheduling.FIRST_CHECK_GRACE - timedelta(seconds=1)
    time.sleep(0.4)  # renewals stop with the task
    assert LinkStats.objects.get(link=link).next_check_at == during


class CountingHandler(BaseHTTPRequestHandler):
    times: list[float] = []

    def do_GET(self):
        self.times.append(time.monotonic())
        body = b"<html><head><title>t</title></head><body>ok</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


WORKER = """
import os, sys, time
import django
django.setup()
from checks import recording
go, urls = sys.argv[1], sys.argv[2:]
print("ready", flush=True)
deadline = time.monotonic() + 60
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.01)
fetched = recording.fetch(list(enumerate(urls)))
print("fetched", sum(f.result.available for f in fetched), flush=True)
"""


@pytest.mark.django_db
def test_the_per_host_rate_holds_across_worker_processes():
    CountingHandler.times = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), CountingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    rate, burst, workers, per_worker = 4.0, 3, 3, 6
    go = Path(tempfile.mkdtemp()) / "go"
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "CHECKER_ALLOW_NETWORKS": "127.0.0.1/32",
        "CHECKER_PER_HOST_RATE": str(rate),
        "CHECKER_SHARED_HOST_RATE": "1",
    }
    port = server.server_address[1]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(go)]
            + [f"http://127.0.0.1:{port}/w{w}/{n}" for n in range(per_worker)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for w in range(workers)
    ]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "ready", process.stderr.read()[-2000:]
        go.touch()
        outputs = [process.communicate(timeout=90) for process in processes]
    finally:
        for process in processes:
            process.kill() if process.poll() is None else None
        server.shutdown()
        server.server_close()

    assert [out.strip() for out, _ in outputs] == [f"fetched {per_worker}"] * workers, outputs
    times = sorted(CountingHandler.times)
    total = workers * per_worker
    assert len(times) == total
    # One host, three processes: together they keep to `rate` (after a burst), not 3 × rate.
    # (A late first arrival on a loaded machine shortens the span a little; each process
    # alone would send its six at once: the three together in well under a second.)
    assert times[-1] - times[0] >= 0.75 * (total - burst) / rate
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= rate + burst + 1  # one more for a request the loaded machine delayed
