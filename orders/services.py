"""Writes for blocking orders (issue 14): the state machine of an order and its links.

    draft → signed → sent → acknowledged → executed | partly_executed | refused; withdrawn

Every service runs in one transaction, locks the order it changes (SELECT … FOR UPDATE) and
checks its state after the lock, so that two prosecutors acting at once, or one sending twice,
meet in the database: the second gets a clear refusal, never a second effect. Each change is
recorded in history (django-simple-history, with the reason); a link moves in the registry
only through registry.services.transition, which writes its StateChange. A refusal is an
orders.errors error naming the field or the link, and nothing is half-saved.

Links move with their orders: a sent order requests blocking (confirmed → blocking requested,
the order's number and date on the trail); a check that finds a link of a sent order gone
records the time it went (OrderLink.executed_at, the real time-to-block) and marks the link
blocked as the system.
"""

import contextlib
import importlib.util
import logging
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from simple_history.utils import bulk_create_with_history

from accounts import policy
from checks.choices import NotificationKind
from checks.models import Notification
from orders.choices import (
    CLOCKED_KINDS,
    OPEN_ORDER_STATES,
    OrderKind,
    OrderLinkState,
    OrderState,
)
from orders.errors import OrderConflict, OrderNotAllowed, OrderNotFound, OrderRefused
from orders.models import Order, OrderLink, Recipient
from registry import services as registry_services
from registry.choices import LinkState
from registry.models import Link

logger = logging.getLogger(__name__)

# Links "confirmed illegal": the only ones an order may cover.
ORDERABLE_LINK_STATES = (
    LinkState.CONFIRMED,
    LinkState.BLOCKING_REQUESTED,
    LinkState.BLOCKED,
    LinkState.REAPPEARED,
)
NUMBER_PREFIX = "ПР"
NUMBER_PATTERN = re.compile(rf"^{NUMBER_PREFIX}-(\d{{4}})/(\d+)$")


# --- helpers ----------------------------------------------------------------------------------
def _state_label(state: str) -> str:
    return str(OrderState(state).label)


def require_issuer(user) -> None:
    """Refuse anyone who may not issue orders."""
    if not policy.can(user, "add", model=Order):
        raise OrderNotAllowed(_("Only prosecutors issue blocking orders."))


def _locked_order(user, order: Order | int) -> Order:
    """The order, locked, if the user may change it; a clear refusal if not."""
    pk = order.pk if isinstance(order, Order) else order
    queryset = Order.objects.select_for_update(of=("self",))
    locked = policy.restrict(queryset, user, "change").filter(pk=pk).first()
    if locked is not None:
        return locked
    if Order.objects.restrict(user, "view").filter(pk=pk).exists():
        raise OrderNotAllowed(_("You may not change this order."))
    raise OrderNotFound(_("No such order, or you may not see it."))


def _require_state(order: Order, *states: str, doing: str) -> None:
    if order.state not in states:
        raise OrderConflict(
            _("Order %(number)s is “%(state)s”: it cannot be %(doing)s.")
            % {"number": order.number, "state": _state_label(order.state), "doing": doing},
            field="state",
            state=order.state,
        )


def _save(order: Order, reason: str, fields: list[str]) -> None:
    order._change_reason = reason[:100]
    order.save(update_fields=fields)


def update_with_history(objs: list, model, values: dict, *, user=None, reason="", when=None):
    """Give every object the same `values` in one UPDATE and write one history record each
    (bulk_update_with_history builds a CASE per row, which is slow for a thousand rows)."""
    if not objs:
        return
    for obj in objs:
        for name, value in values.items():
            setattr(obj, name, value)
    model.objects.filter(pk__in=[obj.pk for obj in objs]).update(**values)
    model.history.bulk_history_create(
        objs,
        batch_size=1000,
        update=True,
        default_user=user,
        default_change_reason=reason[:100],
        default_date=when,
    )


