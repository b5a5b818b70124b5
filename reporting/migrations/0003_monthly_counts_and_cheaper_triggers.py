"""Monthly counts beside the daily ones, and cheaper triggers: the list of changed links
becomes a bare heap (no key: a writer's insert is the cheapest possible; duplicates are fine),
updates note a link only when a column the facts read changes, and first reports are left to
their new link's own note. Then the facts and counts are recomputed (PostgreSQL only)."""

from django.db import migrations, models

from reporting import facts


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE reporting_dirtylink DROP CONSTRAINT IF EXISTS reporting_dirtylink_pkey"
        )
        for statement in [*facts.drop_trigger_sql(), *facts.trigger_sql()]:
            cursor.execute(statement)
    facts.rebuild()  # about a minute per million links


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
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
