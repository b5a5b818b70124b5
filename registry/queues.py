"""Work queues: the registry list with a fixed filter, one per kind of work waiting for a user.

A queue is a condition on the links the user may see (registry.selectors.links_for, the
access policy), offered to the roles whose work it is (docs/design.md §4.12):

- **review**, "awaiting review" (officers and supervisors): links in the states that wait for
  a reviewer, *new* (start review) and *under review* (send to expert, reject; a prosecutor
  confirms). A supervisor's are those of their region, an officer's those of their agency
  (what they reported or were assigned), which they follow but may not move.
- **decision**, "awaiting my decision" (prosecutors): links whose next move only a prosecutor
  may make (registry.transitions): *under review* (confirm or reject), *expert examination*
  (confirm on the expert opinion or reject) and *confirmed* (request blocking); of their
  region, or of the country for the central office.
- **assigned**, "assigned to me" (anyone who works on links): open links whose assigned
  officer is the user.
- **overdue** (everyone who sees links): open links past their due date, the registry's one
  definition of overdue (registry.choices.OPEN_STATES, due date before today, local time), as
  the dashboard counts them.
- **reappeared** (everyone who sees links): links a check found again after they were blocked
  or removed, waiting to go back to review.

A queue's page is the registry list with `?queue=<name>` (portal.views.link_list), oldest
due date first, then oldest report; its filters, export and "new order" work within it. The
navigation shows every queue's count from one query (`counts`), computed over the very
queryset the list pages, so a count never says more than the user could list; the counts are
cached per user for COUNTS_TTL seconds in the fail-open cache and forgotten for the users an
assignment or a move of theirs concerns (`forget_counts`).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from registry.choices import OPEN_STATES, LinkState

COUNTS_TTL = 60  # seconds; assignments and moves forget the users' counts at once
_CACHE_KEY = "queues:counts:{user_id}"


@dataclass(frozen=True)
class Queue:
    name: str
    label: str
    description: str
    # Roles the queue is offered to (a superuser gets every queue).
    roles: frozenset[str]
    condition: Callable[[object, date], Q]

    def offered_to(self, user) -> bool:
        return bool(user.is_superuser or user.roles & self.roles)

    def q(self, user, today: date | None = None) -> Q:
        return self.condition(user, today or timezone.localdate())


_WORKERS = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.PROSECUTOR})
_CASE_READERS = frozenset({*_WORKERS, Role.ANALYST, Role.AUDITOR})

REVIEW_STATES = (LinkState.NEW, LinkState.UNDER_REVIEW)
DECISION_STATES = (LinkState.UNDER_REVIEW, LinkState.EXPERT_EXAMINATION, LinkState.CONFIRMED)

QUEUES: tuple[Queue, ...] = (
    Queue(
        "review",
        _("Awaiting review"),
        _("New links and links under review."),
        frozenset({Role.OFFICER, Role.SUPERVISOR}),
        lambda user, today: Q(state__in=REVIEW_STATES),
    ),
    Queue(
        "decision",
        _("Awaiting my decision"),
        _(
            "Links under review or expert examination to confirm or reject, and confirmed links "
            "awaiting a blocking request."
        ),  # fmt: skip
        frozenset({Role.PROSECUTOR}),
        lambda user, today: Q(state__in=DECISION_STATES),
    ),
    Queue(
        "assigned",
        _("Assigned to me"),
        _("Open links assigned to you."),
        _WORKERS,
        lambda user, today: Q(assigned_user=user.pk, state__in=OPEN_STATES),
    ),
    Queue(
        "overdue",
        _("Overdue"),
        _("Open links past their due date."),
        _CASE_READERS,
        lambda user, today: Q(state__in=OPEN_STATES, due_date__lt=today),
    ),
    Queue(
        "reappeared",
        _("Reappeared"),
        _("Links found again after they were blocked or removed."),
        _CASE_READERS,
        lambda user, today: Q(state=LinkState.REAPPEARED),
    ),
)
BY_NAME = {queue.name: queue for queue in QUEUES}


def queues_for(user) -> list[Queue]:
    """The queues offered to the user, in the navigation's order (none without links to see)."""
    from accounts import policy
    from registry.models import Link

    if not getattr(user, "is_authenticated", False) or not policy.can(user, "view", model=Link):
        return []
    return [queue for queue in QUEUES if queue.offered_to(user)]


def queue_links(queryset: QuerySet, queue: Queue, user, today: date | None = None) -> QuerySet:
    """The links of `queryset` (already restricted to the user) in the queue."""
    return queryset.filter(queue.q(user, today))


def counts(user, today: date | None = None) -> dict[str, int]:
    """{queue name: how many links are in it} for the user's queues, in one query.

    One COUNT(*) FILTER (WHERE …) per queue over the links the policy lets the user see; the
    WHERE keeps only rows some queue wants, so the policy's EXISTS runs on those alone."""
    from registry.selectors import links_for

    offered = queues_for(user)
    if not offered:
        return {}
    today = today or timezone.localdate()
    conditions = {queue.name: queue.q(user, today) for queue in offered}
    any_queue = Q()
    for condition in conditions.values():
        any_queue |= condition
    aggregates = {name: Count("pk", filter=condition) for name, condition in conditions.items()}
    links = links_for(user).select_related(None).filter(any_queue).order_by()
    with transaction.atomic(), connection.cursor() as cursor:
        # As for the reports (reporting.facts.reading): compiling this aggregate costs
        # PostgreSQL far more than it saves (≈ 0.5 s of JIT at 200,000 links).
        cursor.execute("SET LOCAL jit = off")
        return links.aggregate(**aggregates)


def cached_counts(user) -> dict[str, int]:
    """`counts`, kept COUNTS_TTL seconds per user (and per day: overdue turns at midnight)."""
    key = _CACHE_KEY.format(user_id=user.pk)
    today = timezone.localdate().isoformat()
    kept = cache.get(key)
    if isinstance(kept, dict) and kept.get("day") == today:
        return kept["counts"]
    found = counts(user)
    cache.set(key, {"day": today, "counts": found}, COUNTS_TTL)
    return found


def forget_counts(user_ids: Iterable[int | None]) -> None:
    """Drop the cached counts of these users (an assignment or a move concerning them)."""
    keys = [_CACHE_KEY.format(user_id=pk) for pk in set(user_ids) - {None}]
    if keys:
        cache.delete_many(keys)
