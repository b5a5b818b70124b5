"""The triggers that keep the report facts exact, GIN indexes on their arrays, and the facts
of the links that exist already (PostgreSQL only; the SQLite demo reports live)."""

from django.db import migrations

from reporting import facts

# GIN indexes for the array conditions of the access rule and the filters (PostgreSQL only, so
# not in the model's Meta: the SQLite demo migrates the same models).
INDEXES = [
    f"CREATE INDEX IF NOT EXISTS linkfact_{column}_gin ON reporting_linkfact USING gin ({column})"
    for column in ("other_regions", "other_agencies", "organizations", "materials")
] + [
    # Time to block reads these two columns only: an index-only scan.
    "CREATE INDEX IF NOT EXISTS linkfact_blocked_cover_idx ON reporting_linkfact "
    "(blocked_at) INCLUDE (registered_at)",
]


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in [*facts.drop_trigger_sql(), *facts.trigger_sql(), *INDEXES]:
            cursor.execute(statement)
    facts.rebuild()  # about a minute per million links


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in facts.drop_trigger_sql():
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_initial"),
        ("registry", "0002_link_fillfactor"),
        ("checks", "0002_near_duplicates_and_http_fallback"),
        ("accounts", "0003_token_scope"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
