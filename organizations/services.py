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
    """Create or update an organization; `aliases`/`presence`, when given, replace the lists."""
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
            obj, _ = OnlinePresence.objects.update_or_create(
                organization=organization,
                platform=item["platform"],
                handle=item["handle"].strip().lstrip("@"),
                defaults={"url": item.get("url", ""), "note": item.get("note", "")},
            )
            wanted.append(obj.pk)
        for obj in organization.presence.exclude(pk__in=wanted):
            obj.delete()
    organization.refresh_from_db()
    return organization
