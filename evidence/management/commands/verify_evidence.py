"""`manage.py verify_evidence [--link ID]`: recompute every hash, signature, timestamp and
custody link of the stored captures (of one link) and name what does not verify; exits 1 when
anything does not."""

from django.core.management.base import BaseCommand, CommandError

from evidence.models import Capture
from evidence.timestamping import trusted_roots
from evidence.verify import verify_captures


class Command(BaseCommand):
    help = "Verify stored evidence: file hashes, manifest signatures, timestamps, custody chains."

    def add_arguments(self, parser):
        parser.add_argument("--link", type=int, help="Only the captures of this link.")

    def handle(self, *args, link=None, **options):
        captures = Capture.objects.all()
        if link is not None:
            captures = captures.filter(link=link)
        checked, problems = verify_captures(captures, trusted_roots())
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {checked} capture(s).")
        self.stdout.write(f"{checked} capture(s) verified: hashes, signatures, custody chains.")
