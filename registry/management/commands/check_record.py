"""`manage.py check_record`: does every link's record agree with itself?"""

from django.core.management.base import BaseCommand, CommandError

from registry.selectors import record_disagreements


class Command(BaseCommand):
    help = (
        "Check that every link's state is where its trail ends and that its latest history "
        "record holds its current values. Exits non-zero, listing them, if any disagree."
    )

    def handle(self, *args, **options):
        problems = record_disagreements()
        for problem in problems[:1000]:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} disagreement(s) in the record.")
        self.stdout.write(self.style.SUCCESS("Every link's row, trail and history agree."))
