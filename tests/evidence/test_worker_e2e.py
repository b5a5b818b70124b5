"""End to end with a real Celery worker: submitting a link sends its first check; the check
finds the page (with an image, a stylesheet and a script) and asks for a capture; the capture
goes to the "evidence" queue and the worker takes it: done, signed, screenshot and WACZ."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from accounts.choices import Role
from evidence import storage
from evidence.archive import read_wacz_resources
from evidence.choices import FINAL_STATES, ArtifactKind, CaptureReason, CaptureState
from evidence.models import Capture
from orders import signing
from tests.checks import test_worker_e2e as checks_e2e
from tests.checks.sites import register, restore_reference_data
from tests.checks.test_worker_e2e import BROKER, ROOT, empty_broker, worker_database_url

# Reference data put back after the transactional test's flush; tasks sent to the broker.
reference_data_after_flush = checks_e2e.reference_data_after_flush
tasks_to_broker = checks_e2e.tasks_to_broker

pytestmark = pytest.mark.skipif(
    not BROKER.startswith(("redis://", "filesystem://")),
    reason="needs a broker a worker can share (CELERY_BROKER_URL=redis://… or filesystem://)",
)


@pytest.fixture
def evidence_worker(site_ca, site, evidence_files, settings):
    empty_broker()
    settings.EVIDENCE_ENQUEUE_ON_COMMIT = True
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "DB_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CHECKER_ALLOW_NETWORKS": "127.0.0.1/32",
        "CHECKER_CA_BUNDLE": site_ca[1],
        "CHECKER_PER_HOST_RATE": "0",
        "MEDIA_ROOT": str(evidence_files),
        "KBZ_SIGNING_KEY_FILE": str(settings.KBZ_SIGNING_KEY_FILE),
        "KBZ_SIGNING_KEY_AUTOGENERATE": "1",
        "EVIDENCE_ENQUEUE_ON_COMMIT": "1",
    }
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A", "kibernadzor", "worker", "--pool=solo",
        "--queues=checks.new,checks.recheck,evidence",
        "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO",
    ]  # fmt: skip
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
    print(output.decode(errors="replace")[-4000:])


@pytest.mark.django_db(transaction=True)
def test_the_worker_takes_a_capture_at_the_first_check(
    site, evidence_page, evidence_worker, tasks_to_broker, make_user
):
    restore_reference_data()
    officer = make_user(Role.OFFICER)

    [link] = register(officer, evidence_page)

    deadline = time.monotonic() + 120
    while not Capture.objects.filter(link=link, state__in=FINAL_STATES).exists():
        assert evidence_worker.poll() is None, "the worker exited"
        assert time.monotonic() < deadline, "no capture within 120 s"
        time.sleep(0.5)
    capture = Capture.objects.get(link=link)
    assert capture.reason == CaptureReason.FIRST_CHECK
    assert capture.state == CaptureState.DONE, capture.failure
    assert signing.verify(storage.get(capture.manifest_sha256), capture.signature)
    wacz = storage.get(capture.artifacts.get(kind=ArtifactKind.WACZ).sha256)
    assert site.url("/photo.png") in read_wacz_resources(wacz)
    screenshot = storage.get(capture.artifacts.get(kind=ArtifactKind.SCREENSHOT).sha256)
    assert screenshot.startswith(b"\x89PNG")
