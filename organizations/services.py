"""Writes to the organizations register: one function per use case."""

from django.db import transaction

from organizations.models import OnlinePresence, Organization, OrganizationAlias


@transaction.atomic
def save_organization(
    organization: Organization,
    *,
    aliases: list[dict] | None = None,
    presence: list[dict] | None = None,
    decisions=None,
) -> Organization:
    """Create or update an organization; `aliases`/`presence`, when given, replace the lists.

    A channel, account or domain new to the organization's presence attributes the links
    already registered on it (docs/design.md §4.5: the presence is what attributes links)."""
    organization.full_clean(exclude=["decisions"])
    organization.save()
    if decisions is not None:
        organization.decisions.set(decisions)
    if aliases is not None:
        keep = {a["name"].strip() for a in aliases if a.get("name", "").strip()}
        for alias in organization.aliases.exclude(name__in=keep):
            alias.delete()
        for item in aliases:
            name = item.get("name", "").strip()
            if name:
                OrganizationAlias.objects.update_or_create(
                    organization=organization,
                    name=name,
                    defaults={"kind": item.get("kind") or OrganizationAlias.kind.field.default},
                )
    if presence is not None:
        wanted = []
        for item in presence:
            obj, created = OnlinePresence.objects.update_or_create(
                organization=organization,
                platform=item["platform"],
                handle=item["handle"].strip().lstrip("@"),
                defaults={"url": item.get("url", ""), "note": item.get("note", "")},
            )
            wanted.append(obj.pk)
            if created:
                presence_added(obj)
        for obj in organization.presence.exclude(pk__in=wanted):
            obj.delete()
    organization.refresh_from_db()
    return organization


@transaction.atomic
def add_presence(
    organization: Organization, *, platform: str, handle: str, url: str = "", note: str = ""
) -> OnlinePresence:
    """Add one channel, account or domain to an organization's known presence and attribute
    the links already registered on it."""
    obj = OnlinePresence(
        organization=organization, platform=platform, handle=handle, url=url, note=note
    )
    obj.full_clean(exclude=["organization"])
    obj.save()
    presence_added(obj)
    return obj


def presence_added(presence: OnlinePresence) -> int:
    """Attribute the registered links on a presence just saved (the admin's inline calls this
    too); how many links it matched. Set-based: one SELECT and one INSERT."""
    from registry.services import attribute_existing_links

    return attribute_existing_links(presence)
