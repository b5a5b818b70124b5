"""The access policy: which rows a user may see, and which actions they may take on them.

Everything that reads data — admin, portal, API, exports, reports — starts from
`restrict(queryset, user, action)` (or `Model.objects.restrict(user, action)`), so that no two
of them can disagree about who sees what (docs/design.md §2.4, §5.2). Each model registers one rule:

    @policy.rule(Link)
    def link_rule(user, action, scope) -> Q | bool: ...

A rule returns True (every row), False (none) or a Q over the model. Before the rule runs, the
user must hold the model permission for the action (`app.view_model`, …) through their roles.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from django.db.models import Model, Q, QuerySet

from accounts.choices import AgencyLevel, Role

Rule = Callable[["object", str, "Scope"], Q | bool]
_rules: dict[type[Model], Rule] = {}

ACTIONS = ("view", "add", "change", "delete")


class Reach(IntEnum):
    """How far a user's view of case content reaches; wider is larger."""

    NONE = 0
    AGENCY = 1
    REGION = 2
    COUNTRY = 3


@dataclass(frozen=True)
class Scope:
    """The territory a user works in: their agency, its region, or the whole country."""

    reach: Reach
    agency_id: int | None = None
    region_id: int | None = None

    def q(self, agency_field: str = "agency", region_field: str | None = None) -> Q | bool:
        """Rows in scope, given the names of the fields that hold the agency and its region."""
        region_field = region_field or f"{agency_field}__region"
        if self.reach == Reach.COUNTRY:
            return True
        if self.reach == Reach.REGION and self.region_id is not None:
            return Q(**{region_field: self.region_id})
        if self.reach >= Reach.AGENCY and self.agency_id is not None:
            return Q(**{agency_field: self.agency_id})
        return False


def role_reach(role: str, central: bool) -> Reach:
    """docs/design.md §5.1: officers see their agency; supervisors and regional prosecutors and
    analysts their region; central offices, auditors the whole country; administrators no case
    content."""
    if role == Role.AUDITOR:
        return Reach.COUNTRY
    if role in (Role.PROSECUTOR, Role.ANALYST, Role.SUPERVISOR):
        return Reach.COUNTRY if central else Reach.REGION
    if role == Role.OFFICER:
        return Reach.AGENCY
    return Reach.NONE


def scope_of(user) -> Scope:
    """The widest scope any of the user's roles gives them (cached on the user object)."""
    cached = getattr(user, "_policy_scope", None)
    if cached is not None:
        return cached
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        scope = Scope(Reach.NONE)
    elif user.is_superuser:
        scope = Scope(Reach.COUNTRY)
    else:
        agency = user.agency
        central = agency is not None and agency.level == AgencyLevel.REPUBLICAN
        reach = max((role_reach(r, central) for r in user.roles), default=Reach.NONE)
        if agency is None and reach < Reach.COUNTRY:
            reach = Reach.NONE  # a user outside any agency has no agency or region to see
        scope = Scope(
            reach,
            agency_id=agency.pk if agency else None,
            region_id=agency.region_id if agency else None,
        )
    user._policy_scope = scope
    return scope


def rule(model: type[Model]):
    """Register the rule for `model` (one per model)."""

    def register(func: Rule) -> Rule:
        _rules[model] = func
        return func

    return register


def has_rule(model: type[Model]) -> bool:
    """Is a rule registered for `model`? (accounts.checks names every served model without.)"""
    return model in _rules


def has_model_permission(user, action: str, model: type[Model]) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")


