"""The database away: the API answers JSON 503 with Retry-After (not an HTML 500), and serves
again once the database is back, without a restart.

A throwaway PostgreSQL that the test starts, stops and starts again, holding a copy of the
test database; the production web server (deploy/gunicorn.conf.py) in front of it."""

import json
import os
import subprocess
import sys
import urllib.request

import pytest
from django.db import connection

from tests.outages import PG_BIN, ROOT, Postgres, WebServer, get

pytestmark = pytest.mark.skipif(
    not (PG_BIN / "initdb").exists(), reason=f"needs PostgreSQL's initdb in {PG_BIN}"
)

# Reference data first: a transactional test run before this one may have flushed the tables
# the copy came from.
MAKE_OFFICER = """
from tests.checks.sites import restore_reference_data
restore_reference_data()
from accounts.choices import Role
from accounts.services import issue_token
from tests.factories import AgencyFactory, UserFactory
officer = UserFactory(agency=AgencyFactory(), roles=[Role.OFFICER])
print(issue_token(officer, name="probe"))
"""


def copy_test_database(postgres: Postgres, name: str) -> None:
    """The schema and reference data pytest-django's test database holds, into `name`."""
    source = connection.settings_dict
    subprocess.run(
        [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "postgres",
         name],
        check=True, timeout=60,
    )  # fmt: skip
    dump = subprocess.run(
        [str(PG_BIN / "pg_dump"), "--no-owner", "-h", source["HOST"] or "127.0.0.1",
         "-p", str(source["PORT"] or 5432), "-U", source["USER"] or "postgres", source["NAME"]],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    subprocess.run(
        [str(PG_BIN / "psql"), "-q", "-v", "ON_ERROR_STOP=1", postgres.url(name)],
        input=dump.stdout, check=True, capture_output=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def postgres(tmp_path, db):
    server = Postgres(tmp_path)
    server.init()
    server.start()
    copy_test_database(server, "kbz")
    yield server
    server.remove()


@pytest.fixture
def server(tmp_path, postgres):
    env = {
        "DATABASE_URL": postgres.url("kbz"),
        "DB_CONN_MAX_AGE": "60",  # persistent connections, as in production
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "1",
    }
    made = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", MAKE_OFFICER],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr[-2000:]
    web = WebServer(tmp_path, env)
    web.start()
    web.key = made.stdout.split()[-1]
    yield web
    web.stop()


def call(server, method, path, body=None):
    request = urllib.request.Request(
        server.url(path),
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Token {server.key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - local
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_the_api_answers_503_with_retry_after_while_the_database_is_away(postgres, server):
    assert call(server, "GET", "/api/v1/links/")[0] == 200

    postgres.stop()

    for method, path, body in [
        ("GET", "/api/v1/links/", None),
        ("POST", "/api/v1/links/submit/", {"urls": ["https://example.kz/while-away"]}),
    ]:
        status, headers, content = call(server, method, path, body)
        assert status == 503, content[:300]
        assert headers["Content-Type"] == "application/json"
        assert int(headers["Retry-After"]) > 0
        assert json.loads(content)["part"] == "database"
    assert get(server.url("/healthz"))[0] == 503

    postgres.start()

    assert call(server, "GET", "/api/v1/links/")[0] == 200  # no restart needed
    status, _headers, content = call(
        server, "POST", "/api/v1/links/submit/", {"urls": ["https://example.kz/after"]}
    )
    assert status == 200
    assert json.loads(content)["summary"]["new"] == 1


def test_a_session_read_before_any_view_gets_the_503_too(postgres, server):
    """A session cookie makes a middleware read the database before the view runs
    (kibernadzor.outages.server_error, Django's handler500): JSON on the API, HTML in the
    portal, both with Retry-After."""
    session = {"Cookie": "sessionid=a-session-that-needs-the-database"}
    postgres.stop()

    status, headers, content = get(server.url("/api/v1/links/"), headers=session)
    assert status == 503, content[:300]
    assert headers["Content-Type"] == "application/json"
    assert json.loads(content)["part"] == "database"
    assert int(headers["Retry-After"]) > 0

    status, headers, content = get(server.url("/"), headers=session)
    assert status == 503, content[:300]
    assert headers["Content-Type"].startswith("text/html")
    assert int(headers["Retry-After"]) > 0
