"""`manage.py add_user USERNAME --agency CODE --role ROLE [--role ROLE ...]`."""

import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from accounts.choices import Role
from accounts.services import provision_user
from kibernadzor.errors import DomainError


class Command(BaseCommand):
    help = (
        "Create or update a user in an agency with roles. The password comes from the "
        "KBZ_PASSWORD environment variable or, when it is unset, from a prompt. This is the "
        "break-glass way in: roles and agency apply at once, without a second administrator, "
        "and are recorded as granted by the command line."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--agency", required=True, help="Agency code, e.g. police-KZ-75")
        parser.add_argument(
            "--role", action="append", required=True, choices=Role.values, dest="roles"
        )
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--position", default="")
        parser.add_argument(
            "--no-password", action="store_true", help="Leave the password unusable/unchanged."
        )

    def handle(self, *args, username, agency, roles, no_password, **options):
        password = None if no_password else self.read_password()
        try:
            user, created = provision_user(
                username,
                agency_code=agency,
                roles=roles,
                password=password,
                first_name=options["first_name"],
                last_name=options["last_name"],
                position=options["position"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        verb = "Created" if created else "Updated"
        self.stdout.write(
            f"{verb} {user.username} in {agency} with roles {', '.join(roles)}. "
            "Recorded as granted by: command line (no second administrator's approval)."
        )

    def read_password(self) -> str:
        password = os.environ.get("KBZ_PASSWORD")
        if password:
            return password
        if not os.isatty(0):
            raise CommandError("No password: set KBZ_PASSWORD or run in a terminal.")
        first = getpass.getpass("Password: ")
        if not first or first != getpass.getpass("Password (again): "):
            raise CommandError("Passwords are empty or do not match.")
        return first
