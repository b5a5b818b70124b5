"""Who may do what with blocking orders (issue 14; docs/design.md §5.1): the rules for the
orders models and the role grants. Imported by OrdersConfig.ready().

Only prosecutors create, sign and send orders: regional prosecutors for the orders of their
region's agencies, central prosecutors everywhere. Officers and supervisors read the orders
that cover the links they may read (their agency's, their region's); auditors read all;
analysts see only the reports; administrators no case content. Documents follow their order;
an order's links too, except that officers and supervisors see only those of its links they
may read (another agency's confidential link stays hidden). Orders are never deleted: they
are withdrawn.
"""

from django.db.models import Exists, OuterRef, Q

from accounts import policy
from accounts.choices import Role
from accounts.policy import Reach, Scope
from accounts.roles import extend_role_permissions
from orders.models import (
    DocumentTemplate,
    FeedAccess,
    FeedSubscriber,
    Order,
    OrderDocument,
    OrderLink,
    Recipient,
)
from registry.access import visible_links
from registry.models import Link


def issues_orders(user) -> bool:
    return user.is_superuser or user.has_role(Role.PROSECUTOR)


def _issuing_scope(user, scope: Scope) -> Q | bool:
    """The orders a prosecutor may create and act on: those of their territory's agencies."""
    if not issues_orders(user):
        return False
    return scope.q(agency_field="agency")


def visible_orders(user, scope: Scope) -> Q | bool:
    """Orders the user may read: a prosecutor's or auditor's territory, or the orders that
    cover a link the user may read."""
    if user.is_superuser or user.has_role(Role.PROSECUTOR, Role.AUDITOR):
        return scope.q(agency_field="agency")
    links = visible_links(user, scope)
    if isinstance(links, bool):
        return links
    covered = OrderLink.objects.filter(
        order=OuterRef("pk"), link__in=Link.objects.filter(links).values("pk")
    )
    return Q(Exists(covered))


@policy.rule(Order)
def order_rule(user, action, scope):
    if action == "view":
        return visible_orders(user, scope)
    if action in ("add", "change"):
        return _issuing_scope(user, scope)
    return False  # orders are withdrawn, never deleted


def _through_order(decision: Q | bool) -> Q | bool:
    if isinstance(decision, bool):
        return decision
    return Q(order__in=Order.objects.filter(decision).values("pk"))


@policy.rule(OrderLink)
def order_link_rule(user, action, scope):
    if action == "view":
        if user.is_superuser or user.has_role(Role.PROSECUTOR, Role.AUDITOR):
            return _through_order(visible_orders(user, scope))
        # Officers and supervisors see, of an order covering their links, only the links
        # they may read themselves: never another agency's confidential link beside theirs.
        links = visible_links(user, scope)
        if isinstance(links, bool):
            return links
        return Q(link__in=Link.objects.filter(links).values("pk"))
    if action == "change":
        return _through_order(_issuing_scope(user, scope))
    return False  # added and removed only by orders.services with their order


@policy.rule(OrderDocument)
def order_document_rule(user, action, scope):
    if action == "view":
        if user.is_superuser or user.has_role(Role.PROSECUTOR, Role.AUDITOR):
            return _through_order(visible_orders(user, scope))
        # A document lists every link of its order: officers and supervisors read it only
        # when they may read every one of those links (never another agency's confidential
        # link through the document when the order page hides it).
        links = visible_links(user, scope)
        if isinstance(links, bool):
            return _through_order(visible_orders(user, scope)) if links else False
        unreadable = OrderLink.objects.filter(order=OuterRef("order")).exclude(
            link__in=Link.objects.filter(links).values("pk")
        )
        return Q(order__in=Order.objects.filter(visible_orders(user, scope)).values("pk")) & ~Q(
            Exists(unreadable)
        )
    if action == "add":
        return _through_order(_issuing_scope(user, scope))
    return False  # documents are append-only


@policy.rule(Recipient)
def recipient_rule(user, action, scope):
    # The directory is shared by every office; prosecutors keep it; recipients are
    # deactivated, never deleted (orders refer to them).
    if action == "view":
        return scope.reach > Reach.NONE
    if action in ("add", "change"):
        return issues_orders(user)
    return False


@policy.rule(DocumentTemplate)
@policy.rule(FeedSubscriber)
@policy.rule(FeedAccess)
def office_settings_rule(user, action, scope):
    # Shared by the whole service: prosecutors read them, central prosecutors change them,
    # auditors read them; never deleted (a template or subscriber is deactivated).
    if action == "view":
        return user.is_superuser or user.has_role(Role.PROSECUTOR, Role.AUDITOR)
    if action in ("add", "change"):
        return issues_orders(user) and scope.reach == Reach.COUNTRY
    return False


_READ = [
    "orders.view_order",
    "orders.view_orderlink",
    "orders.view_orderdocument",
    "orders.view_recipient",
]
_ISSUE = [
    "orders.add_order",
    "orders.change_order",
    "orders.change_orderlink",
    "orders.add_orderdocument",
    "orders.add_recipient",
    "orders.change_recipient",
]
_OFFICE = [
    "orders.view_documenttemplate",
    "orders.view_feedsubscriber",
    "orders.view_feedaccess",
]
_OFFICE_WRITE = [
    "orders.add_documenttemplate",
    "orders.change_documenttemplate",
    "orders.add_feedsubscriber",
    "orders.change_feedsubscriber",
]
_HISTORY = [
    "orders.view_historicalorder",
    "orders.view_historicalorderlink",
    "orders.view_historicalrecipient",
    "orders.view_historicaldocumenttemplate",
    "orders.view_historicalfeedsubscriber",
]
extend_role_permissions(
    {
        Role.OFFICER: [*_READ],
        Role.SUPERVISOR: [*_READ],
        Role.PROSECUTOR: [*_READ, *_ISSUE, *_OFFICE, *_OFFICE_WRITE, *_HISTORY],
        Role.AUDITOR: [*_READ, *_OFFICE, *_HISTORY],
    }
)
