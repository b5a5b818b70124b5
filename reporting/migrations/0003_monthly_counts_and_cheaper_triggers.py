"""Monthly counts beside the daily ones, and cheaper triggers: the list of changed links
becomes a bare heap (no key: a writer's insert is the cheapest possible; duplicates are fine),
updates note a link only when a column the facts read changes, and first reports are left to
their new link's own note.

The SQL is written out as it stood when this migration landed (reporting/facts.py at commit
11e1b2a). Then the facts and counts are recomputed: they are emptied and every existing link is
noted dirty, so the next refresh (the beat task reporting.tasks.refresh_facts, or the first
report) computes them all again, monthly counts included; or run `manage.py
rebuild_report_facts` right after migrating a database that holds links (about a minute per
million links). A rebuild here would need the time zone of the settings, so it would not be
self-contained SQL.
"""

from django.db import migrations, models

DROP_KEY = "ALTER TABLE reporting_dirtylink DROP CONSTRAINT IF EXISTS reporting_dirtylink_pkey"

# Statement-level triggers with transition tables (one INSERT per statement, whatever its size)
# for inserts and deletes; row-level triggers for updates, so that they fire only when a column
# the facts read changes (a repeat's report_count increment, a check's bookkeeping do not). A
# first report comes with its new link (noted by the link's trigger); repeats change the link's
# facts. An agency moved to another region changes who sees every link it reported.
CREATE_TRIGGERS = [
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_link_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id) SELECT id FROM new_rows WHERE true;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_link_insert AFTER INSERT ON registry_link REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_link_insert()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_report_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id) SELECT link_id FROM new_rows WHERE is_repeat;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_report_insert AFTER INSERT ON registry_report REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_report_insert()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_report_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id) SELECT link_id FROM old_rows WHERE true;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_report_delete AFTER DELETE ON registry_report REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_report_delete()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_statechange_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id) SELECT link_id FROM new_rows WHERE true;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_statechange_insert AFTER INSERT ON registry_statechange REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_statechange_insert()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_statechange_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id) SELECT link_id FROM old_rows WHERE true;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_statechange_delete AFTER DELETE ON registry_statechange REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_statechange_delete()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_linkorganization_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id) SELECT link_id FROM new_rows WHERE true;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_linkorganization_insert AFTER INSERT ON registry_linkorganization REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_linkorganization_insert()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_linkorganization_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id) SELECT link_id FROM old_rows WHERE true;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_linkorganization_delete AFTER DELETE ON registry_linkorganization REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_linkorganization_delete()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_linkmaterial_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id) SELECT link_id FROM new_rows WHERE true;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_linkmaterial_insert AFTER INSERT ON registry_linkmaterial REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_linkmaterial_insert()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_linkmaterial_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id) SELECT link_id FROM old_rows WHERE true;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_linkmaterial_delete AFTER DELETE ON registry_linkmaterial REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_linkmaterial_delete()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_checks_linkstats_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id) SELECT link_id FROM new_rows WHERE true;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_checks_linkstats_insert AFTER INSERT ON checks_linkstats REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_checks_linkstats_insert()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_checks_linkstats_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id) SELECT link_id FROM old_rows WHERE true;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_checks_linkstats_delete AFTER DELETE ON checks_linkstats REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_checks_linkstats_delete()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_link_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id) VALUES (OLD.id);
    IF NEW.id IS DISTINCT FROM OLD.id THEN
        INSERT INTO reporting_dirtylink (link_id) VALUES (NEW.id);
    END IF;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_link_update AFTER UPDATE OF first_reported_at, first_reported_agency_id, platform, state, classification, confidential, assigned_agency_id ON registry_link FOR EACH ROW WHEN (OLD.first_reported_at IS DISTINCT FROM NEW.first_reported_at OR OLD.first_reported_agency_id IS DISTINCT FROM NEW.first_reported_agency_id OR OLD.platform IS DISTINCT FROM NEW.platform OR OLD.state IS DISTINCT FROM NEW.state OR OLD.classification IS DISTINCT FROM NEW.classification OR OLD.confidential IS DISTINCT FROM NEW.confidential OR OLD.assigned_agency_id IS DISTINCT FROM NEW.assigned_agency_id) EXECUTE FUNCTION reporting_dirty_registry_link_update()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_report_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id) VALUES (OLD.link_id);
    IF NEW.link_id IS DISTINCT FROM OLD.link_id THEN
        INSERT INTO reporting_dirtylink (link_id) VALUES (NEW.link_id);
    END IF;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_report_update AFTER UPDATE OF link_id, agency_id, submitted_at, is_repeat ON registry_report FOR EACH ROW WHEN (OLD.link_id IS DISTINCT FROM NEW.link_id OR OLD.agency_id IS DISTINCT FROM NEW.agency_id OR OLD.submitted_at IS DISTINCT FROM NEW.submitted_at OR OLD.is_repeat IS DISTINCT FROM NEW.is_repeat) EXECUTE FUNCTION reporting_dirty_registry_report_update()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_statechange_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id) VALUES (OLD.link_id);
    IF NEW.link_id IS DISTINCT FROM OLD.link_id THEN
        INSERT INTO reporting_dirtylink (link_id) VALUES (NEW.link_id);
    END IF;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_statechange_update AFTER UPDATE OF link_id, to_state, at ON registry_statechange FOR EACH ROW WHEN (OLD.link_id IS DISTINCT FROM NEW.link_id OR OLD.to_state IS DISTINCT FROM NEW.to_state OR OLD.at IS DISTINCT FROM NEW.at) EXECUTE FUNCTION reporting_dirty_registry_statechange_update()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_linkorganization_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id) VALUES (OLD.link_id);
    IF NEW.link_id IS DISTINCT FROM OLD.link_id THEN
        INSERT INTO reporting_dirtylink (link_id) VALUES (NEW.link_id);
    END IF;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_linkorganization_update AFTER UPDATE OF link_id, organization_id ON registry_linkorganization FOR EACH ROW WHEN (OLD.link_id IS DISTINCT FROM NEW.link_id OR OLD.organization_id IS DISTINCT FROM NEW.organization_id) EXECUTE FUNCTION reporting_dirty_registry_linkorganization_update()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_linkmaterial_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id) VALUES (OLD.link_id);
    IF NEW.link_id IS DISTINCT FROM OLD.link_id THEN
        INSERT INTO reporting_dirtylink (link_id) VALUES (NEW.link_id);
    END IF;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_linkmaterial_update AFTER UPDATE OF link_id, material_id ON registry_linkmaterial FOR EACH ROW WHEN (OLD.link_id IS DISTINCT FROM NEW.link_id OR OLD.material_id IS DISTINCT FROM NEW.material_id) EXECUTE FUNCTION reporting_dirty_registry_linkmaterial_update()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_checks_linkstats_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id) VALUES (OLD.link_id);
    IF NEW.link_id IS DISTINCT FROM OLD.link_id THEN
        INSERT INTO reporting_dirtylink (link_id) VALUES (NEW.link_id);
    END IF;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_checks_linkstats_update AFTER UPDATE OF views_at_detection, views_at_blocking, republication_group_id ON checks_linkstats FOR EACH ROW WHEN (OLD.views_at_detection IS DISTINCT FROM NEW.views_at_detection OR OLD.views_at_blocking IS DISTINCT FROM NEW.views_at_blocking OR OLD.republication_group_id IS DISTINCT FROM NEW.republication_group_id) EXECUTE FUNCTION reporting_dirty_checks_linkstats_update()",
    """
        CREATE OR REPLACE FUNCTION reporting_dirty_accounts_agency_update() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO reporting_dirtylink (link_id)
            SELECT f.link_id FROM reporting_linkfact f
            WHERE f.first_reported_agency_id = OLD.id OR f.other_agencies @> ARRAY[OLD.id];
            RETURN NULL;
        END $$;
        """,
    "CREATE TRIGGER reporting_dirty_accounts_agency_update AFTER UPDATE OF region_id ON accounts_agency FOR EACH ROW WHEN (OLD.region_id IS DISTINCT FROM NEW.region_id) EXECUTE FUNCTION reporting_dirty_accounts_agency_update()",
]

