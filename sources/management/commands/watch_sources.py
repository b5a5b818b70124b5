"""manage.py watch_sources [--source ID …]: run one watch cycle in the foreground."""

from django.core.management.base import BaseCommand, CommandError

from sources import watching
from sources.choices import SourceState
from sources.models import Source


class Command(BaseCommand):
    help = (
        "Watch sources now, in this process: every due source (the default; what beat's "
        "dispatch would lease), or the given sources (--source ID …, whatever their schedule). "
        "Paused, gone and demo sources are never fetched. Prints one line per watch."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source", type=int, nargs="+", dest="source_ids", metavar="ID", help="these sources"
        )

    def handle(self, *args, source_ids=None, **options):
        if source_ids:
            found = {
                row[0]: row[1:]
                for row in Source.objects.filter(pk__in=source_ids).values_list(
                    "pk", "state", "is_demo"
                )
            }
            missing = sorted(set(source_ids) - set(found))
            if missing:
                raise CommandError(f"No source with id {', '.join(map(str, missing))}.")
            for pk, (state, is_demo) in sorted(found.items()):
                if is_demo:
                    self.stdout.write(f"source {pk}: demo source: not fetched")
                elif state != SourceState.ACTIVE:
                    self.stdout.write(f"source {pk}: {state}: not watched (resume it first)")
            batches = [sorted(found)]
        else:
            batches = []
            while True:
                ids, _until = watching.lease_due()
                if not ids:
                    break
                batches.append(ids)
        total = 0
        for ids in batches:
            for record in watching.watch_sources(ids):
                total += 1
                outcome = (
                    f"failed: {record.failure_code} {record.failure_detail[:120]}"
                    if record.failure_code
                    else f"found {record.found}, new {record.new}, repeats {record.repeats}, "
                    f"matched {record.matched}"
                )
                extra = f" (stopped: {record.truncated})" if record.truncated else ""
                self.stdout.write(
                    f"source {record.source_id}: {record.pages} page(s), {outcome}{extra}"
                )
        self.stdout.write(self.style.SUCCESS(f"{total} source(s) watched."))
