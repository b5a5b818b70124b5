"""Which organization's known online presence a link belongs to (docs/design.md §4.5).

A presence (organizations.OnlinePresence) names a platform and a handle: a Telegram channel,
a YouTube channel, a VK community, an account, or a web domain. A link belongs to it when the
link's canonical identity (registry.canon) is on that account, channel or domain: a post of
the channel, the channel itself, a page of the domain or of one of its subdomains.

Both sides are reduced to the same (presence platform, lowercase identity) pairs, so that the
match is a dictionary lookup for a batch and an indexed query for a new presence.
"""

import re

from django.db.models import Q

from organizations.choices import PresencePlatform
from registry import canon
from registry.choices import LinkPlatform

# The explicit mapping between the two platform vocabularies: a link's platform
# (registry.choices.LinkPlatform, as registry.canon recognises it) → the platform of an
# organization's presence (organizations.choices.PresencePlatform). Rutube has no presence kind;
# WhatsApp and "other" presences have no canonical link form.
_PRESENCE_PLATFORM = {
    LinkPlatform.WEB: PresencePlatform.WEBSITE,
    LinkPlatform.TELEGRAM: PresencePlatform.TELEGRAM,
    LinkPlatform.YOUTUBE: PresencePlatform.YOUTUBE,
    LinkPlatform.VK: PresencePlatform.VK,
    LinkPlatform.OK: PresencePlatform.OK,
    LinkPlatform.INSTAGRAM: PresencePlatform.INSTAGRAM,
    LinkPlatform.FACEBOOK: PresencePlatform.FACEBOOK,
    LinkPlatform.TIKTOK: PresencePlatform.TIKTOK,
    LinkPlatform.X: PresencePlatform.X,
}


def _account(platform: str, platform_id: str) -> str | None:
    """The account, channel or community a platform object lives on, if the id says it."""
    kind, _, value = platform_id.partition(":")
    if not value:
        return None
    if platform == canon.TELEGRAM:
        if kind in ("channel", "post") and not value.startswith("c/"):
            return value.split("/", 1)[0]
        return None
    if platform == canon.YOUTUBE:
        return value.removeprefix("@") if kind == "channel" else None
    if platform == canon.VK:
        if kind == "name":
            return value
        if kind == "group":
            return f"club{value}"
        if kind == "user":
            return f"id{value}"
        owner = value.split("_", 1)[0].split("/", 1)[0]
        if owner.lstrip("-").isdigit():
            return f"club{owner[1:]}" if owner.startswith("-") else f"id{owner}"
        return None
    if platform in (canon.X, canon.INSTAGRAM, canon.TIKTOK):
        return value if kind == "user" else None
    if platform == canon.OK:
        return value.split("/", 1)[0] if kind in ("group", "topic", "profile", "status") else None
    if platform == canon.FACEBOOK:
        if kind in ("user", "group", "profile"):
            return value
        if kind in ("post", "group_post"):
            return value.split("/", 1)[0]
    return None


def link_identities(
    platform: str, platform_id: str, host: str, registrable_domain: str
) -> list[tuple[str, str]]:
    """The (presence platform, identity) pairs a link can be attributed through."""
    if platform == canon.WEB:
        found = [("website", host.lower())]
        if registrable_domain and registrable_domain != host:
            found.append(("website", registrable_domain.lower()))
        return found
    presence_platform = _PRESENCE_PLATFORM.get(platform)
    account = _account(platform, platform_id) if presence_platform else None
    return [(presence_platform, account.lower())] if account else []


def presence_identity(platform: str, handle: str) -> tuple[str, str] | None:
    """The same pair for a known presence; the handle may be a name, @name, a domain or a URL."""
    handle = (handle or "").strip().removeprefix("@")
    if not handle:
        return None
    if platform == "website" or "/" in handle:
        try:
            canonical = canon.canonicalize(handle)
        except canon.InvalidURL:
            return None
        if platform == "website":
            return ("website", canonical.host.lower())
        pairs = link_identities(
            canonical.platform, canonical.platform_id, canonical.host, canonical.registrable_domain
        )
        pairs = [pair for pair in pairs if pair[0] == platform]
        return pairs[0] if pairs else None
    return (platform, handle.lower())


def presence_index() -> dict[tuple[str, str], tuple[int, int]]:
    """Every known presence as {(platform, identity): (presence id, organization id)}.

    The table is small (a few hundred rows for a few dozen organizations): one query."""
    from organizations.models import OnlinePresence

    index = {}
    rows = OnlinePresence.objects.values_list("pk", "organization_id", "platform", "handle")
    for pk, organization_id, platform, handle in rows.order_by("pk"):
        identity = presence_identity(platform, handle)
        if identity is not None:
            index.setdefault(identity, (pk, organization_id))
    return index


def links_on_presence(platform: str, handle: str) -> Q | None:
    """A condition on Link for the links registered on this presence (for a new presence)."""
    identity = presence_identity(platform, handle)
    if identity is None:
        return None
    presence_platform, name = identity
    if presence_platform == "website":
        return Q(platform=canon.WEB) & (Q(host=name) | Q(registrable_domain=name))
    platforms = [p for p, value in _PRESENCE_PLATFORM.items() if value == presence_platform]
    if not platforms:
        return None
    (platform_value,) = platforms
    if platform_value == canon.TELEGRAM:
        ids = Q(platform_id=f"channel:{name}") | Q(platform_id__startswith=f"post:{name}/")
    elif platform_value == canon.YOUTUBE:
        ids = Q(platform_id=f"channel:@{name}") | Q(platform_id=f"channel:{name}")
    elif platform_value == canon.VK:
        ids = Q(platform_id=f"name:{name}")
        for prefix, kind, sign in (("club", "group", "-"), ("id", "user", "")):
            number = name.removeprefix(prefix)
            if name.startswith(prefix) and number.isdigit():
                ids |= Q(platform_id=f"{kind}:{number}")
                ids |= Q(platform_id__regex=rf"^[a-z]+:{sign}{number}_")
    elif platform_value in (canon.OK, canon.FACEBOOK):
        ids = Q(platform_id__iregex=rf"^[a-z_]+:{re.escape(name)}(/|$)")
    else:
        ids = Q(platform_id=f"user:{name}")
    return Q(platform=platform_value) & ids
