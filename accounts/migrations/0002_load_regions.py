"""Load the 20 regions of Kazakhstan from accounts/data/regions.csv (idempotent, by ISO code)."""

import csv
from pathlib import Path

from django.db import migrations

REGIONS_CSV = Path(__file__).resolve().parent.parent / "data" / "regions.csv"


def load_regions(apps, schema_editor):
    Region = apps.get_model("accounts", "Region")
    with REGIONS_CSV.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            Region.objects.update_or_create(
                iso_code=row["iso_code"],
                defaults={
                    "kind": row["kind"],
                    "name_ru": row["name_ru"],
                    "name_kk": row["name_kk"],
                    "name_en": row["name_en"],
                    "name_ru_genitive": row["name_ru_genitive"],
                },
            )


def unload_regions(apps, schema_editor):
    Region = apps.get_model("accounts", "Region")
    with REGIONS_CSV.open(encoding="utf-8") as f:
        codes = [row["iso_code"] for row in csv.DictReader(f)]
    Region.objects.filter(iso_code__in=codes, agencies__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(load_regions, unload_regions)]
