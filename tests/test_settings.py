"""Start-up refuses bad configuration with one line naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage_check(**env_overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_secret_key_with_debug_off_stops_start_up_naming_the_variable():
    result = manage_check(DEBUG="0")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Kibernadzor configuration error: SECRET_KEY is not set; it is required when DEBUG is off"
    ]


@pytest.mark.parametrize("url", ["postgres//nohost", "mysqll://x@y/z", "postgres://host:5432"])
def test_malformed_database_url_stops_start_up_naming_the_variable(url):
    result = manage_check(DEBUG="0", SECRET_KEY="x" * 50, DATABASE_URL=url)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Kibernadzor configuration error: DATABASE_URL")


@pytest.mark.parametrize(
    "url", ["sqlite:///db.sqlite3", "sqlite://:memory:", "sqlite:////tmp/k.db"]
)
def test_a_sqlite_database_url_is_refused_naming_the_variable(url):
    result = manage_check(DEBUG="0", SECRET_KEY="x" * 50, DATABASE_URL=url)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Kibernadzor configuration error: DATABASE_URL names SQLite, which Kibernadzor does not "
        "run on: give a postgres:// URL, or unset it for the embedded PostgreSQL"
    ]


def test_deploy_check_is_clean_with_the_documented_production_variables():
    env = {k: v for k, v in os.environ.items() if k not in {"SECURE_SSL_REDIRECT"}}
    env.update(
        DEBUG="0",
        SECRET_KEY="k" * 30 + "-Z9_prod-like-secret-" + "q" * 20,
        ALLOWED_HOSTS="kibernadzor.example.kz",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def database_settings(**env_overrides) -> list[str]:
    """ENGINE, HOST and NAME of the default database, as settings build them from this env."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "KBZ_DATA_DIR"}}
    env.update(DEBUG="1", **env_overrides)
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "db = settings.DATABASES['default']; print(db['ENGINE'], db['HOST'], db['NAME'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_unset_database_url_means_the_embedded_postgresql(tmp_path):
    engine, host, name = database_settings(KBZ_DATA_DIR=str(tmp_path))
    assert engine == "django.db.backends.postgresql"
    assert (host, name) == (str(tmp_path / "pg"), "kibernadzor")


def test_a_unix_socket_directory_can_be_the_encoded_host_of_database_url():
    # django-environ leaves such a host encoded; libpq's own URLs write it this way.
    url = "postgres://postgres@%2Frun%2Fkbz-pg/kibernadzor"
    assert database_settings(DATABASE_URL=url)[1:] == ["/run/kbz-pg", "kibernadzor"]
