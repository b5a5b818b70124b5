"""Repeats are added to the facts one row each, not by recomputing their link.

A repeat report (a known link submitted again) used to note its link dirty, and the refresh
rebuilt every repeat row of the link: work that grew with the link's reports. Now the insert
trigger notes the report itself in reporting_newrepeat (a bare heap, like reporting_dirtylink)
and the refresh adds one RepeatFact row, its counts, and the link's last event and other
agencies (reporting/facts.py, add_new_repeats). Deleting or changing a report still notes its
link dirty. Nothing to recompute: the facts are the same either way.
"""

from django.db import migrations, models

CREATE_TABLE = "CREATE TABLE reporting_newrepeat (report_id bigint NOT NULL)"
DROP_TABLE = "DROP TABLE IF EXISTS reporting_newrepeat"

REPORT_INSERT_NOTES_THE_REPEAT = """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_report_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_newrepeat (report_id) SELECT id FROM new_rows WHERE is_repeat;
    RETURN NULL;
END $$;
"""
REPORT_INSERT_NOTES_THE_LINK = """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_report_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id) SELECT link_id FROM new_rows WHERE is_repeat;
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0003_monthly_counts_and_cheaper_triggers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="NewRepeat",
                    fields=[("report_id", models.BigIntegerField(primary_key=True, serialize=False))],
                    options={
                        "db_table": "reporting_newrepeat",
                        "managed": False,
                        "default_permissions": (),
                    },
                ),
            ],
            database_operations=[migrations.RunSQL(CREATE_TABLE, DROP_TABLE)],
        ),
        migrations.RunSQL(REPORT_INSERT_NOTES_THE_REPEAT, REPORT_INSERT_NOTES_THE_LINK),
    ]
