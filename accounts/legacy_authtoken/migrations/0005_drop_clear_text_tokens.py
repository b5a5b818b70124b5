"""Drop DRF's clear-text token tables, once accounts.0005 has turned their keys into digests."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("accounts", "0007_delete_apitokenscope"),
    ]

    operations = [
        migrations.DeleteModel(name="TokenProxy"),
        migrations.DeleteModel(name="Token"),
    ]
