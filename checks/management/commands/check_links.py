"""manage.py check_links [--due | --link ID …]: run link checks in the foreground."""

from django.core.management.base import BaseCommand, CommandError

from checks import recording, scheduling
from checks.choices import CheckTrigger


class Command(BaseCommand):
    help = (
        "Check links now, in this process: every link that is due (--due) or the given links "
        "(--link ID …, checked whatever their schedule). Prints one line per check."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--due", action="store_true", help="every link whose check is due")
        which.add_argument(
            "--link", type=int, nargs="+", dest="link_ids", metavar="ID", help="these links"
        )
        parser.add_argument(
            "--limit", type=int, default=None, help="at most this many due links (with --due)"
        )

    def handle(self, *args, due=False, link_ids=None, limit=None, **options):
        if due:
            taken = scheduling.take_due(limit=limit)
            batches = [(CheckTrigger.FIRST, taken.first), (CheckTrigger.RECHECK, taken.recheck)]
        else:
            from registry.models import Link

            found = dict(Link.objects.filter(pk__in=link_ids).values_list("pk", "is_demo"))
            missing = sorted(set(link_ids) - set(found))
            if missing:
                raise CommandError(f"No link with id {', '.join(map(str, missing))}.")
            for pk in sorted(pk for pk, is_demo in found.items() if is_demo):
                self.stdout.write(f"link {pk}: demo link: not fetched")
            batches = [(CheckTrigger.MANUAL, sorted(found))]
        total = 0
        for trigger, ids in batches:
            if not ids:
                continue
            for check in recording.run_checks(ids, trigger=trigger):
                total += 1
                outcome = "available" if check.available else f"unavailable ({check.error or '-'})"
                views = "" if check.views is None else f" views={check.views}"
                self.stdout.write(
                    f"link {check.link_id}: HTTP {check.status_code or '-'} {outcome}"
                    f"{views} {check.duration_ms} ms"
                )
        self.stdout.write(self.style.SUCCESS(f"{total} link(s) checked."))