def decide(user, action: str, model: type[Model]) -> Q | bool:
    """The rule's answer for this user, action and model: True, False or a Q."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}")
    if not has_model_permission(user, action, model):
        return False
    try:
        model_rule = _rules[model]
    except KeyError:
        raise LookupError(f"No access rule registered for {model.__name__}") from None
    return model_rule(user, action, scope_of(user))


def restrict(queryset: QuerySet, user, action: str = "view") -> QuerySet:
    """The rows of `queryset` the user may take `action` on."""
    decision = decide(user, action, queryset.model)
    if decision is True:
        return queryset
    if decision is False:
        return queryset.none()
    return queryset.filter(decision)


def can(user, action: str, obj: Model | None = None, *, model: type[Model] | None = None) -> bool:
    """May the user take `action` on `obj` (or, without an object, on some row of `model`)?"""
    model = model or type(obj)
    decision = decide(user, action, model)
    if decision is False or obj is None:
        return decision is not False
    if decision is True:
        return True
    return model._default_manager.filter(pk=obj.pk).filter(decision).exists()


# --- rules for the accounts models -----------------------------------------------------------
def _register_accounts_rules():
    from django.contrib.auth.models import Group

    from accounts.choices import GrantState
    from accounts.models import Agency, ApiToken, ApiTokenEvent, Region, RoleGrant, User

    @rule(Group)
    def role_group_rule(user, action, scope):
        # Roles are code (accounts.roles): read by whoever holds auth.view_group, changed by none.
        return action == "view"

    @rule(Region)
    def region_rule(user, action, scope):
        # The 20 regions are reference data loaded by a migration: read by all, changed by none.
        return action == "view"

    @rule(Agency)
    def agency_rule(user, action, scope):
        # The directory of agencies is shared: deconfliction answers name them to everyone.
        # Agencies are deactivated, never deleted: records point at them.
        return action != "delete"

    @rule(User)
    def user_rule(user, action, scope):
        if action == "delete":
            return False  # users are deactivated; their history and records stay attributed
        if action != "view" or user.is_superuser or user.has_role(Role.ADMIN, Role.AUDITOR):
            return True  # add/change are held by administrators only, through permissions
        in_scope = scope.q(agency_field="agency")
        if in_scope is True:
            return True
        return Q(pk=user.pk) | in_scope if in_scope else Q(pk=user.pk)

    @rule(RoleGrant)
    def role_grant_rule(user, action, scope):
        # Access changes are read by administrators and auditors (their role permissions) and
        # decided by administrators only: pending ones that neither they requested nor concern
        # them (separation of duties; accounts.services enforces it too). Written only by
        # accounts.services, never added or deleted by hand.
        if action == "view":
            return True
        if action == "change" and (user.is_superuser or user.has_role(Role.ADMIN)):
            return Q(state=GrantState.PENDING) & ~Q(requested_by=user.pk) & ~Q(user=user.pk)
        return False

    @rule(ApiToken)
    def api_token_rule(user, action, scope):
        # Administrators list and revoke anyone's tokens (their permissions say so); nobody adds
        # or changes one through the admin or the API: a key is shown only to whoever issues it.
        # Users manage their own on the profile page (accounts.services, by owner).
        if action in ("add", "change"):
            return False
        return True if user.is_superuser or user.has_role(Role.ADMIN) else Q(user=user.pk)

    @rule(ApiTokenEvent)
    def api_token_event_rule(user, action, scope):
        # The audit of tokens: read by administrators and auditors, written only by services.
        return action == "view"


# --- rules for the court registers (decisions, organizations, materials) -----------------------
def _register_register_rules():
    from decisions.models import CourtDecision
    from materials.models import Material, MaterialFingerprint
    from organizations.models import OnlinePresence, Organization, OrganizationAlias

    def keeps_registers(user) -> bool:
        return user.is_superuser or user.has_role(Role.PROSECUTOR)

    def register_rule(user, action, scope):
        # The registers are shared by every agency: whoever may read them reads all of them.
        # Only prosecutors keep them; court decisions, organizations and materials are never
        # deleted (a ban is lifted, a material excluded), which their role permissions reflect.
        if action == "view":
            return True
        return keeps_registers(user)

    for model in (
        CourtDecision,
        Organization,
        OrganizationAlias,
        OnlinePresence,
        Material,
        MaterialFingerprint,
    ):
        rule(model)(register_rule)


# --- rules for the link registry (links, reports, the state trail) ------------------------------
def _register_registry_rules():
    from registry import access
    from registry.models import (
        ConfidentialRead,
        Link,
        LinkMaterial,
        LinkOrganization,
        Report,
        StateChange,
    )

    rule(Link)(access.link_rule)
    rule(Report)(access.report_rule)
    for model in (StateChange, LinkOrganization, LinkMaterial):
        rule(model)(access.trail_rule)
    rule(ConfidentialRead)(access.confidential_read_rule)


# --- rules for the checks app (checks, statistics, republications, notifications) --------------
def _register_checks_rules():
    from django.db.models import Exists, OuterRef

    from checks.models import Check, LinkStats, Notification, RepublicationGroup
    from registry import access
    from registry.models import Link

    def visible_link_ids(user, scope):
        links = access.visible_links(user, scope)
        return links if isinstance(links, bool) else Link.objects.filter(links).values("pk")

    def link_data_rule(user, action, scope):
        # Written only by the checks themselves; read by whoever may read the link.
        if action != "view":
            return False
        links = visible_link_ids(user, scope)
        return links if isinstance(links, bool) else Q(link__in=links)

    def republication_rule(user, action, scope):
        if action != "view":
            return False
        links = visible_link_ids(user, scope)
        if isinstance(links, bool):
            return links
        members = LinkStats.objects.filter(republication_group=OuterRef("pk"), link__in=links)
        return Q(Exists(members))

    def notification_rule(user, action, scope):
        # A user's own notifications and their agency's; "change" is marking them read.
        if action not in ("view", "change"):
            return False
        own = Q(user=user.pk)
        return own | Q(agency=user.agency_id) if user.agency_id is not None else own

    rule(Check)(link_data_rule)
    rule(LinkStats)(link_data_rule)
    rule(RepublicationGroup)(republication_rule)
    rule(Notification)(notification_rule)


# --- rules for the report facts (visible exactly when their link or report is) -------------------
def _register_reporting_rules():
    from reporting import access
    from reporting.models import LinkFact, RepeatFact

    rule(LinkFact)(access.link_fact_rule)
    rule(RepeatFact)(access.repeat_fact_rule)


# --- rules for the portal's own records ----------------------------------------------------------
def _register_portal_rules():
    from portal.models import BulkChunk, BulkSubmission

    def own_batch_rule(user, action, scope):
        # A submission batch (portal.submissions) is its submitter's alone: nobody else reads
        # its lines or results; deleting is the service's clean-up of old batches.
        return Q(user=user.pk)

    def own_chunk_rule(user, action, scope):
        return Q(batch__user=user.pk)

    rule(BulkSubmission)(own_batch_rule)
    rule(BulkChunk)(own_chunk_rule)


_register_accounts_rules()
_register_register_rules()
_register_registry_rules()
_register_checks_rules()
_register_reporting_rules()
_register_portal_rules()
