"""`manage.py issue_token USERNAME --name NAME [--scope reports]`: print a new API token once.

This is how a token is issued for someone else (an integration's user): the admin lists and
revokes tokens but never mints one, so that a key is only ever shown to whoever issues it."""

from django.core.management.base import BaseCommand, CommandError

from accounts.choices import TokenChannel, TokenScope
from accounts.models import User
from accounts.services import issue_token
from kibernadzor.errors import DomainError


class Command(BaseCommand):
    help = (
        "Print a new API token for USERNAME, for the header 'Authorization: Token <key>'. "
        "The key is shown only now; only its digest is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--name",
            required=True,
            help="What the token is for (e.g. 'stats pull'); unique among the user's tokens.",
        )
        parser.add_argument(
            "--scope",
            choices=TokenScope.values,
            default=TokenScope.FULL,
            help="full: act as the user (default); reports: only read the report endpoints.",
        )

    def handle(self, *args, username, name, scope, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        if not user.is_active:
            raise CommandError(f"User {username!r} is deactivated.")
        try:
            key = issue_token(user, name=name, scope=scope, via=TokenChannel.COMMAND)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(key)
