"""Who may do what with the report facts (docs/design.md §4.6, §5.2): their rules and role
grants, imported by ReportingConfig.ready(), and the helpers the reports use to keep undisclosed
links undisclosed.

A LinkFact is visible exactly when its link is (registry.access.link_rule), and a RepeatFact
exactly when its report is (registry.access.report_rule): the same conditions, read from the
facts' copies of who reported the link, who it is assigned to and whether it is confidential
instead of from subqueries over the registry. tests/reporting checks that both agree with the
registry's rules for every role.
"""

from django.db.models import Exists, OuterRef, Q

from accounts import policy
from accounts.choices import Role
from accounts.policy import Reach, Scope
from accounts.roles import extend_role_permissions
from registry import access
from reporting.models import LinkFact, RepeatFact


def _link_in_scope(scope: Scope) -> Q | bool:
    """Links reported by, or assigned to, an agency in the scope (registry.access._in_scope)."""
    if scope.reach == Reach.COUNTRY:
        return True
    if scope.reach == Reach.REGION and scope.region_id is not None:
        return Q(region_id=scope.region_id) | Q(other_regions__contains=[scope.region_id])
    if scope.reach >= Reach.AGENCY and scope.agency_id is not None:
        return Q(first_reported_agency=scope.agency_id) | Q(
            other_agencies__contains=[scope.agency_id]
        )
    return False


@policy.rule(LinkFact)
def link_fact_rule(user, action, scope):
    if action != "view":
        return False  # facts are written by reporting.facts only
    in_scope = _link_in_scope(scope)
    if in_scope is False or access.sees_confidential_in_scope(user):
        return in_scope
    open_links = Q(confidential=False) if in_scope is True else Q(confidential=False) & in_scope
    own = access._own_confidential(scope)
    return open_links | own if own is not False else open_links


@policy.rule(RepeatFact)
def repeat_fact_rule(user, action, scope):
    if action != "view":
        return False
    in_scope = scope.q(agency_field="agency", region_field="region_id")
    if in_scope is False or access.sees_confidential_in_scope(user):
        return in_scope
    open_reports = Q(confidential=False)
    if in_scope is not True:
        open_reports &= in_scope
    own = Q(agency=scope.agency_id) if scope.agency_id is not None else None
    return open_reports | own if own is not None else open_reports


def repeat_disclosed(user) -> Q | bool:
    """Of the repeat facts the user may see, those whose link they may also read in full.

    report_rule lets an agency read its own repeat of a confidential link it may not read (it
    got only "known; contact <agency>"). Such a repeat counts in the agency's reports under
    the report's own agency, region and date, but the link's dimensions (platform, state,
    classification, organization, material) must neither split nor filter it, or a filter
    would answer what the link is. A repeat of a link that is not confidential is visible only
    when its link is (the report's agency is in the user's scope, so is the link): the
    lookup of the link's fact is needed only for the few confidential ones."""
    if access.sees_confidential_in_scope(user):
        return True  # a repeat in their scope is a link in their scope
    readable = LinkFact.objects.restrict(user).filter(link_id=OuterRef("link_id"))
    return Q(confidential=False) | Q(Exists(readable))


def readable_orders(user):
    """The blocking orders whose figures the user's order reports count (reporting.orders).

    Whoever reads orders counts those the orders policy lets them read (orders.access). An
    analyst reads reports but not orders ("reports only", docs/design.md §5.1): their reports
    count the orders issued in their territory (the issuing office's agency or region), never
    showing one."""
    from orders.models import Order

    if policy.has_model_permission(user, "view", Order):
        return Order.objects.restrict(user, "view")
    if not user.has_role(Role.ANALYST) or not policy.has_model_permission(user, "view", LinkFact):
        return Order.objects.none()
    in_scope = policy.scope_of(user).q(agency_field="agency")
    if in_scope is False:
        return Order.objects.none()
    return Order.objects.all() if in_scope is True else Order.objects.filter(in_scope)


def reads_every_link(user) -> bool:
    """Whether the user may read every link of the country, confidential ones included: then
    what is stored over every link (a group's first publication) is theirs to know as it is."""
    return policy.scope_of(user).reach == Reach.COUNTRY and access.sees_confidential_in_scope(user)


# Report facts are read by whoever reads links and reports (the rules above pick the rows).
extend_role_permissions(
    dict.fromkeys(
        (Role.OFFICER, Role.SUPERVISOR, Role.PROSECUTOR, Role.ANALYST, Role.AUDITOR),
        ["reporting.view_linkfact", "reporting.view_repeatfact"],
    )
)