def _save_numbered(order: Order, save) -> None:
    """Save; a number taken meanwhile by a concurrent order (the unique constraint) is refused
    like one taken before."""
    try:
        with transaction.atomic():
            save()
    except IntegrityError as error:
        if "order_number_unique" not in str(error):
            raise
        raise OrderRefused(
            _("The number %(number)s is already taken.") % {"number": order.number},
            field="number",
        ) from None


def next_number(year: int) -> str:
    """The next number of the year, ПР-<year>/<six digits>; call inside a transaction.

    A transaction-scoped advisory lock per year makes concurrent creators take turns, so
    numbers have no duplicates and no gaps (edited draft numbers aside)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x0BDE, year])
    prefix = f"{NUMBER_PREFIX}-{year}/"
    taken = Order.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    highest = 0
    for number in taken:
        match = NUMBER_PATTERN.match(number)
        if match:
            highest = max(highest, int(match.group(2)))
    return f"{prefix}{highest + 1:06d}"


def _check_recipient(recipient: Recipient, kind: str) -> None:
    if not recipient.active:
        raise OrderRefused(
            _("The recipient “%(name)s” is no longer active.") % {"name": recipient.name},
            field="recipient",
        )
    if kind in CLOCKED_KINDS and recipient.deadline_hours is None:
        raise OrderRefused(
            _(
                "The recipient “%(name)s” has no deadline rule: set its deadline in the "
                "directory before ordering it to block."
            )
            % {"name": recipient.name},
            field="recipient",
        )


def _check_basis(court_decision, law_article: str) -> None:
    if court_decision is None and not law_article.strip():
        raise OrderRefused(
            _("An order needs a legal basis: a court decision or an article of the law."),
            field="law_article",
        )


def _link_ids(links: Iterable) -> list[int]:
    return sorted({link.pk if isinstance(link, Link) else int(link) for link in links})


def _visible_links(user, ids: list[int]) -> dict[int, Link]:
    return {
        link.pk: link
        for link in Link.objects.restrict(user, "view")
        .filter(pk__in=ids)
        .only("pk", "url", "state", "platform", "is_demo")
    }


def _link_refusal(link: Link, recipient: Recipient, *, name_link=True) -> OrderRefused | None:
    """Why an order to `recipient` may not cover this (visible) link; None if it may. Without
    `name_link` the message leaves the URL out, so that a bulk summary groups by reason."""
    if link.state not in ORDERABLE_LINK_STATES:
        state = LinkState(link.state).label
        message = (
            _("The link %(url)s is “%(state)s”, not confirmed illegal: it cannot be ordered.")
            % {"url": link.url, "state": state}
            if name_link
            else _("The link is “%(state)s”, not confirmed illegal: it cannot be ordered.")
            % {"state": state}
        )
        return OrderRefused(message, field="links", link=link.pk)
    if recipient.platforms and link.platform not in recipient.platforms:
        message = (
            _("The link %(url)s is not on a platform “%(name)s” answers for.")
            % {"url": link.url, "name": recipient.name}
            if name_link
            else _("The link is not on a platform “%(name)s” answers for.")
            % {"name": recipient.name}
        )
        return OrderRefused(message, field="links", link=link.pk)
    return None


def _missing_link(pk: int) -> OrderRefused:
    return OrderRefused(
        _("No such link, or you may not see it: %(id)s.") % {"id": pk}, field="links", link=pk
    )


def _orderable_links(user, links: Iterable, recipient: Recipient) -> list[Link]:
    """The links, if each is visible to the user, confirmed illegal and within the recipient's
    platforms; the first that is not is named in the refusal."""
    ids = _link_ids(links)
    if not ids:
        raise OrderRefused(_("An order covers at least one link."), field="links")
    found = _visible_links(user, ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise _missing_link(missing[0])
    for link in found.values():
        refusal = _link_refusal(link, recipient)
        if refusal is not None:
            raise refusal
    return [found[pk] for pk in ids]


def _add_order_links(order: Order, links: Sequence[Link], user) -> None:
    present = set(order.order_links.values_list("link_id", flat=True))
    fresh = [OrderLink(order=order, link=link) for link in links if link.pk not in present]
    if fresh:
        bulk_create_with_history(fresh, OrderLink, default_user=user, batch_size=1000)


# --- drafts -----------------------------------------------------------------------------------
@transaction.atomic
def create_order(
    user,
    *,
    recipient: Recipient,
    links: Iterable,
    court_decision=None,
    law_article: str = "",
    kind: str = OrderKind.BLOCKING,
    parent: Order | None = None,
    note: str = "",
    number: str = "",
    is_demo: bool = False,
) -> Order:
    """A draft order of the user's office covering `links` (Link objects or ids).

    Refused: a user who is not a prosecutor; a link that is not confirmed illegal (or not
    visible, or not on the recipient's platforms); no legal basis; a recipient without a
    deadline rule."""
    require_issuer(user)
    if user.agency_id is None:
        raise OrderNotAllowed(_("Only a prosecutor of an office issues orders."))
    if kind not in OrderKind.values:
        raise OrderRefused(_("Unknown kind of order."), field="kind")
    if kind != OrderKind.BLOCKING and parent is None:
        raise OrderRefused(
            _("A repeated submission or restoration notice follows an order."), field="parent"
        )
    recipient = Recipient.objects.get(
        pk=recipient.pk if isinstance(recipient, Recipient) else recipient
    )
    _check_recipient(recipient, kind)
    law_article = law_article.strip()
    _check_basis(court_decision, law_article)
    chosen = _orderable_links(user, links, recipient)
    now = timezone.now()
    number = number.strip() or next_number(timezone.localdate(now).year)
    if Order.objects.filter(number=number).exists():
        raise OrderRefused(
            _("The number %(number)s is already taken.") % {"number": number}, field="number"
        )
    order = Order(
        number=number,
        date=timezone.localdate(now),
        kind=kind,
        parent=parent,
        recipient=recipient,
        agency_id=user.agency_id,
        issued_by=user,
        court_decision=court_decision,
        law_article=law_article,
        created_at=now,
        note=note,
        is_demo=is_demo,
    )
    order._change_reason = "create"
    order._history_user = user
    _save_numbered(order, lambda: order.save())
    _add_order_links(order, chosen, user)
    return order


@transaction.atomic
def update_draft(user, order: Order, **fields) -> Order:
    """Change a draft's number, date, recipient, legal basis or note."""
    allowed = {"number", "date", "recipient", "court_decision", "law_article", "note"}
    unknown = set(fields) - allowed
    if unknown:
        raise OrderRefused(
            _("These cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    order = _locked_order(user, order)
    _require_state(order, OrderState.DRAFT, doing=pgettext("order step", "edited"))
    if "number" in fields:
        number = (fields["number"] or "").strip()
        if not number:
            raise OrderRefused(_("An order needs a number."), field="number")
        if Order.objects.filter(number=number).exclude(pk=order.pk).exists():
            raise OrderRefused(
                _("The number %(number)s is already taken.") % {"number": number},
                field="number",
            )
        fields["number"] = number
    if "law_article" in fields:
        fields["law_article"] = (fields["law_article"] or "").strip()
    for name, value in fields.items():
        setattr(order, name, value)
    if "recipient" in fields:
        _check_recipient(order.recipient, order.kind)
        _orderable_links(user, order.order_links.values_list("link_id", flat=True), order.recipient)
    _check_basis(order.court_decision, order.law_article)
    order._history_user = user
    _save_numbered(order, lambda: _save(order, "edit", list(fields)))
    return order


@transaction.atomic
def add_links(user, order: Order, links: Iterable) -> Order:
    """Add links to a draft (each confirmed illegal, as when it was created)."""
    order = _locked_order(user, order)
    _require_state(order, OrderState.DRAFT, doing=pgettext("order step", "changed"))
    _add_order_links(order, _orderable_links(user, links, order.recipient), user)
    return order


@transaction.atomic
def add_links_where_allowed(user, order: Order, links: Iterable) -> dict[int, OrderRefused]:
    """Add to a draft every link it may cover and refuse the others one by one (a bulk action
    on a selection: portal bulk work, the API's links/bulk/). Returns the refusal of each link
    left out, by id; links already in the draft count as added. The order itself must be a
    draft the user may change, or nothing is added (OrderNotAllowed, OrderConflict)."""
    order = _locked_order(user, order)
    _require_state(order, OrderState.DRAFT, doing=pgettext("order step", "changed"))
    ids = _link_ids(links)
    found = _visible_links(user, ids)
    refusals: dict[int, OrderRefused] = {}
    accepted = []
    for pk in ids:
        link = found.get(pk)
        refusal = (
            _missing_link(pk)
            if link is None
            else _link_refusal(link, order.recipient, name_link=False)
        )
        if refusal is None:
            accepted.append(link)
        else:
            refusals[pk] = refusal
    _add_order_links(order, accepted, user)
    return refusals


@transaction.atomic
def remove_links(user, order: Order, links: Iterable) -> Order:
    """Take links out of a draft (at least one stays)."""
    order = _locked_order(user, order)
    _require_state(order, OrderState.DRAFT, doing=pgettext("order step", "changed"))
    ids = _link_ids(links)
    remaining = order.order_links.exclude(link_id__in=ids)
    if not remaining.exists():
        raise OrderRefused(_("An order covers at least one link."), field="links")
    for order_link in order.order_links.filter(link_id__in=ids):
        order_link._history_user = user
        order_link.delete()
    return order


# --- signing, sending, the recipient's answer -------------------------------------------------
@transaction.atomic
def sign_order(user, order: Order) -> Order:
    """draft → signed, by the signatory (a prosecutor of the order's territory)."""
    order = _locked_order(user, order)
    _require_state(order, OrderState.DRAFT, doing=pgettext("order step", "signed"))
    if not order.order_links.exists():
        raise OrderRefused(_("An order covers at least one link."), field="links")
    _check_basis(order.court_decision, order.law_article)
    order.state = OrderState.SIGNED
    order.signatory = user
    order.signed_at = timezone.now()
    order._history_user = user
    _save(order, "sign", ["state", "signatory", "signed_at"])
    return order


def _documents_generator():
    """orders.documents.generate_documents(order, user) when that module is installed."""
    if importlib.util.find_spec("orders.documents") is None:
        return None
    module = importlib.import_module("orders.documents")
    return getattr(module, "generate_documents", None)


@transaction.atomic
def send_order(user, order: Order, *, now: datetime | None = None) -> Order:
    """signed → sent: the deadline clocks start (sent time + the recipient's deadline), the
    links request blocking in the registry, and the documents are generated. A document that
    fails to render refuses the whole sending."""
    order = _locked_order(user, order)
    _require_state(order, OrderState.SIGNED, doing=pgettext("order step", "sent"))
    now = now or timezone.now()
    recipient = order.recipient
    if order.kind in CLOCKED_KINDS:
        _check_recipient(recipient, order.kind)
    order.state = OrderState.SENT
    order.sent_at = now
    order._history_user = user
    _save(order, "send", ["state", "sent_at"])

    order_links = list(order.order_links.select_related("link").order_by("link_id"))
    if order.kind in CLOCKED_KINDS:
        deadline = now + timedelta(hours=recipient.deadline_hours)
        update_with_history(
            order_links, OrderLink, {"deadline_at": deadline}, user=user, reason="send"
        )
        reason = _("Order %(number)s sent to %(recipient)s.") % {
            "number": order.number,
            "recipient": recipient.name,
        }
        registry_services.transition_many(
            [ol.link_id for ol in order_links if ol.link.state == LinkState.CONFIRMED],
            LinkState.BLOCKING_REQUESTED,
            actor=user,
            reason=reason,
            document_number=order.number,
            document_date=order.date,
        )
    generate = _documents_generator()
    if generate is not None:
        generate(order, user)
    return order


@transaction.atomic
def acknowledge_order(user, order: Order, *, now: datetime | None = None) -> Order:
    """sent → acknowledged: the recipient confirmed it received the order."""
    order = _locked_order(user, order)
    _require_state(order, OrderState.SENT, doing=pgettext("order step", "acknowledged"))
    order.state = OrderState.ACKNOWLEDGED
    order.acknowledged_at = now or timezone.now()
    order._history_user = user
    _save(order, "acknowledge", ["state", "acknowledged_at"])
    return order


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise OrderRefused(_("Give the reason."), field="reason")
    return reason


@transaction.atomic
def withdraw_order(user, order: Order, reason: str) -> Order:
    """Any order not yet closed → withdrawn (the office takes it back)."""
    reason = _require_reason(reason)
    order = _locked_order(user, order)
    _require_state(
        order,
        OrderState.DRAFT,
        OrderState.SIGNED,
        OrderState.SENT,
        OrderState.ACKNOWLEDGED,
        doing=pgettext("order step", "withdrawn"),
    )
    order.state = OrderState.WITHDRAWN
    order.closed_at = timezone.now()
    order._history_user = user
    _save(order, f"withdraw: {reason}", ["state", "closed_at"])
    return order


def _close_pending(order: Order, state: str, user, reason: str) -> int:
    pending = list(order.order_links.filter(state=OrderLinkState.PENDING))
    update_with_history(pending, OrderLink, {"state": state}, user=user, reason=reason)
    return len(pending)


@transaction.atomic
def refuse_order(user, order: Order, reason: str) -> Order:
    """sent | acknowledged → refused: the recipient refused; its pending links are refused."""
    reason = _require_reason(reason)
    order = _locked_order(user, order)
    _require_state(order, *OPEN_ORDER_STATES, doing=pgettext("order step", "recorded as refused"))
    _close_pending(order, OrderLinkState.REFUSED, user, f"refuse: {reason}")
    executed = order.order_links.filter(state=OrderLinkState.EXECUTED).exists()
    order.state = OrderState.PARTLY_EXECUTED if executed else OrderState.REFUSED
    order.closed_at = timezone.now()
    order._history_user = user
    _save(order, f"refuse: {reason}", ["state", "closed_at"])
    return order


@transaction.atomic
def close_partly(user, order: Order, reason: str) -> Order:
    """sent | acknowledged, some links executed → partly executed: the recipient will not
    act on the rest (they are refused; a repeated submission can follow)."""
    reason = _require_reason(reason)
    order = _locked_order(user, order)
    _require_state(
        order, *OPEN_ORDER_STATES, doing=pgettext("order step", "closed as partly executed")
    )
    if not order.order_links.filter(state=OrderLinkState.EXECUTED).exists():
        raise OrderRefused(
            _("No link of order %(number)s is executed: record the refusal instead.")
            % {"number": order.number},
            field="state",
        )
    _close_pending(order, OrderLinkState.REFUSED, user, f"close: {reason}")
    order.state = OrderState.PARTLY_EXECUTED
    order.closed_at = timezone.now()
    order._history_user = user
    _save(order, f"close partly: {reason}", ["state", "closed_at"])
    return order


# --- the checker's findings -------------------------------------------------------------------
@transaction.atomic
def record_link_gone(order_link: OrderLink | int, when: datetime) -> bool:
    """A check at `when` found the link of a sent order unavailable (called by the checker,
    orders.checking): the order link is executed at that time, the link is marked blocked
    in the registry as the system, and the order is executed once no link is pending.

    Idempotent: False (nothing done) when the order link is no longer pending or its order
    no longer open."""
    pk = order_link.pk if isinstance(order_link, OrderLink) else order_link
    order_link = (
        OrderLink.objects.select_for_update(of=("self",))
        .select_related("order", "link")
        .filter(pk=pk)
        .first()
    )
    if order_link is None or order_link.state != OrderLinkState.PENDING:
        return False
    order = Order.objects.select_for_update(of=("self",)).get(pk=order_link.order_id)
    if order.state not in OPEN_ORDER_STATES or order.kind not in CLOCKED_KINDS:
        return False
    order_link.state = OrderLinkState.EXECUTED
    order_link.executed_at = when
    order_link._change_reason = "check: gone"
    order_link.save(update_fields=["state", "executed_at"])

    link = order_link.link
    if link.state == LinkState.BLOCKING_REQUESTED:
        reason = _("Automatic check %(at)s: unavailable; order %(number)s executed.") % {
            "at": timezone.localtime(when).strftime("%Y-%m-%d %H:%M"),
            "number": order.number,
        }
        # Moved meanwhile (removed, reappeared): the order link keeps its time all the same.
        with contextlib.suppress(registry_services.TransitionNotAllowed):
            registry_services.transition(link.pk, LinkState.BLOCKED, actor=None, reason=reason)
    _close_when_done(order, when, "check: all links gone")
    return True


def _close_when_done(order: Order, when: datetime, reason: str) -> None:
    """An open order with no pending link left is executed (partly, if some were refused)."""
    if order.state not in OPEN_ORDER_STATES:
        return
    if order.order_links.filter(state=OrderLinkState.PENDING).exists():
        return
    links = order.order_links
    if not links.filter(state=OrderLinkState.EXECUTED).exists():
        return  # every link revoked: the restoration notice tells the rest
    refused = links.filter(state=OrderLinkState.REFUSED).exists()
    order.state = OrderState.PARTLY_EXECUTED if refused else OrderState.EXECUTED
    order.closed_at = when
    _save(order, reason, ["state", "closed_at"])


def pending_order_links_of(link_ids: Iterable[int]):
    """Pending links of open blocking or repeated orders among these links (the checker's)."""
    return OrderLink.objects.filter(
        link_id__in=list(link_ids),
        state=OrderLinkState.PENDING,
        order__state__in=OPEN_ORDER_STATES,
        order__kind__in=CLOCKED_KINDS,
    )


def escalate_overdue(now: datetime | None = None) -> int:
    """Overdue pending links of open orders, not yet escalated: one portal notification per
    order to its prosecutor, and each order link marked escalated (once). The number of order
    links escalated. Concurrent runs skip each other's rows."""
    now = now or timezone.now()
    with transaction.atomic():
        overdue = list(
            OrderLink.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("order")
            .filter(
                state=OrderLinkState.PENDING,
                deadline_at__lt=now,
                escalated_at__isnull=True,
                order__state__in=OPEN_ORDER_STATES,
                order__kind__in=CLOCKED_KINDS,
            )
            .order_by("order_id", "id")
        )
        if not overdue:
            return 0
        by_order: dict[int, list[OrderLink]] = {}
        for order_link in overdue:
            by_order.setdefault(order_link.order_id, []).append(order_link)
        update_with_history(overdue, OrderLink, {"escalated_at": now}, reason="overdue")
        notes = []
        for order_links in by_order.values():
            order = order_links[0].order
            message = ngettext(
                "Order %(number)s to %(recipient)s: %(count)d link is overdue (deadline "
                "%(deadline)s). A repeated submission can be generated from the order.",
                "Order %(number)s to %(recipient)s: %(count)d links are overdue (deadline "
                "%(deadline)s). A repeated submission can be generated from the order.",
                len(order_links),
            ) % {
                "number": order.number,
                "recipient": order.recipient.name,
                "count": len(order_links),
                "deadline": timezone.localtime(min(ol.deadline_at for ol in order_links)).strftime(
                    "%Y-%m-%d %H:%M"
                ),
            }
            notes.append(
                Notification(
                    user_id=order.issued_by_id,
                    link_id=order_links[0].link_id if len(order_links) == 1 else None,
                    kind=NotificationKind.ORDER_OVERDUE,
                    message=message,
                    created_at=now,
                )
            )
        Notification.objects.bulk_create(notes)
    return len(overdue)


# --- follow-ups -------------------------------------------------------------------------------
@transaction.atomic
def create_repeated_order(user, order: Order, *, now: datetime | None = None) -> Order:
    """One click: a new draft, kind repeated, of the order's overdue pending links, to the
    same recipient on the same basis, following the order."""
    order = _locked_order(user, order)
    if order.kind not in CLOCKED_KINDS:
        raise OrderRefused(_("Only a blocking order is repeated."), field="kind")
    _require_state(order, *OPEN_ORDER_STATES, doing=pgettext("order step", "repeated"))
    now = now or timezone.now()
    overdue = list(
        order.order_links.filter(state=OrderLinkState.PENDING, deadline_at__lt=now)
        .values_list("link_id", flat=True)
    )  # fmt: skip
    if not overdue:
        raise OrderRefused(
            _("Order %(number)s has no overdue link to repeat.") % {"number": order.number},
            field="links",
        )
    return create_order(
        user,
        recipient=order.recipient,
        links=overdue,
        court_decision=order.court_decision,
        law_article=order.law_article,
        kind=OrderKind.REPEATED,
        parent=order,
        note=_("Repeated submission: order %(number)s of %(date)s is overdue.")
        % {"number": order.number, "date": order.date.strftime("%d.%m.%Y")},
        is_demo=order.is_demo,
    )


@transaction.atomic
def revoke_links(user, order: Order, links: Iterable, reason: str) -> Order:
    """Access is to be restored to some links of an order in force (a decision lifted, the
    content removed by its owner): a new draft restoration notice for them, following the
    order; their order links (in the order and its repeated submissions) are revoked."""
    reason = _require_reason(reason)
    order = _locked_order(user, order)
    if order.kind not in CLOCKED_KINDS:
        raise OrderRefused(_("Only a blocking order is revoked."), field="kind")
    _require_state(
        order,
        OrderState.SENT,
        OrderState.ACKNOWLEDGED,
        OrderState.EXECUTED,
        OrderState.PARTLY_EXECUTED,
        doing=pgettext("order step", "revoked"),
    )
    ids = _link_ids(links)
    if not ids:
        raise OrderRefused(_("Choose the links to restore."), field="links")
    in_order = {
        ol.link_id: ol
        for ol in order.order_links.filter(link_id__in=ids).exclude(state=OrderLinkState.REVOKED)
    }
    missing = [pk for pk in ids if pk not in in_order]
    if missing:
        raise OrderRefused(
            _("The link %(id)s is not in force in order %(number)s.")
            % {"id": missing[0], "number": order.number},
            field="links",
            link=missing[0],
        )
    now = timezone.now()
    revoked = list(
        OrderLink.objects.select_for_update(of=("self",))
        .filter(link_id__in=ids)
        .filter(Q(order=order) | Q(order__parent=order, order__kind=OrderKind.REPEATED))
        .exclude(state=OrderLinkState.REVOKED)
    )
    update_with_history(
        revoked,
        OrderLink,
        {"state": OrderLinkState.REVOKED, "revoked_at": now},
        user=user,
        reason=f"revoke: {reason}",
    )
    order._history_user = user
    _close_when_done(order, now, f"revoke: {reason}")
    notice = Order(
        number=next_number(timezone.localdate(now).year),
        date=timezone.localdate(now),
        kind=OrderKind.RESTORATION,
        parent=order,
        recipient=order.recipient,
        agency_id=order.agency_id,
        issued_by=user,
        court_decision=order.court_decision,
        law_article=order.law_article,
        created_at=now,
        note=reason,
        is_demo=order.is_demo,
    )
    notice._change_reason = f"restoration of {order.number}"[:100]
    notice._history_user = user
    notice.save()
    bulk_create_with_history(
        [OrderLink(order=notice, link_id=pk) for pk in ids],
        OrderLink,
        default_user=user,
        batch_size=1000,
    )
    return notice
