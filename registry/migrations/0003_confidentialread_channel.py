"""ConfidentialRead.via becomes `channel`: page, open, list, export, API, admin, deconfliction.

Existing rows keep what they recorded: "api", "admin" and "deconfliction" stay; "portal" (a
page, list, export or "open" in the portal, which one was not recorded) stays "portal", shown
as "portal (channel not recorded)" rather than a guess written into an audit log."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_link_fillfactor"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="confidentialread",
            name="confidentialread_via_valid",
        ),
        migrations.RenameField(
            model_name="confidentialread",
            old_name="via",
            new_name="channel",
        ),
        migrations.AlterField(
            model_name="confidentialread",
            name="channel",
            field=models.CharField(
                choices=[
                    ("page", "link page"),
                    ("open", "original opened"),
                    ("list", "list"),
                    ("export", "export"),
                    ("api", "API"),
                    ("admin", "admin"),
                    ("deconfliction", "deconfliction answer"),
                    ("portal", "portal (channel not recorded)"),
                ],
                max_length=16,
                verbose_name="channel",
            ),
        ),
        migrations.AddConstraint(
            model_name="confidentialread",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "channel__in",
                        [
                            "page",
                            "open",
                            "list",
                            "export",
                            "api",
                            "admin",
                            "deconfliction",
                            "portal",
                        ],
                    )
                ),
                name="confidentialread_channel_valid",
            ),
        ),
    ]
