"""Bulk work on links: one action applied to a selection of links (docs/design.md §4.13).

A selection is either link ids or a queryset (a registry filter, a batch's results), and it is
always resolved here, at the time of the action, under the access policy: only links the user
may read enter it. Ids the user may not read are answered like ids that do not exist ("no
such link, or you may not see it"), so a forged id learns nothing; a filter never reaches
them at all. A selection holds at most MAX_SELECTION links; a larger one is refused before
anything is written.

Each action goes through the same services as the link's own page: registry.services'
`transition` / `transition_many` (the table in registry.transitions decides), `assign`,
`classify`, and for orders orders.services (registered by orders/bulk.py, see `register`).
Semantics, per link: a link is either done entirely or refused with the service's reason;
a refusal never rolls back the other links. The work is set-based where it can be: the links
the user may not change are refused at once (the policy, one query); for moves, the links
are locked and grouped by their state, and a state from which the table refuses the move
(no such move, not for the user's roles, a requirement missing) refuses its whole group with
the reason the single `transition` gives its first link; the others go through
the set-based service (`transition_many` per state, `assign_many`, `classify_many`: all or
nothing, in a savepoint); if that refuses, each link goes through the single service
(`transition`, `assign`, `classify`) in its own savepoint, so every link gets the precise
reason the single change would give. The whole action is one transaction: it is committed
once, when every link has its answer.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import policy
from kibernadzor.errors import DomainError, NotAllowed
from registry import selectors, services, transitions
from registry.choices import LinkClassification, LinkState
from registry.models import Link

MAX_SELECTION = 5_000


class SelectionTooLarge(DomainError):
    code = "too_many"


@dataclass(frozen=True)
class Refusal:
    """One link left as it was, and why (the service's message, in the user's language)."""

    link: int
    url: str  # empty when the link is not visible: nothing of it is told
    code: str
    reason: str
    confidential: bool = False


@dataclass
class Outcome:
    """What a bulk action did: the links done and the links refused, each with its reason."""

    action: str
    done: list[int] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

    def refuse(self, link: Link | int, error: DomainError) -> None:
        """Record a refusal; a Link is named by its URL, a bare id (not visible) is not."""
        if isinstance(link, Link):
            refusal = Refusal(link.pk, link.url, error.code, str(error.message), link.confidential)
        else:
            refusal = Refusal(link, "", error.code, str(error.message))
        self.refused.append(refusal)

    def shown(self) -> list[dict]:
        """The refused links an answer names, as rows for registry.selectors.read_links."""
        return [{"id": r.link, "confidential": r.confidential} for r in self.refused if r.url]

    @property
    def reasons(self) -> list[dict]:
        """The refusals grouped by reason, the largest group first."""
        groups: dict[str, dict] = {}
        for refusal in self.refused:
            group = groups.setdefault(
                refusal.reason, {"reason": refusal.reason, "code": refusal.code, "links": []}
            )
            group["links"].append(refusal)
        return sorted(groups.values(), key=lambda g: -len(g["links"]))

    def as_dict(self) -> dict:
        return {
            "action": self.action,
            "done": len(self.done),
            "refused": len(self.refused),
            "done_ids": self.done,
            "reasons": [
                {
                    "code": group["code"],
                    "reason": group["reason"],
                    "count": len(group["links"]),
                    "links": [{"id": r.link, "url": r.url or None} for r in group["links"]],
                }
                for group in self.reasons
            ],
        }


@dataclass(frozen=True)
class BulkAction:
    name: str
    label: str
    # run(user, links, params, outcome): apply the action to each link, record each answer.
    run: Callable
    # check(user, params) -> params: refuse bad parameters before anything is done.
    check: Callable = lambda user, params: params


ACTIONS: dict[str, BulkAction] = {}


def register(action: BulkAction) -> BulkAction:
    """Offer an action. Apps above the registry (orders) register theirs from their
    AppConfig.ready(), so the registry imports none of them."""
    ACTIONS[action.name] = action
    return action


# --- selections -----------------------------------------------------------------------------
def _too_large() -> SelectionTooLarge:
    return SelectionTooLarge(
        _(
            "The selection holds more than %(limit)s links; a bulk action takes at most "
            "%(limit)s. Narrow the filter and try again."
        )
        % {"limit": f"{MAX_SELECTION:,}".replace(",", "\u202f")},
        limit=MAX_SELECTION,
    )


def _not_found() -> DomainError:
    return services.LinkNotFound(_("No such link, or you may not see it."))


def select_ids(user, ids: Iterable[int], outcome: Outcome) -> list[Link]:
    """The visible links among `ids`; the others are refused as not found (not told apart
    from ids that do not exist)."""
    wanted = sorted({int(pk) for pk in ids})
    if len(wanted) > MAX_SELECTION:
        raise _too_large()
    links = list(selectors.links_for(user).filter(pk__in=wanted).order_by("pk"))
    seen = {link.pk for link in links}
    for pk in wanted:
        if pk not in seen:
            outcome.refuse(pk, _not_found())
    return links


def select_matching(user, queryset: QuerySet) -> list[Link]:
    """The links of a filter, re-evaluated now and narrowed to what the user may read."""
    visible = selectors.links_for(user).values("pk")
    links = list(
        queryset.model.objects.filter(pk__in=queryset.values("pk"))
        .filter(pk__in=visible)
        .order_by("pk")[: MAX_SELECTION + 1]
    )
    if len(links) > MAX_SELECTION:
        raise _too_large()
    return links


def apply(user, action: str, *, ids=None, queryset=None, params: dict | None = None) -> Outcome:
    """Apply `action` to the links named by `ids` or matching `queryset`, as `user`."""
    chosen = ACTIONS.get(action)
    if chosen is None:
        raise DomainError(
            _("Unknown bulk action “%(action)s”. Possible: %(actions)s.")
            % {"action": action, "actions": ", ".join(ACTIONS)},
            field="action",
        )
    if (ids is None) == (queryset is None):
        raise DomainError(_("Choose the links: ticked links or a filter."), field="ids")
    checked = chosen.check(user, dict(params or {}))
    outcome = Outcome(action)
    links = select_ids(user, ids, outcome) if ids is not None else select_matching(user, queryset)
    if not links and not outcome.refused:
        raise DomainError(_("No link is selected."), field="ids")
    with transaction.atomic():
        chosen.run(user, links, checked, outcome)
    return outcome


# --- who may change what, set-based first, one link at a time when refused ----------------
def changeable(user, links: list[Link], outcome: Outcome) -> list[Link]:
    """The links the user may change; the others are refused now with the refusal a single
    change gives (registry.services), without locking or trying them one by one."""
    allowed = set(
        policy.restrict(
            Link.objects.filter(pk__in=[x.pk for x in links]), user, "change"
        ).values_list("pk", flat=True)
    )
    refusal = NotAllowed(_("You may not change this link."))
    for link in links:
        if link.pk not in allowed:
            outcome.refuse(link, refusal)
    return [link for link in links if link.pk in allowed]


def at_once_or_each(
    links: list[Link], outcome: Outcome, at_once: Callable, single: Callable
) -> None:
    """`at_once(ids)` for every link in one savepoint (a set-based service, all or nothing);
    if it refuses, `single(link)` for each link in its own savepoint, so that each refused
    link gets the reason a single change gives and the others are done."""
    if not links:
        return
    try:
        with transaction.atomic():
            at_once([link.pk for link in links])
    except DomainError:
        each(links, outcome, single)
    else:
        outcome.done.extend(link.pk for link in links)


def each(links: list[Link], outcome: Outcome, work: Callable[[Link], None]) -> None:
    """Run `work` on each link in a savepoint: a refusal undoes that link only."""
    for link in links:
        try:
            with transaction.atomic():
                work(link)
        except DomainError as error:
            outcome.refuse(link, error)
        else:
            outcome.done.append(link.pk)


# --- moves ----------------------------------------------------------------------------------
def _reason(params: dict) -> str:
    return str(params.get("reason") or "").strip()


def _needs_reason(user, params: dict) -> dict:
    if not _reason(params):
        raise DomainError(_("Give the reason: it goes on every link's record."), field="reason")
    return params


def _table_refuses(state: str, target: str, user, given: dict) -> bool:
    """Whether registry.transitions refuses this move from `state` whatever the link: no such
    move, not for the user's roles, or a requirement missing from the parameters."""
    move = transitions.find(state, target)
    if move is None or not move.allows(user):
        return True
    return any(not given.get(requirement) for requirement in move.requires)


