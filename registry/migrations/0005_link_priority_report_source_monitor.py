"""Issue 16: links get a priority (raised when new content re-uses banned material), and
reports a source "monitor" (found by a watched source)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [('registry', '0004_link_url_trgm')]

    operations = [
        migrations.RemoveConstraint(
            model_name='report',
            name='report_source_valid',
        ),
        migrations.AddField(
            model_name='link',
            name='priority',
            field=models.PositiveSmallIntegerField(db_default=0, default=0, help_text='Raised when the content re-uses a banned material or content already confirmed illegal (sources.matching); higher comes first in the work queue.', verbose_name='priority'),
        ),
        migrations.AlterField(
            model_name='report',
            name='source',
            field=models.CharField(choices=[('form', 'portal form'), ('file', 'bulk file'), ('api', 'API'), ('demo', 'demo data'), ('monitor', 'watched source')], max_length=8, verbose_name='source'),
        ),
        migrations.AddIndex(
            model_name='link',
            index=models.Index(condition=models.Q(('priority__gt', 0)), fields=['-priority', '-first_reported_at'], name='link_priority_idx'),
        ),
        migrations.AddConstraint(
            model_name='report',
            constraint=models.CheckConstraint(condition=models.Q(('source__in', ['form', 'file', 'api', 'demo', 'monitor'])), name='report_source_valid'),
        ),
    ]
