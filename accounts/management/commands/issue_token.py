"""`manage.py issue_token USERNAME [--scope reports]`: print a new API token (the old one stops
working)."""

from django.core.management.base import BaseCommand, CommandError

from accounts.choices import TokenScope
from accounts.models import User
from accounts.services import issue_token


class Command(BaseCommand):
    help = "Print a new API token for USERNAME, for the header 'Authorization: Token <key>'."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--scope",
            choices=TokenScope.values,
            default=TokenScope.FULL,
            help="full: act as the user (default); reports: only read the report endpoints.",
        )

    def handle(self, *args, username, scope, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        if not user.is_active:
            raise CommandError(f"User {username!r} is deactivated.")
        self.stdout.write(issue_token(user, scope=scope))
