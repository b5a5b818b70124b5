# The scope now lives on the token (accounts.ApiToken.scope); 0005 moved it there.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_convert_drf_tokens"),
    ]

    operations = [
        migrations.DeleteModel(
            name="ApiTokenScope",
        ),
    ]
