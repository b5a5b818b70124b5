from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pg_trgm for the registers' spelling-tolerant search (a no-op outside PostgreSQL)."""

    dependencies = [("decisions", "0001_initial")]

    operations = [TrigramExtension()]