def _refuse_alike(group: list[Link], outcome: Outcome, single: Callable) -> None:
    """Refuse every link of `group` with the refusal the single service gives the first."""
    try:
        with transaction.atomic():
            single(group[0])
    except DomainError as error:
        for link in group:
            outcome.refuse(link, error)
    else:  # not refused after all: the links go one by one
        outcome.done.append(group[0].pk)
        each(group[1:], outcome, single)


def _move(target: str) -> Callable:
    def run(user, links: list[Link], params: dict, outcome: Outcome) -> None:
        given = {"reason": _reason(params)}
        if target == LinkState.CONFIRMED and params.get("classification"):
            # Confirming needs a classification: the link's own, or this one for all of them.
            given["classification"] = str(params["classification"])
        opinion = str(params.get("expert_opinion") or "").strip()
        movable = changeable(user, links, outcome)
        # Locked in id order (as transition_many locks), the states read now group exactly.
        states = dict(
            Link.objects.select_for_update(of=("self",))
            .filter(pk__in=[link.pk for link in movable])
            .order_by("pk")
            .values_list("pk", "state")
        )
        by_state: dict[str, list[Link]] = defaultdict(list)
        for link in movable:
            by_state[states[link.pk]].append(link)

        def single(link):
            return services.transition(link.pk, target, actor=user, expert_opinion=opinion, **given)

        for state, group in by_state.items():
            if _table_refuses(state, target, user, {**given, "expert_opinion": opinion}):
                # The table refuses every link of this state alike: the service says why once.
                _refuse_alike(group, outcome, single)
                continue
            at_once_or_each(
                group,
                outcome,
                lambda ids: services.transition_many(ids, target, actor=user, **given),
                single,
            )

    return run


