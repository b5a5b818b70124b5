"""The state machine of a link (docs/design.md §4.3) as one explicit table.

Each row says from which states a move starts, where it leads, which roles may make it,
and what it needs on record. registry.services.transition is the only code that applies it;
the admin, the API and the checks app all call that service.

    new → under review → (expert examination) → confirmed | rejected
    confirmed → blocking requested → blocked | removed
    blocked | removed → reappeared (a check found it again) → under review
    blocked → blocking requested (a correction: it was marked blocked by mistake)
    new → withdrawn (its only report withdrawn by the submitter, registry.withdrawal)
    withdrawn → new (submitted again, registry.services.submit_urls)

Confirming needs a classification (the link's own, or one given with the move).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from registry.choices import LinkState as S

# What a transition can require, with the label a refusal names.
REQUIREMENTS = {
    "reason": _("reason"),
    "document_number": _("blocking request number"),
    "document_date": _("blocking request date"),
    "expert_opinion": _("expert opinion"),
    "classification": _("classification"),
}

_REVIEWERS = frozenset({Role.SUPERVISOR, Role.PROSECUTOR})
_PROSECUTORS = frozenset({Role.PROSECUTOR})


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    requires: tuple[str, ...] = ()
    # The system (an automatic check, no actor) may make this move too.
    automatic: bool = False
    # It corrects a mistaken earlier move: the trail shows it as a correction.
    correction: bool = False
    # Made only by its own service (withdrawal, resubmission), never offered as a move.
    internal: bool = False

    def allows(self, user) -> bool:
        if self.internal:
            return False
        if user is None:
            return self.automatic
        return user.is_superuser or bool(set(user.roles) & self.roles)


TRANSITIONS: tuple[Transition, ...] = (
    Transition("start_review", _("Start review"), frozenset({S.NEW}), S.UNDER_REVIEW, _REVIEWERS),
    Transition(
        "send_to_expert",
        _("Send to expert examination"),
        frozenset({S.UNDER_REVIEW}),
        S.EXPERT_EXAMINATION,
        _REVIEWERS,
        requires=("reason",),
    ),
    Transition(
        "confirm",
        _("Confirm as illegal"),
        frozenset({S.UNDER_REVIEW}),
        S.CONFIRMED,
        _PROSECUTORS,
        requires=("reason", "classification"),
    ),
    Transition(
        "confirm_by_expert",
        _("Confirm as illegal on the expert opinion"),
        frozenset({S.EXPERT_EXAMINATION}),
        S.CONFIRMED,
        _PROSECUTORS,
        requires=("reason", "expert_opinion", "classification"),
    ),
    Transition(
        "reject",
        _("Reject"),
        frozenset({S.UNDER_REVIEW, S.EXPERT_EXAMINATION}),
        S.REJECTED,
        _REVIEWERS,
        requires=("reason",),
    ),
    Transition(
        "reopen",
        _("Reopen for review"),
        frozenset({S.REJECTED}),
        S.UNDER_REVIEW,
        _PROSECUTORS,
        requires=("reason",),
    ),
    Transition(
        "request_blocking",
        _("Request blocking"),
        frozenset({S.CONFIRMED}),
        S.BLOCKING_REQUESTED,
        _PROSECUTORS,
        requires=("document_number", "document_date"),
    ),
    Transition(
        "mark_blocked",
        _("Mark blocked"),
        frozenset({S.BLOCKING_REQUESTED}),
        S.BLOCKED,
        _PROSECUTORS,
        requires=("reason",),
        # A check of a link in a sent blocking order found it gone (orders.services).
        automatic=True,
    ),
    Transition(
        "mark_removed",
        _("Mark removed"),
        frozenset({S.CONFIRMED, S.BLOCKING_REQUESTED}),
        S.REMOVED,
        _REVIEWERS,
        requires=("reason",),
    ),
    Transition(
        "mark_reappeared",
        _("Mark reappeared"),
        frozenset({S.BLOCKED, S.REMOVED}),
        S.REAPPEARED,
        _REVIEWERS,
        requires=("reason",),
        automatic=True,
    ),
    Transition(
        "resume_review",
        _("Back to review"),
        frozenset({S.REAPPEARED}),
        S.UNDER_REVIEW,
        _REVIEWERS,
    ),
    Transition(
        "correct_blocked",
        _("Correct: not blocked yet"),
        frozenset({S.BLOCKED}),
        S.BLOCKING_REQUESTED,
        _PROSECUTORS,
        requires=("reason",),
        correction=True,
    ),
    Transition(
        "withdraw",
        _("Withdrawn by the submitter"),
        frozenset({S.NEW}),
        S.WITHDRAWN,
        frozenset(),
        requires=("reason",),
        internal=True,
    ),
    Transition(
        "resubmit",
        _("Submitted again"),
        frozenset({S.WITHDRAWN}),
        S.NEW,
        frozenset(),
        internal=True,
    ),
)

_BY_MOVE = {(source, t.target): t for t in TRANSITIONS for source in t.sources}
assert len(_BY_MOVE) == sum(len(t.sources) for t in TRANSITIONS), "one row per (from, to)"
BY_NAME = {t.name: t for t in TRANSITIONS}


def find(source: str, target: str) -> Transition | None:
    """The table's row for moving from `source` to `target`, if the move exists."""
    return _BY_MOVE.get((source, target))


def available(source: str, user=None) -> list[Transition]:
    """Moves out of `source` (that `user` may make, when given); internal moves are made only
    by their own services and are never offered."""
    return [
        t
        for (from_state, _target), t in _BY_MOVE.items()
        if from_state == source and not t.internal and (user is None or t.allows(user))
    ]


def is_correction(from_state: str, to_state: str) -> bool:
    """Is a step of the trail from `from_state` to `to_state` a correction?"""
    move = find(from_state, to_state)
    return move is not None and move.correction
