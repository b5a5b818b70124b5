"""What the database benches share: their own database on the test server, and Django set up
against it with the production settings (DEBUG off) and tasks inline."""

import os
from urllib.parse import urlsplit, urlunsplit


def prepare_database(server_url: str, name: str) -> str:
    """DATABASE_URL of the bench's own database `name` on `server_url`'s server, created once."""
    import psycopg

    parts = urlsplit(server_url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def setup_django(database_url: str, **environment: str) -> None:
    """Django against the bench database, migrated; `environment` adds or overrides settings."""
    os.environ.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY") or "bench-only-not-secret",
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="testserver,localhost",
        KBZ_DEMO="0",
        CELERY_TASK_ALWAYS_EAGER="1",
        CHECKER_ENQUEUE_ON_COMMIT="0",
        **environment,
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kibernadzor.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
