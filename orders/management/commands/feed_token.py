"""`manage.py feed_token SUBSCRIBER [--revoke]`: print a new blocklist-feed token for a provider,
once, or revoke its token (orders.feed; README, "Blocklist feed for providers").

SUBSCRIBER is the FeedSubscriber's id or exact name. Issuing replaces any earlier token: the
old one stops working at once."""

from django.core.management.base import BaseCommand, CommandError

from orders import feed
from orders.models import FeedSubscriber


class Command(BaseCommand):
    help = (
        "Print a new feed token for a provider (FeedSubscriber id or name), for the header "
        "'Authorization: Bearer <token>'; only its digest is stored. --revoke ends it."
    )

    def add_arguments(self, parser):
        parser.add_argument("subscriber", help="the FeedSubscriber's id or exact name")
        parser.add_argument("--revoke", action="store_true", help="revoke its token instead")

    def handle(self, *args, subscriber, revoke, **options):
        found = FeedSubscriber.objects.filter(
            **({"pk": int(subscriber)} if subscriber.isdigit() else {"name": subscriber})
        )
        if len(found) != 1:
            raise CommandError(f"No single feed subscriber {subscriber!r}.")
        (provider,) = found
        if revoke:
            feed.revoke_token(provider)
            self.stderr.write(f"The feed token of {provider.name!r} is revoked.")
            return
        if not provider.active:
            raise CommandError(f"Feed subscriber {provider.name!r} is not active.")
        key = feed.issue_token(provider)
        self.stderr.write(f"Feed token of {provider.name!r} (shown once; any earlier one ends):")
        self.stdout.write(key)
