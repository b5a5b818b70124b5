"""`make run` on a clean environment serves the admin login and the OpenAPI UI (SQLite, inline
tasks), as a newcomer would see it."""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:  # 127.0.0.1 only
        return response.status, response.read().decode()


@pytest.mark.slow
def test_make_run_serves_admin_login_and_api_docs(tmp_path):
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("DATABASE_URL", "REDIS_URL", "CELERY_", "DEBUG", "SECRET_KEY", "KBZ_", "SECURE_")
        )
    }
    env.update(PORT=str(port), DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    process = subprocess.Popen(
        ["make", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        text=True,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                status, body = get(f"http://127.0.0.1:{port}/admin/login/")
                break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                time.sleep(1)
        else:
            pytest.fail("make run did not serve within 240 s")
        assert status == 200
        assert "Кибернадзор" in body
        # The API docs need a login: an anonymous browser lands on the login page.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/docs/", timeout=10) as page:
            assert page.url.startswith(f"http://127.0.0.1:{port}/login/?next=")
        status, body = get(f"http://127.0.0.1:{port}/healthz")
        assert '"database": "ok"' in body
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
