"""Leave room in each page of registry_link so that report-count and state updates are HOT
(heap-only) updates that touch none of the table's indexes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE registry_link SET (fillfactor = 85)",
            "ALTER TABLE registry_link RESET (fillfactor)",
            elidable=False,
        )
    ]
