"""A report withdrawn by its submitter (registry.withdrawal) no longer counts as a repeat: its
withdrawal notes the link dirty, and the refresh leaves withdrawn reports out of the repeat
facts (reporting/facts.py). A withdrawn link has no facts at all."""

from django.db import migrations

CREATE = (
    "CREATE TRIGGER reporting_dirty_registry_report_withdrawn AFTER UPDATE OF withdrawn_at "
    "ON registry_report FOR EACH ROW WHEN (OLD.withdrawn_at IS DISTINCT FROM NEW.withdrawn_at) "
    "EXECUTE FUNCTION reporting_dirty_registry_report_update()"
)
DROP = "DROP TRIGGER IF EXISTS reporting_dirty_registry_report_withdrawn ON registry_report"


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0004_new_repeats"),
        ("registry", "0005_undo_notes_case_number"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
