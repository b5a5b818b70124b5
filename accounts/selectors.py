"""Reads for accounts that views share."""

from accounts.models import ApiToken


def own_tokens(user):
    """The user's API tokens, newest first: what the profile page lists (never a key)."""
    return ApiToken.objects.filter(user=user.pk).only(
        "id", "name", "scope", "created", "expiry", "last_used", "user_id"
    )