DROP_TRIGGERS = [
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_link_insert ON registry_link",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_link_insert()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_report_insert ON registry_report",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_report_insert()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_report_delete ON registry_report",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_report_delete()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_statechange_insert ON registry_statechange",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_statechange_insert()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_statechange_delete ON registry_statechange",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_statechange_delete()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_linkorganization_insert ON registry_linkorganization",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_linkorganization_insert()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_linkorganization_delete ON registry_linkorganization",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_linkorganization_delete()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_linkmaterial_insert ON registry_linkmaterial",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_linkmaterial_insert()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_linkmaterial_delete ON registry_linkmaterial",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_linkmaterial_delete()",
    "DROP TRIGGER IF EXISTS reporting_dirty_checks_linkstats_insert ON checks_linkstats",
    "DROP FUNCTION IF EXISTS reporting_dirty_checks_linkstats_insert()",
    "DROP TRIGGER IF EXISTS reporting_dirty_checks_linkstats_delete ON checks_linkstats",
    "DROP FUNCTION IF EXISTS reporting_dirty_checks_linkstats_delete()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_link_update ON registry_link",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_link_update()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_report_update ON registry_report",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_report_update()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_statechange_update ON registry_statechange",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_statechange_update()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_linkorganization_update ON registry_linkorganization",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_linkorganization_update()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_linkmaterial_update ON registry_linkmaterial",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_linkmaterial_update()",
    "DROP TRIGGER IF EXISTS reporting_dirty_checks_linkstats_update ON checks_linkstats",
    "DROP FUNCTION IF EXISTS reporting_dirty_checks_linkstats_update()",
    "DROP TRIGGER IF EXISTS reporting_dirty_accounts_agency_update ON accounts_agency",
    "DROP FUNCTION IF EXISTS reporting_dirty_accounts_agency_update()",
]


