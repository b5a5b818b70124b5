"""Reads of blocking orders: what each user sees, what must be blocked now, what is overdue."""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from accounts import policy
from orders.choices import (
    CLOCKED_KINDS,
    IN_FORCE_ORDER_STATES,
    OPEN_ORDER_STATES,
    OrderLinkState,
    OrderState,
)
from orders.models import Order, OrderLink, Recipient
from registry.choices import LinkState


def orders_for(user) -> QuerySet[Order]:
    """The orders the user may read (orders.access), newest first."""
    return Order.objects.restrict(user, "view").select_related(
        "recipient", "agency", "issued_by", "signatory", "court_decision", "parent"
    )


def drafts_for(user) -> QuerySet[Order]:
    """The draft orders the user may change (to add links to), newest first."""
    drafts = orders_for(user).filter(state=OrderState.DRAFT)
    return policy.restrict(drafts, user, "change").order_by("-created_at", "-id")


def order_links_for(user, order: Order | None = None) -> QuerySet[OrderLink]:
    queryset = OrderLink.objects.restrict(user, "view").select_related("link", "order")
    return queryset.filter(order=order) if order is not None else queryset


def recipients_for(user, *, active_only: bool = True) -> QuerySet[Recipient]:
    queryset = Recipient.objects.restrict(user, "view")
    return queryset.filter(active=True) if active_only else queryset


def blocked_now() -> QuerySet[OrderLink]:
    """What must be blocked now (the feed; not restricted: the feed authenticates providers):
    the links of blocking or repeated orders with the recipient or executed, neither revoked
    nor since rejected. A link in several orders appears once per order."""
    return (
        OrderLink.objects.filter(
            order__kind__in=CLOCKED_KINDS,
            order__state__in=IN_FORCE_ORDER_STATES,
        )
        .exclude(state=OrderLinkState.REVOKED)
        .exclude(link__state=LinkState.REJECTED)
    )


def overdue_order_links(user, now: datetime | None = None) -> QuerySet[OrderLink]:
    """Pending links of open orders past their deadline, that the user may read."""
    now = now or timezone.now()
    return OrderLink.objects.restrict(user, "view").filter(
        state=OrderLinkState.PENDING,
        deadline_at__lt=now,
        order__state__in=OPEN_ORDER_STATES,
        order__kind__in=CLOCKED_KINDS,
    )


def overdue_orders(user, now: datetime | None = None) -> QuerySet[Order]:
    """Open orders with at least one overdue link (the dashboard's "overdue orders")."""
    overdue = overdue_order_links(user, now).values("order_id")
    return orders_for(user).filter(pk__in=overdue)


def overdue_orders_count(user, now: datetime | None = None) -> int:
    return overdue_orders(user, now).count()


def orders_of_link(user, link) -> QuerySet[Order]:
    """The orders that covered a link over time (its trail shows them)."""
    return orders_for(user).filter(order_links__link=link).distinct()


# The codes orders.services writes as a history record's change reason: "<code>" or
# "<code>: <the prosecutor's words>" ("check: gone" is the automatic check's).
_REASON_CODES = {
    "create": pgettext_lazy("order history", "created"),
    "edit": pgettext_lazy("order history", "edited"),
    "sign": pgettext_lazy("order history", "signed"),
    "send": pgettext_lazy("order history", "sent"),
    "acknowledge": pgettext_lazy("order history", "acknowledged by the recipient"),
    "withdraw": pgettext_lazy("order history", "withdrawn"),
    "refuse": pgettext_lazy("order history", "refused"),
    "close": pgettext_lazy("order history", "closed"),
    "close partly": pgettext_lazy("order history", "closed partly"),
    "revoke": pgettext_lazy("order history", "revoked"),
    "overdue": pgettext_lazy("order history", "overdue"),
    "check": pgettext_lazy("order history", "automatic check"),
}
_CHECK_WORDS = {
    "gone": pgettext_lazy("order history", "the content is gone"),
    "all links gone": pgettext_lazy("order history", "every link is gone"),
}


def change_reason_label(text: str | None) -> str:
    """An order's history reason as people read it ("refuse: …" becomes "refused: …" in the
    reader's language); words that are not a code are kept as written."""
    if not text:
        return ""
    code, sep, words = text.partition(": ")
    label = _REASON_CODES.get(code)
    if label is None:
        return text
    if code == "check":
        words = str(_CHECK_WORDS.get(words, words))
    return f"{label}: {words}" if sep else str(label)