register(BulkAction("start_review", gettext_lazy("Start review"), _move(LinkState.UNDER_REVIEW)))
register(
    BulkAction(
        "confirm", gettext_lazy("Confirm as illegal"), _move(LinkState.CONFIRMED), _needs_reason
    )
)
register(BulkAction("reject", gettext_lazy("Reject"), _move(LinkState.REJECTED), _needs_reason))


# --- assignment and classification ----------------------------------------------------------
def _check_assign(user, params: dict) -> dict:
    """Agency by code, officer by username, due date: the same as the API's assign."""
    from accounts.models import Agency, User

    agency = officer = None
    code = str(params.get("agency") or "").strip()
    username = str(params.get("user") or "").strip()
    if code:
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            raise DomainError(_("No such agency: %(code)s.") % {"code": code}, field="agency")
    elif username:
        raise DomainError(_("Choose the agency first."), field="agency")
    if username:
        officer = User.objects.filter(username=username, is_active=True).first()
        if officer is None:
            raise DomainError(_("No active user with this username."), field="user")
    due = params.get("due_date")
    if isinstance(due, str) and due.strip():
        try:
            due = date.fromisoformat(due.strip())
        except ValueError:
            raise DomainError(
                _("The due date must be a date (YYYY-MM-DD)."), field="due_date"
            ) from None
    return {"agency": agency, "user": officer, "due_date": due or None}


def _assign(user, links: list[Link], params: dict, outcome: Outcome) -> None:
    at_once_or_each(
        changeable(user, links, outcome),
        outcome,
        lambda ids: services.assign_many(ids, actor=user, **params),
        lambda link: services.assign(link.pk, actor=user, **params),
    )


def _check_classify(user, params: dict) -> dict:
    value = params.get("classification")
    if value not in LinkClassification.values:
        raise DomainError(_("Choose a classification."), field="classification")
    return {"classification": value}


def _classify(user, links: list[Link], params: dict, outcome: Outcome) -> None:
    at_once_or_each(
        changeable(user, links, outcome),
        outcome,
        lambda ids: services.classify_many(ids, actor=user, **params),
        lambda link: services.classify(link.pk, actor=user, **params),
    )


register(BulkAction("assign", gettext_lazy("Assign"), _assign, _check_assign))
register(BulkAction("classify", gettext_lazy("Classify"), _classify, _check_classify))