RECOUNT_EVERY_LINK = [
    "TRUNCATE reporting_linkfact, reporting_repeatfact, reporting_dailycount, "
    "reporting_monthlycount, reporting_dirtylink",
    "INSERT INTO reporting_dirtylink (link_id) SELECT id FROM registry_link",
]


class Migration(migrations.Migration):

    dependencies = [
        ('reporting', '0002_triggers'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='dirtylink',
            options={'default_permissions': (), 'managed': False},
        ),
        migrations.AlterModelTable(name='dirtylink', table='reporting_dirtylink'),
        migrations.CreateModel(
            name='MonthlyCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('dimension', models.CharField(max_length=14)),
                ('key', models.CharField(max_length=40)),
                ('confidential', models.BooleanField()),
                ('registered', models.BigIntegerField(default=0)),
                ('pending', models.BigIntegerField(default=0)),
                ('repeats', models.BigIntegerField(default=0)),
                ('confirmed', models.BigIntegerField(default=0)),
                ('blocked', models.BigIntegerField(default=0)),
                ('removed', models.BigIntegerField(default=0)),
                ('reappeared', models.BigIntegerField(default=0)),
                ('requested', models.BigIntegerField(default=0)),
                ('now_blocked', models.BigIntegerField(default=0)),
                ('now_removed', models.BigIntegerField(default=0)),
                ('views_measured', models.BigIntegerField(default=0)),
                ('views_detection', models.BigIntegerField(default=0)),
                ('views_blocked_measured', models.BigIntegerField(default=0)),
                ('views_blocking', models.BigIntegerField(default=0)),
                ('growth_base', models.BigIntegerField(default=0)),
                ('growth_top', models.BigIntegerField(default=0)),
            ],
            options={
                'abstract': False,
                'default_permissions': (),
                'constraints': [models.UniqueConstraint(fields=('dimension', 'key', 'confidential', 'day'), name='monthlycount_unique')],
            },
        ),
        migrations.RunSQL(
            [DROP_KEY, *DROP_TRIGGERS, *CREATE_TRIGGERS, *RECOUNT_EVERY_LINK],
            migrations.RunSQL.noop,
        ),
    ]
