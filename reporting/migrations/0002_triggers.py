"""The triggers that keep the report facts exact, GIN indexes on their arrays, and the links
that exist already noted as changed.

The SQL is written out as it stood when this migration landed (reporting/facts.py at commit
b499757): statement-level triggers with transition tables note every link a write touches in
reporting_dirtylink. Migration 0003 replaces them.

Instead of computing the facts here, every existing link is noted dirty: the next refresh (the
beat task reporting.tasks.refresh_facts, or the first report) computes their facts, or run
`manage.py rebuild_report_facts` right after migrating a database that holds links (about a
minute per million links). A rebuild here would need the time zone of the settings, so it would
not be self-contained SQL.
"""

from django.db import migrations

CREATE_TRIGGERS = [
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_link_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id)
    SELECT DISTINCT id FROM new_rows WHERE id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_link_insert AFTER INSERT ON registry_link REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_link_insert()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_link_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id)
    SELECT DISTINCT id FROM new_rows WHERE id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_link_update AFTER UPDATE ON registry_link REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_link_update()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_report_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id)
    SELECT DISTINCT link_id FROM new_rows WHERE link_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_report_insert AFTER INSERT ON registry_report REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_report_insert()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_report_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id)
    SELECT DISTINCT link_id FROM new_rows WHERE link_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_report_update AFTER UPDATE ON registry_report REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_report_update()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_report_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id)
    SELECT DISTINCT link_id FROM old_rows WHERE link_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_report_delete AFTER DELETE ON registry_report REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_report_delete()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_statechange_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id)
    SELECT DISTINCT link_id FROM new_rows WHERE link_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_statechange_insert AFTER INSERT ON registry_statechange REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_statechange_insert()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_statechange_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id)
    SELECT DISTINCT link_id FROM new_rows WHERE link_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_statechange_update AFTER UPDATE ON registry_statechange REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_statechange_update()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_statechange_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id)
    SELECT DISTINCT link_id FROM old_rows WHERE link_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_statechange_delete AFTER DELETE ON registry_statechange REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_statechange_delete()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_linkorganization_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id)
    SELECT DISTINCT link_id FROM new_rows WHERE link_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_linkorganization_insert AFTER INSERT ON registry_linkorganization REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_linkorganization_insert()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_linkorganization_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id)
    SELECT DISTINCT link_id FROM new_rows WHERE link_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_linkorganization_update AFTER UPDATE ON registry_linkorganization REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_linkorganization_update()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_linkorganization_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id)
    SELECT DISTINCT link_id FROM old_rows WHERE link_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_linkorganization_delete AFTER DELETE ON registry_linkorganization REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_linkorganization_delete()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_linkmaterial_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id)
    SELECT DISTINCT link_id FROM new_rows WHERE link_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_linkmaterial_insert AFTER INSERT ON registry_linkmaterial REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_linkmaterial_insert()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_linkmaterial_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id)
    SELECT DISTINCT link_id FROM new_rows WHERE link_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_linkmaterial_update AFTER UPDATE ON registry_linkmaterial REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_linkmaterial_update()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_registry_linkmaterial_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id)
    SELECT DISTINCT link_id FROM old_rows WHERE link_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_registry_linkmaterial_delete AFTER DELETE ON registry_linkmaterial REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_registry_linkmaterial_delete()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_checks_linkstats_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id)
    SELECT DISTINCT link_id FROM new_rows WHERE link_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_checks_linkstats_insert AFTER INSERT ON checks_linkstats REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_checks_linkstats_insert()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_checks_linkstats_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id)
    SELECT DISTINCT link_id FROM new_rows WHERE link_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_checks_linkstats_update AFTER UPDATE ON checks_linkstats REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_checks_linkstats_update()",
    """
CREATE OR REPLACE FUNCTION reporting_dirty_checks_linkstats_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dirtylink (link_id)
    SELECT DISTINCT link_id FROM old_rows WHERE link_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
""",
    "CREATE TRIGGER reporting_dirty_checks_linkstats_delete AFTER DELETE ON checks_linkstats REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_checks_linkstats_delete()",
    """
        CREATE OR REPLACE FUNCTION reporting_dirty_accounts_agency_update() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO reporting_dirtylink (link_id)
            SELECT f.link_id FROM reporting_linkfact f
            CROSS JOIN (SELECT ARRAY(SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                                     WHERE n.region_id IS DISTINCT FROM o.region_id) AS ids) m
            WHERE f.first_reported_agency_id = ANY(m.ids) OR f.other_agencies && m.ids
            ON CONFLICT DO NOTHING;
            RETURN NULL;
        END $$;
        """,
    "CREATE TRIGGER reporting_dirty_accounts_agency_update AFTER UPDATE ON accounts_agency REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_dirty_accounts_agency_update()",
]

