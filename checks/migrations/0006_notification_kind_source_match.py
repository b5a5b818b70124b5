"""Issue 16: notifications of new posts of a watched source that match known content."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('checks', '0005_merge_host_rate_and_order_overdue'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='notification',
            name='notification_kind_valid',
        ),
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('reappeared', 'link reappeared'), ('material_match', 'matches a court-recognised material'), ('access_change', 'access change'), ('order_overdue', 'order overdue'), ('source_match', 'new posts of a watched source match known content')], max_length=20, verbose_name='kind'),
        ),
        migrations.AddConstraint(
            model_name='notification',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['reappeared', 'material_match', 'access_change', 'order_overdue', 'source_match'])), name='notification_kind_valid'),
        ),
    ]
