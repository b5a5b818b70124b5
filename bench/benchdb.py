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


def column_defaults_from_models() -> None:
    """Give the bench database's columns the defaults their model fields declare.

    The datasets are filled in SQL for speed, naming only the columns they care about; a column
    added later with a Django-side default (`default=…`, or `blank=True` on a text field) would
    otherwise break them with a NOT NULL violation. With these defaults in the database, such a
    column fills itself; a new NOT NULL column without any default still fails, loudly, in the
    bench smoke run of `make test`, which is the point.
    """
    from django.apps import apps
    from django.db import connection, models
    from psycopg import sql

    statements = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if field.null or field.primary_key or field.db_default is not models.NOT_PROVIDED:
                continue
            if field.has_default() and not callable(field.default):
                value = field.get_db_prep_save(field.default, connection)
            elif isinstance(field, models.CharField | models.TextField) and field.blank:
                value = ""
            elif isinstance(field, models.JSONField) and field.has_default():
                value = field.get_db_prep_save(field.default(), connection)
            else:
                continue
            statements.append(
                sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(
                    sql.Identifier(model._meta.db_table),
                    sql.Identifier(field.column),
                    sql.Literal(value),
                )
            )
    with connection.cursor() as cursor:
        for statement in statements:  # DDL takes no bind parameters: literals, quoted by psycopg
            cursor.execute(statement.as_string(cursor.connection))
