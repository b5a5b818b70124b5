"""Who may do what with watched sources (issue 16; docs/design.md §5.1): the rules for the
sources models and the role grants. Imported by SourcesConfig.ready().

An agency's sources are its own: what a service watches can say what it is working on, so
officers, supervisors and analysts see only their agency's sources. Prosecutors see those of
their territory (their region's agencies; central prosecutors the country), as do everyone of
a central office whose role reaches the country (supervisors, analysts) and auditors.

Officers, supervisors and prosecutors of an agency add sources for it; officers and
supervisors pause, resume and edit their agency's sources; prosecutors those of their
territory. Deleting a source (its items and watches go with it; its links stay in the
registry) is for supervisors of the agency and prosecutors in scope. Items and watches are
written only by the watcher and read by whoever reads their source.
"""

from django.db.models import Q

from accounts import policy
from accounts.choices import Role
from accounts.policy import Reach, Scope
from accounts.roles import extend_role_permissions
from sources.models import Source, SourceItem, SourceWatch


def _own_agency(scope: Scope) -> Q | bool:
    return Q(agency=scope.agency_id) if scope.agency_id is not None else False


def _territory(user, scope: Scope) -> Q | bool:
    """A prosecutor's (or auditor's) territory, or the country for central offices."""
    if user.is_superuser or user.has_role(Role.PROSECUTOR, Role.AUDITOR):
        return scope.q(agency_field="agency")
    return scope.reach == Reach.COUNTRY


def _either(a: Q | bool, b: Q | bool) -> Q | bool:
    if a is True or b is True:
        return True
    if a is False:
        return b
    if b is False:
        return a
    return a | b


def visible_sources(user, scope: Scope) -> Q | bool:
    """The sources whose record, items and watches the user may read."""
    if scope.reach == Reach.NONE:
        return False
    return _either(_own_agency(scope), _territory(user, scope))


@policy.rule(Source)
def source_rule(user, action, scope):
    if action == "view":
        return visible_sources(user, scope)
    if scope.reach == Reach.NONE:
        return False
    if action == "add":
        return _own_agency(scope)
    prosecutor = user.is_superuser or user.has_role(Role.PROSECUTOR)
    territory = scope.q(agency_field="agency") if prosecutor else False
    if action == "change":
        return _either(_own_agency(scope), territory)
    if action == "delete":
        supervisor = user.has_role(Role.SUPERVISOR)
        return _either(_own_agency(scope) if supervisor else False, territory)
    return False


@policy.rule(SourceItem)
@policy.rule(SourceWatch)
def source_data_rule(user, action, scope):
    # Written only by the watcher (sources.watching); read by whoever reads the source.
    if action != "view":
        return False
    sources = visible_sources(user, scope)
    if isinstance(sources, bool):
        return sources
    return Q(source__in=Source.objects.filter(sources).values("pk"))


_READ = ["sources.view_source", "sources.view_sourceitem", "sources.view_sourcewatch"]
_KEEP = ["sources.add_source", "sources.change_source"]
extend_role_permissions(
    {
        Role.OFFICER: [*_READ, *_KEEP],
        Role.SUPERVISOR: [*_READ, *_KEEP, "sources.delete_source"],
        Role.PROSECUTOR: [
            *_READ,
            *_KEEP,
            "sources.delete_source",
            "sources.view_historicalsource",
        ],
        Role.ANALYST: [*_READ],
        Role.AUDITOR: [*_READ, "sources.view_historicalsource"],
    }
)
