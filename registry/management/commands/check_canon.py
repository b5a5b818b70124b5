"""`manage.py check_canon`: do the stored links still meet today's canonical rules?"""

from django.core.management.base import BaseCommand, CommandError

from registry.selectors import canon_drift


class Command(BaseCommand):
    help = (
        "List links whose canonical URL, and reports whose URL as entered, canonicalize to "
        "another key under today's rules (registry/canon.py), and which link holds that key. "
        "Changes nothing; exits non-zero if any were found."
    )

    def handle(self, *args, **options):
        lines = canon_drift()
        for line in lines[:1000]:
            self.stderr.write(line)
        if lines:
            raise CommandError(f"{len(lines)} record(s) no longer meet today's canonical rules.")
        self.stdout.write(self.style.SUCCESS("Every link and report meets today's rules."))
