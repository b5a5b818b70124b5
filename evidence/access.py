"""Who may do what with evidence (issue 15; docs/design.md §5.1): the rules and role grants.
Imported by EvidenceConfig.ready().

A capture follows its link: whoever may read the link's full record (registry.access
.visible_links) may read its captures, artifacts and custody log, so a confidential link's
captures are as confidential as the link. Those who submit links may ask for a capture of a
link they read; analysts and administrators see no evidence. Nobody changes or deletes
evidence: the rules refuse it and no role holds such a permission (the models define none).
Every view of a capture is written to its custody log by the views that show it.
"""

from django.db.models import Q

from accounts import policy
from accounts.choices import Role
from accounts.roles import extend_role_permissions
from evidence.models import Artifact, Capture, CustodyEvent
from registry.access import visible_links
from registry.models import Link


def readable_captures(user, scope) -> Q | bool:
    """The captures whose link the user may read in full."""
    links = visible_links(user, scope)
    if isinstance(links, bool):
        return links
    return Q(link__in=Link.objects.filter(links).values("pk"))


def _through_capture(decision: Q | bool) -> Q | bool:
    if isinstance(decision, bool):
        return decision
    return Q(capture__in=Capture.objects.filter(decision).values("pk"))


@policy.rule(Capture)
def capture_rule(user, action, scope):
    if action in ("view", "add"):  # "add": ask for a capture of a link one reads
        return readable_captures(user, scope)
    return False


@policy.rule(Artifact)
@policy.rule(CustodyEvent)
def capture_part_rule(user, action, scope):
    if action != "view":
        return False  # written by evidence.services and evidence.custody only
    return _through_capture(readable_captures(user, scope))


_READ = ["evidence.view_capture", "evidence.view_artifact", "evidence.view_custodyevent"]
_REQUEST = ["evidence.add_capture"]
extend_role_permissions(
    {
        Role.OFFICER: [*_READ, *_REQUEST],
        Role.SUPERVISOR: [*_READ, *_REQUEST],
        Role.PROSECUTOR: [*_READ, *_REQUEST],
        Role.AUDITOR: [*_READ],
    }
)
