"""Who may do what with checks, link statistics, republication groups and notifications
(docs/design.md §5.1): their rules and role grants. Imported by ChecksConfig.ready().

Checks, statistics and republication groups are read by whoever may read their link
(registry.access.visible_links); only the system writes them.
"""

from django.db.models import Exists, OuterRef, Q

from accounts import policy
from accounts.choices import Role
from accounts.roles import extend_role_permissions
from checks.models import Check, LinkStats, Notification, RepublicationGroup
from registry.access import visible_links
from registry.models import Link


def _visible_link_ids(user, scope):
    links = visible_links(user, scope)
    return links if isinstance(links, bool) else Link.objects.filter(links).values("pk")


@policy.rule(Check)
@policy.rule(LinkStats)
def link_data_rule(user, action, scope):
    # Written only by the checks themselves; read by whoever may read the link.
    if action != "view":
        return False
    links = _visible_link_ids(user, scope)
    return links if isinstance(links, bool) else Q(link__in=links)


@policy.rule(RepublicationGroup)
def republication_rule(user, action, scope):
    if action != "view":
        return False
    links = _visible_link_ids(user, scope)
    if isinstance(links, bool):
        return links
    members = LinkStats.objects.filter(republication_group=OuterRef("pk"), link__in=links)
    return Q(Exists(members))


@policy.rule(Notification)
def notification_rule(user, action, scope):
    # A user's own notifications and their agency's; "change" is marking them read.
    if action not in ("view", "change"):
        return False
    own = Q(user=user.pk)
    return own | Q(agency=user.agency_id) if user.agency_id is not None else own


# Everyone with case content reads and marks their own notifications.
_READ = ["checks.view_check", "checks.view_linkstats", "checks.view_republicationgroup"]
_NOTES = ["checks.view_notification", "checks.change_notification"]
extend_role_permissions(
    {
        Role.OFFICER: [*_READ, *_NOTES],
        Role.SUPERVISOR: [*_READ, *_NOTES],
        Role.PROSECUTOR: [*_READ, *_NOTES],
        Role.ANALYST: [*_READ, *_NOTES],
        Role.AUDITOR: [*_READ, "checks.view_notification"],
    }
)