DROP_TRIGGERS = [
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_link_insert ON registry_link",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_link_insert()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_link_update ON registry_link",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_link_update()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_report_insert ON registry_report",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_report_insert()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_report_update ON registry_report",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_report_update()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_report_delete ON registry_report",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_report_delete()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_statechange_insert ON registry_statechange",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_statechange_insert()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_statechange_update ON registry_statechange",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_statechange_update()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_statechange_delete ON registry_statechange",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_statechange_delete()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_linkorganization_insert ON registry_linkorganization",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_linkorganization_insert()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_linkorganization_update ON registry_linkorganization",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_linkorganization_update()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_linkorganization_delete ON registry_linkorganization",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_linkorganization_delete()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_linkmaterial_insert ON registry_linkmaterial",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_linkmaterial_insert()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_linkmaterial_update ON registry_linkmaterial",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_linkmaterial_update()",
    "DROP TRIGGER IF EXISTS reporting_dirty_registry_linkmaterial_delete ON registry_linkmaterial",
    "DROP FUNCTION IF EXISTS reporting_dirty_registry_linkmaterial_delete()",
    "DROP TRIGGER IF EXISTS reporting_dirty_checks_linkstats_insert ON checks_linkstats",
    "DROP FUNCTION IF EXISTS reporting_dirty_checks_linkstats_insert()",
    "DROP TRIGGER IF EXISTS reporting_dirty_checks_linkstats_update ON checks_linkstats",
    "DROP FUNCTION IF EXISTS reporting_dirty_checks_linkstats_update()",
    "DROP TRIGGER IF EXISTS reporting_dirty_checks_linkstats_delete ON checks_linkstats",
    "DROP FUNCTION IF EXISTS reporting_dirty_checks_linkstats_delete()",
    "DROP TRIGGER IF EXISTS reporting_dirty_accounts_agency_update ON accounts_agency",
    "DROP FUNCTION IF EXISTS reporting_dirty_accounts_agency_update()",
]


# GIN indexes for the array conditions of the access rule and the filters.
INDEXES = [
    "CREATE INDEX IF NOT EXISTS linkfact_other_regions_gin ON reporting_linkfact USING gin (other_regions)",
    "CREATE INDEX IF NOT EXISTS linkfact_other_agencies_gin ON reporting_linkfact USING gin (other_agencies)",
    "CREATE INDEX IF NOT EXISTS linkfact_organizations_gin ON reporting_linkfact USING gin (organizations)",
    "CREATE INDEX IF NOT EXISTS linkfact_materials_gin ON reporting_linkfact USING gin (materials)",
    # Time to block reads these two columns only: an index-only scan.
    "CREATE INDEX IF NOT EXISTS linkfact_blocked_cover_idx ON reporting_linkfact (blocked_at) INCLUDE (registered_at)",
]

NOTE_EVERY_LINK = (
    "INSERT INTO reporting_dirtylink (link_id) SELECT id FROM registry_link ON CONFLICT DO NOTHING"
)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_initial"),
        ("registry", "0002_link_fillfactor"),
        ("checks", "0002_near_duplicates_and_http_fallback"),
        ("accounts", "0003_token_scope"),
    ]

    operations = [
        migrations.RunSQL(
            [*DROP_TRIGGERS, *CREATE_TRIGGERS, *INDEXES, NOTE_EVERY_LINK], DROP_TRIGGERS
        )
    ]
