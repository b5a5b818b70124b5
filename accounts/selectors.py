"""Reads for accounts that views share."""

from accounts.models import ApiToken


def own_tokens(user):
    """The user's API tokens, newest first: what the profile page lists (never a key).

    By owner, not through the access policy: the policy's `view` on ApiToken is the admin's
    (administrators, everyone's tokens), while every user manages their own on the portal."""
    return ApiToken.objects.filter(user=user.pk).only(
        "id", "name", "scope", "created", "expiry", "last_used", "user_id"
    )
