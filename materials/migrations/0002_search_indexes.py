from django.db import migrations

# The expression must be the one materials.selectors.search_materials queries with, so that
# PostgreSQL can use the index.
FTS_EXPRESSION = (
    "to_tsvector('russian'::regconfig, COALESCE((\"title\")::text, '') || ' ' || "
    "COALESCE((\"description\")::text, '') || ' ' || COALESCE((\"author\")::text, ''))"
)


class Migration(migrations.Migration):
    dependencies = [("materials", "0001_initial"), ("decisions", "0002_pg_trgm")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS material_search_key_trgm "
            "ON materials_material USING gin (search_key gin_trgm_ops)",
            "DROP INDEX IF EXISTS material_search_key_trgm",
        ),
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS material_fulltext ON materials_material "
            f"USING gin (({FTS_EXPRESSION}))",
            "DROP INDEX IF EXISTS material_fulltext",
        ),
    ]
