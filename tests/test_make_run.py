"""`make run` on a clean environment, as a newcomer would start it: no DATABASE_URL and no
Redis, so an embedded PostgreSQL, the filesystem broker, web, worker and beat. It serves the
admin, the API docs and the demo; a link submitted through the API is checked by the worker
within seconds; stopping `make run` stops the embedded PostgreSQL too."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.checks import sites
from tests.checks.sites import page

site_ca, site = sites.site_ca, sites.site  # the local HTTPS site the submitted link points at

ROOT = Path(__file__).resolve().parent.parent
CLEARED = (
    "DATABASE_URL", "REDIS_URL", "CELERY_", "DEBUG", "SECRET_KEY", "KBZ_", "SECURE_", "TEST_",
)  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url: str, *, token: str = "", data: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url)  # 127.0.0.1 only
    if token:
        request.add_header("Authorization", f"Token {token}")
    if data is not None:
        request.data = json.dumps(data).encode()
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode()


def manage(env: dict, *args: str) -> str:
    """manage.py beside `make run`, with no DATABASE_URL: settings' default is the embedded
    server's socket."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**env, "DEBUG": "1"},  # as make run's processes: no SECRET_KEY needed
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def data_dir():
    # Short: the server's socket lives in it, and Unix socket paths stop at 107 bytes.
    path = Path(tempfile.mkdtemp(prefix="kbz-run-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.slow
def test_make_run_serves_the_demo_and_checks_a_submitted_link(site_ca, site, data_dir):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(CLEARED)}
    env.update(
        PORT=str(port),
        KBZ_DATA_DIR=str(data_dir),
        CHECKER_ALLOW_NETWORKS="127.0.0.1/32",
        CHECKER_CA_BUNDLE=site_ca[1],
    )
    base = f"http://127.0.0.1:{port}"
    log = (data_dir / "make-run.log").open("w")
    process = subprocess.Popen(
        ["make", "run"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def output() -> str:
        return (data_dir / "make-run.log").read_text()

    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                status, body = call(f"{base}/admin/login/")
                break
            except OSError:
                assert process.poll() is None, output()
                time.sleep(1)
        else:
            pytest.fail("make run did not serve within 240 s:\n" + output())
        assert status == 200
        assert "Кибернадзор" in body
        # The API docs need a login: an anonymous browser lands on the login page.
        with urllib.request.urlopen(f"{base}/api/v1/docs/", timeout=10) as docs:  # 127.0.0.1
            assert docs.url.startswith(f"{base}/login/?next=")
        health = json.loads(call(f"{base}/healthz")[1])
        assert health["database"] == "ok" and health["broker"] == "ok", health
        assert (data_dir / "pg" / "PG_VERSION").exists()  # the embedded server, not another

        # The demo: its links are there for the demo officer.
        token = manage(env, "issue_token", "demo_officer", "--name", "make run test").strip()
        demo = json.loads(call(f"{base}/api/v1/links/?is_demo=true", token=token)[1])
        assert len(demo["results"]) > 10, demo

        # A submitted link is checked by the worker within seconds (sent on commit).
        site.serve("/post", page("Submitted", "текст публикации " * 40, views=7))
        submitted_at = time.monotonic()
        _status, body = call(
            f"{base}/api/v1/links/submit/", token=token, data={"urls": [site.url("/post")]}
        )
        [answer] = json.loads(body)["results"]
        assert answer["status"] == "new", answer
        probe = f"from checks.models import Check; print(Check.objects.filter(link_id={answer['link']}).count())"  # noqa: E501
        while manage(env, "shell", "--no-imports", "-c", probe).strip() != "1":
            assert time.monotonic() - submitted_at < 60, output()
            time.sleep(1)
        assert "/post" in site.hits
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        log.close()

    # Stopping make run stopped the embedded PostgreSQL (the wheel removes postmaster.pid).
    deadline = time.monotonic() + 30
    while (data_dir / "pg" / "postmaster.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not (data_dir / "pg" / "postmaster.pid").exists(), output()
