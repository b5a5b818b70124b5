"""Parts a test starts, stops and starts again: a Redis, a PostgreSQL, a web server.

Each runs on a free port of 127.0.0.1 in a temporary folder, as a child of the test process,
never the shared services other tests use (the Redis on 6379, the PostgreSQL on 5432)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

PG_BIN = Path(os.environ.get("KBZ_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0, *, open_: bool = True) -> None:
    """Until something listens on the port (or, with open_=False, nothing does)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                listening = True
        except OSError:
            listening = False
        if listening == open_:
            return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} still {'closed' if open_ else 'open'} after {timeout} s")


class RedisServer:
    """`redis-server` with no persistence: stop() kills it, start() brings back an empty one."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        wait_for_port(self.port, open_=False)

    def pause(self) -> None:
        """Hung rather than gone: connections are accepted (by the kernel), never answered."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


class Postgres:
    """A throwaway PostgreSQL cluster (initdb in a temporary folder, trust auth) that the test
    stops (`pg_ctl stop -m fast`) and starts again. PostgreSQL refuses to run as root: as root
    the cluster belongs to the system's `postgres` user, in a folder of its own."""

    def __init__(self, folder: Path):
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            folder = Path(tempfile.mkdtemp(prefix="kbz-pg-"))
            shutil.chown(folder, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.folder = folder
        self.data = folder / "pgdata"
        self.port = free_port()
        self.log = folder / "postgres.log"

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _pg(self, program: str, *args: str, check: bool = True) -> None:
        command = [*self.as_user, str(PG_BIN / program), *args]
        subprocess.run(command, check=check, capture_output=True, timeout=120)

    def init(self) -> None:
        self._pg(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync",
            "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        self._pg("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        """Stop it if it runs, and delete its files."""
        self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        if self.as_user:
            shutil.rmtree(self.folder, ignore_errors=True)


def get(url: str, timeout: float = 10.0, headers: dict | None = None):
    """(status, headers, body) of a GET; HTTP errors are answers too."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - local
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


ROOT = Path(__file__).resolve().parents[1]


class WebServer:
    """gunicorn serving the project (production's command, deploy/gunicorn.conf.py), on a free
    port, with the environment given over the test process's own."""

    def __init__(self, folder: Path, env: dict[str, str], *args: str):
        self.folder = folder
        self.port = free_port()
        self.env = env
        self.args = args
        self.process: subprocess.Popen | None = None
        self.log = folder / "gunicorn.log"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self, timeout: float = 60.0) -> None:
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": "test-only-not-secret",
            "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "KBZ_DATA_DIR": str(self.folder / "data"),
            "PYTHONUNBUFFERED": "1",
            "WEB_CONCURRENCY": "2",
            **self.env,
        }
        command = [
            sys.executable, "-m", "gunicorn",
            "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind", f"127.0.0.1:{self.port}", "--no-control-socket", *self.args,
        ]  # fmt: skip
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                get(self.url("/healthz"), timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"gunicorn did not answer: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
