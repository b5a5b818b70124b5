"""Leave room in each page of registry_link so that report-count and state updates are HOT
(heap-only) updates that touch none of the table's indexes. PostgreSQL only."""

from django.db import migrations


def set_fillfactor(apps, schema_editor, value=85):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE registry_link SET (fillfactor = {int(value)})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE registry_link RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False)]
