"""Slow clients do not freeze the web tier (production's gunicorn, deploy/gunicorn.conf.py,
and nginx with deploy/nginx/proxy.conf in front of it).

20 clients each start a 388 KB upload and send it at 1 KB/s. With sync workers they held every
worker and /healthz took 37 s (issue 19); here /healthz and a portal page keep answering at
once while every upload is still under way."""

import os
import socket
import subprocess
import threading
import time

import pytest
from django.db import connection

from tests.outages import NGINX, ROOT, WebServer, free_port, get, wait_for_port

SLOW_CLIENTS = 20
BODY_BYTES = 388 * 1024
FAST_ENOUGH = 2.0  # seconds; the answers take milliseconds, the margin is for a loaded machine


class SlowClients:
    """`count` connections, each sending a form POST's headers and then its body at 1 KB/s."""

    def __init__(self, port: int, count: int = SLOW_CLIENTS):
        self.port = port
        self.sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
        self.stopped = threading.Event()
        self.sent = [0] * count
        self.thread = threading.Thread(target=self.trickle, daemon=True)

    def __enter__(self):
        head = (
            "POST /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {BODY_BYTES}\r\n\r\n"
        ).encode()
        for sock in self.sockets:
            sock.sendall(head)
        self.thread.start()
        return self

    def trickle(self):
        while not self.stopped.wait(1.0):
            for number, sock in enumerate(self.sockets):
                try:
                    sock.sendall(b"a" * 1024)
                    self.sent[number] += 1024
                except OSError:
                    pass

    def still_sending(self) -> int:
        """Clients that got no answer yet (their upload is under way) and are connected."""
        waiting = 0
        for sock in self.sockets:
            sock.setblocking(False)
            try:
                waiting += sock.recv(1) == b"" and 0  # closed by the server
            except BlockingIOError:
                waiting += 1  # nothing received: still sending
            except OSError:
                pass
            finally:
                sock.setblocking(True)
        return waiting

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(5)
        for sock in self.sockets:
            sock.close()


def timed_get(url: str) -> tuple[int, float]:
    started = time.monotonic()
    status = get(url, timeout=60)[0]
    return status, time.monotonic() - started


def answers_under_slow_clients(port: int, url) -> dict:
    """With the slow clients under way: the slowest /healthz and portal page, in seconds."""
    timed_get(url("/healthz"))  # warm: the first request of a worker loads the URL map
    with SlowClients(port) as clients:
        time.sleep(3)  # every upload has begun
        health = [timed_get(url("/healthz")) for _ in range(10)]
        page = [timed_get(url("/login/")) for _ in range(3)]
        waiting = clients.still_sending()
        sent = min(clients.sent)
    return {
        "health": [status for status, _ in health],
        "page": [status for status, _ in page],
        "slowest": max(seconds for _, seconds in health + page),
        "still_sending": waiting,
        "sent": sent,
    }


@pytest.fixture
def web(tmp_path, db):
    database = connection.settings_dict
    server = WebServer(
        tmp_path,
        {
            "DATABASE_URL": (
                f"postgres://{database['USER'] or 'postgres'}@{database['HOST'] or '127.0.0.1'}"
                f":{database['PORT'] or 5432}/{database['NAME']}"
            ),
            "REDIS_URL": "",
            "CELERY_BROKER_URL": "",
            "CELERY_TASK_ALWAYS_EAGER": "1",
        },
    )
    server.start()
    yield server
    server.stop()


def test_gunicorn_keeps_answering_while_twenty_clients_upload_slowly(web):
    result = answers_under_slow_clients(web.port, web.url)

    print(f"gunicorn, {SLOW_CLIENTS} slow uploads: slowest answer {result['slowest']:.3f} s")
    assert result["health"] == [200] * 10
    assert result["page"] == [200] * 3
    assert result["slowest"] < FAST_ENOUGH
    assert result["still_sending"] == SLOW_CLIENTS  # the uploads really were under way
    assert result["sent"] < BODY_BYTES


# --- nginx in front, with the repository's proxy configuration ---------------------------------


@pytest.fixture
def nginx(tmp_path, web):
    folder = tmp_path / "nginx"
    folder.mkdir()
    port = free_port()
    user = "user root;" if os.geteuid() == 0 else ""  # workers must write the body buffers
    temp = " ".join(
        f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    (folder / "nginx.conf").write_text(
        f"""{user}
daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    {temp} uwsgi_temp_path {folder / "uwsgi"}; scgi_temp_path {folder / "scgi"};
    upstream kibernadzor_web {{ server 127.0.0.1:{web.port}; keepalive 8; }}
    server {{
        listen 127.0.0.1:{port};
        include {ROOT / "deploy" / "nginx" / "errors.conf"};
        location / {{ include {ROOT / "deploy" / "nginx" / "proxy.conf"}; }}
    }}
}}
"""
    )
    process = subprocess.Popen(
        [NGINX, "-c", str(folder / "nginx.conf"), "-p", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
    except TimeoutError:
        process.kill()
        raise RuntimeError((folder / "error.log").read_text()) from None
    yield port
    process.terminate()
    process.wait(10)


@pytest.mark.skipif(NGINX is None, reason="needs nginx")
def test_nginx_buffers_slow_uploads_and_refuses_a_body_over_its_limit_in_json(nginx):
    def url(path):
        return f"http://127.0.0.1:{nginx}{path}"

    result = answers_under_slow_clients(nginx, url)

    print(f"nginx + gunicorn, {SLOW_CLIENTS} slow uploads: slowest {result['slowest']:.3f} s")
    assert result["health"] == [200] * 10
    assert result["page"] == [200] * 3
    assert result["slowest"] < FAST_ENOUGH
    assert result["still_sending"] == SLOW_CLIENTS

    with socket.create_connection(("127.0.0.1", nginx), timeout=10) as sock:
        sock.sendall(
            b"POST /api/v1/links/submit/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 70000000\r\n\r\n"
        )
        answer = sock.recv(4096)  # at once, from the headers
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"Content-Type: application/json" in answer
    assert b'"code": "too_large"' in answer
