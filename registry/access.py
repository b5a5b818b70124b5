"""Who may do what with links, reports and their trail (docs/design.md §5.1, §5.3): the rules
for the registry models and the role grants. Imported by RegistryConfig.ready().

A link is visible to an agency that reported it (every Report counts: repeats too), to the
agency it is assigned to, and to supervisors, analysts and prosecutors whose region holds one
of those agencies (central offices: the country). A confidential link shows its full record
only to the agency that registered it, the assigned agency, and prosecutors (and auditors) in
scope; everyone else gets the deconfliction answer "known; contact <agency>" from
registry.selectors.
"""

from django.db.models import Exists, OuterRef, Q

from accounts import policy
from accounts.choices import Role
from accounts.policy import Reach, Scope
from accounts.roles import extend_role_permissions
from registry.models import (
    ConfidentialRead,
    Link,
    LinkMaterial,
    LinkNote,
    LinkOrganization,
    Report,
    StateChange,
)


def sees_confidential_in_scope(user) -> bool:
    """Prosecutors and auditors see confidential links of their whole territory."""
    return user.is_superuser or user.has_role(Role.PROSECUTOR, Role.AUDITOR)


def may_export_live_urls(user) -> bool:
    """Prosecutors and supervisors may ask an export for live URLs (prosecutors send them to
    the platforms, supervisors pass them on to those who block); every row handed out so is
    logged (registry.selectors.handed_out_live). Everyone else gets them defanged only."""
    return bool(
        user.is_active and (user.is_superuser or user.has_role(Role.PROSECUTOR, Role.SUPERVISOR))
    )


def _in_scope(scope: Scope) -> Q | bool:
    """Links reported by, or assigned to, an agency in the scope."""
    if scope.reach == Reach.COUNTRY:
        return True
    if scope.reach == Reach.REGION and scope.region_id is not None:
        reports = Report.objects.filter(link=OuterRef("pk"), agency__region=scope.region_id)
        return Q(Exists(reports)) | Q(assigned_agency__region=scope.region_id)
    if scope.reach >= Reach.AGENCY and scope.agency_id is not None:
        reports = Report.objects.filter(link=OuterRef("pk"), agency=scope.agency_id)
        return Q(Exists(reports)) | Q(assigned_agency=scope.agency_id)
    return False


def _own_confidential(scope: Scope) -> Q | bool:
    if scope.agency_id is None:
        return False
    return Q(first_reported_agency=scope.agency_id) | Q(assigned_agency=scope.agency_id)


def visible_links(user, scope: Scope) -> Q | bool:
    """The links whose full record the user may read."""
    in_scope = _in_scope(scope)
    if in_scope is False or sees_confidential_in_scope(user):
        return in_scope
    open_links = Q(confidential=False) if in_scope is True else Q(confidential=False) & in_scope
    own = _own_confidential(scope)
    return open_links | own if own is not False else open_links


@policy.rule(Link)
def link_rule(user, action, scope):
    # Links are made only by submissions (registry.services.submit_urls) and never deleted;
    # changes (transitions, assignment, classification) need change_link, which reviewers hold.
    if action in ("view", "change"):
        return visible_links(user, scope)
    return False


@policy.rule(Report)
def report_rule(user, action, scope):
    if action == "add":
        return True  # held through add_report by those who may submit; rows come from services
    if action == "change":
        # Withdrawing one's own report (registry.withdrawal) is the only change of a report.
        return Q(user=user.pk)
    if action != "view":
        return False  # reports are never deleted
    in_scope = scope.q(agency_field="agency")
    if in_scope is False or sees_confidential_in_scope(user):
        return in_scope
    open_reports = Q(link__confidential=False)
    if in_scope is not True:
        open_reports &= in_scope
    own = Q(agency=scope.agency_id) if scope.agency_id is not None else None
    return open_reports | own if own is not None else open_reports


@policy.rule(StateChange)
@policy.rule(LinkOrganization)
@policy.rule(LinkMaterial)
def trail_rule(user, action, scope):
    if action != "view":
        return False  # the trail is written by registry.services.transition only
    links = visible_links(user, scope)
    if isinstance(links, bool):
        return links
    return Q(link__in=Link.objects.filter(links).values("pk"))


@policy.rule(LinkNote)
def note_rule(user, action, scope):
    """Notes belong to the link's case: whoever may read the link's full record reads its notes,
    whatever their agency (the registry exists for agencies to work together), and a
    confidential link's notes only those who may read it. Writing one needs the same
    (registry.notes.add_note checks the link); nobody edits or deletes a note."""
    if action not in ("view", "add"):
        return False
    links = visible_links(user, scope)
    if isinstance(links, bool):
        return links
    return Q(link__in=Link.objects.filter(links).values("pk"))


@policy.rule(ConfidentialRead)
def confidential_read_rule(user, action, scope):
    # Who read what is for internal security: read-only, and only those holding the permission.
    return action == "view"


# What each role may do with links (the rules above decide on which rows): submitting is adding
# a Report; transitions, assignment and classification are changes of a Link; nobody adds or
# deletes Links directly or edits the trail.
_READ = [
    "registry.view_link",
    "registry.view_report",
    "registry.view_statechange",
    "registry.view_linkorganization",
    "registry.view_linkmaterial",
    "registry.view_linknote",
]
# Submitting, withdrawing one's own report within the window, and writing notes.
_SUBMIT = ["registry.add_report", "registry.change_report", "registry.add_linknote"]
_REVIEW = ["registry.change_link"]
_HISTORY = [
    "registry.view_historicallink",
    "registry.view_historicallinkorganization",
    "registry.view_historicallinkmaterial",
]
extend_role_permissions(
    {
        Role.OFFICER: [*_READ, *_SUBMIT],
        Role.SUPERVISOR: [*_READ, *_SUBMIT, *_REVIEW],
        Role.PROSECUTOR: [*_READ, *_SUBMIT, *_REVIEW, *_HISTORY],
        Role.ANALYST: [*_READ],
        Role.AUDITOR: [*_READ, *_HISTORY, "registry.view_confidentialread"],
    }
)
