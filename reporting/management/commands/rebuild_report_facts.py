"""`manage.py rebuild_report_facts`: recompute every link's report facts from the registry.

Facts are derived data kept exact by triggers; a rebuild is for after restoring a dump taken
without them, after migrating a database that holds links (migrations note every link dirty
rather than computing facts), or to check them. `--dirty` refreshes only the links changed
since the last refresh (what the beat task does)."""

import time

from django.core.management.base import BaseCommand

from reporting import facts


class Command(BaseCommand):
    help = "Recompute the report facts (reporting.LinkFact) from the registry."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dirty", action="store_true", help="Only the links changed since the last refresh."
        )

    def handle(self, *args, dirty, **options):
        started = time.perf_counter()
        count = facts.refresh() if dirty else facts.rebuild()
        self.stdout.write(
            f"{count} links' facts recomputed in {time.perf_counter() - started:.1f} s"
        )
