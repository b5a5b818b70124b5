"""`manage.py signing_key --generate | --public`: make the office's signing key, or print its
public half (orders.signing; README, "Blocklist feed for providers")."""

from django.core.management.base import BaseCommand, CommandError

from orders import signing


class Command(BaseCommand):
    help = (
        "Generate the office's Ed25519 signing key (KBZ_SIGNING_KEY_FILE) or print its public "
        "key as PEM, as published at /api/v1/feed/public-key.pem."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--generate", action="store_true", help="Write a new private key.")
        group.add_argument("--public", action="store_true", help="Print the public key (PEM).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="With --generate: replace an existing key (every recipient must re-pin).",
        )

    def handle(self, *args, generate, public, force, **options):
        if generate:
            try:
                path = signing.generate_key(overwrite=force)
            except FileExistsError as error:
                raise CommandError(f"{error} Use --force to replace it.") from None
            self.stderr.write(f"Signing key written to {path}.")
            self.stdout.write(signing.public_key_pem().decode("ascii"), ending="")
            return
        try:
            self.stdout.write(signing.public_key_pem().decode("ascii"), ending="")
        except signing.SigningKeyMissing as error:
            raise CommandError(str(error)) from None
