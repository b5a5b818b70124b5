"""The access policy: which rows a user may see, and which actions they may take on them.

Everything that reads data — admin, portal, API, exports, reports — starts from
`restrict(queryset, user, action)` (or `Model.objects.restrict(user, action)`), so that no two
of them can disagree about who sees what (docs/design.md §2.4, §5.2). This module is the
mechanism only and imports no app's models: each app writes the rules for its own models in its
`access.py`, which its AppConfig.ready() imports, one rule per model:

    @policy.rule(Link)
    def link_rule(user, action, scope) -> Q | bool: ...

A rule returns True (every row), False (none) or a Q over the model. Before the rule runs, the
user must hold the model permission for the action (`app.view_model`, …) through their roles,
which the same `access.py` grants (accounts.roles). accounts.checks (kbz.E001) fails startup
when a model served through the policy has no rule.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from django.core.exceptions import ImproperlyConfigured
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
    """Register the rule for `model` (one per model: a second, different one is an error, so
    that no app's access.py can quietly replace another's rule)."""

    def register(func: Rule) -> Rule:
        registered = _rules.get(model)
        if registered is not None and registered is not func:
            raise ImproperlyConfigured(
                f"{model.__name__} already has the access rule "
                f"{registered.__module__}.{registered.__qualname__}"
            )
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
