from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial"), ("decisions", "0002_pg_trgm")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS organization_search_key_trgm "
            "ON organizations_organization USING gin (search_key gin_trgm_ops)",
            "DROP INDEX IF EXISTS organization_search_key_trgm",
        ),
    ]
