"""An order's life: draft → signed → sent → acknowledged → executed | partly executed |
refused; withdrawn. Each step through orders.services, each kept in history, and the links
moving with it in the registry (with their trail)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders import services
from orders.choices import OrderKind, OrderLinkState, OrderState
from orders.errors import OrderConflict, OrderRefused
from orders.models import Order, OrderLink
from registry.choices import LinkState
from registry.models import StateChange

pytestmark = pytest.mark.django_db


def test_a_draft_gets_the_next_number_of_the_year(draft):
    first, second = draft(), draft()
    year = timezone.localdate().year
    assert first.number == f"ПР-{year}/000001"
    assert second.number == f"ПР-{year}/000002"
    assert first.state == OrderState.DRAFT
    assert first.order_links.count() == 2


def test_the_whole_path_from_draft_to_executed(draft, prosecutor):
    order = draft()
    services.sign_order(prosecutor, order)
    order.refresh_from_db()
    assert (order.state, order.signatory) == (OrderState.SIGNED, prosecutor)

    services.send_order(prosecutor, order)
    order.refresh_from_db()
    assert order.state == OrderState.SENT
    for order_link in order.order_links.select_related("link"):
        assert order_link.deadline_at == order.sent_at + timedelta(hours=24)
        assert order_link.link.state == LinkState.BLOCKING_REQUESTED
        change = StateChange.objects.get(
            link=order_link.link, to_state=LinkState.BLOCKING_REQUESTED
        )
        assert (change.document_number, change.actor) == (order.number, prosecutor)

    services.acknowledge_order(prosecutor, order)
    order.refresh_from_db()
    assert order.state == OrderState.ACKNOWLEDGED

    gone_at = timezone.now() - timedelta(minutes=5)
    first, second = order.order_links.order_by("id")
    assert services.record_link_gone(first, gone_at)
    order.refresh_from_db()
    assert order.state == OrderState.ACKNOWLEDGED  # one link still pending
    assert services.record_link_gone(second, gone_at)
    order.refresh_from_db()
    first.refresh_from_db()
    assert order.state == OrderState.EXECUTED
    assert (first.state, first.executed_at) == (OrderLinkState.EXECUTED, gone_at)
    assert first.link.state == LinkState.BLOCKED
    blocked = StateChange.objects.get(link=first.link, to_state=LinkState.BLOCKED)
    assert blocked.actor is None and order.number in blocked.reason

    reasons = list(
        order.history.order_by("history_date").values_list("history_change_reason", flat=True)
    )
    assert reasons == ["create", "sign", "send", "acknowledge", "check: all links gone"]


def test_record_link_gone_is_idempotent(sent_order):
    order = sent_order()
    order_link = order.order_links.first()
    assert services.record_link_gone(order_link, timezone.now())
    assert not services.record_link_gone(order_link, timezone.now())


def test_a_refused_order_refuses_its_pending_links(sent_order, prosecutor):
    order = sent_order()
    services.refuse_order(prosecutor, order, "The ministry found no grounds")
    order.refresh_from_db()
    assert order.state == OrderState.REFUSED
    assert set(order.order_links.values_list("state", flat=True)) == {OrderLinkState.REFUSED}


def test_partly_executed(sent_order, prosecutor):
    order = sent_order()
    services.record_link_gone(order.order_links.first(), timezone.now())
    services.close_partly(prosecutor, order, "The rest is out of the recipient's reach")
    order.refresh_from_db()
    assert order.state == OrderState.PARTLY_EXECUTED
    states = sorted(order.order_links.values_list("state", flat=True))
    assert states == [OrderLinkState.EXECUTED, OrderLinkState.REFUSED]


def test_a_refusal_after_some_links_went_is_partly_executed(sent_order, prosecutor):
    order = sent_order()
    services.record_link_gone(order.order_links.first(), timezone.now())
    services.refuse_order(prosecutor, order, "Refused the rest")
    order.refresh_from_db()
    assert order.state == OrderState.PARTLY_EXECUTED


@pytest.mark.parametrize("state", ["draft", "signed", "sent"])
def test_withdrawn_from_any_open_state(draft, prosecutor, state):
    order = draft()
    if state != "draft":
        services.sign_order(prosecutor, order)
    if state == "sent":
        services.send_order(prosecutor, order)
    services.withdraw_order(prosecutor, order, "Sent in error")
    order.refresh_from_db()
    assert order.state == OrderState.WITHDRAWN
    assert order.history.first().history_change_reason == "withdraw: Sent in error"


def test_steps_out_of_order_are_refused(draft, prosecutor):
    order = draft()
    with pytest.raises(OrderConflict):
        services.send_order(prosecutor, order)  # not signed
    with pytest.raises(OrderConflict):
        services.acknowledge_order(prosecutor, order)
    services.sign_order(prosecutor, order)
    with pytest.raises(OrderConflict):
        services.sign_order(prosecutor, order)
    with pytest.raises(OrderRefused):
        services.withdraw_order(prosecutor, order, "  ")  # a reason is required


def test_a_sent_order_cannot_change_its_links(sent_order, prosecutor, confirmed_link):
    order = sent_order()
    with pytest.raises(OrderConflict):
        services.add_links(prosecutor, order, [confirmed_link()])
    with pytest.raises(OrderConflict):
        services.update_draft(prosecutor, order, number="X-1")


def test_a_draft_is_edited(draft, prosecutor, confirmed_link):
    order = draft()
    extra = confirmed_link()
    services.add_links(prosecutor, order, [extra])
    assert order.order_links.count() == 3
    services.remove_links(prosecutor, order, [extra])
    assert order.order_links.count() == 2
    services.update_draft(prosecutor, order, number="ПР-2026/777", note="edited")
    order.refresh_from_db()
    assert (order.number, order.note) == ("ПР-2026/777", "edited")


def test_a_link_already_blocked_stays_blocked_when_sent_again(sent_order, confirmed_link):
    link = confirmed_link(state=LinkState.BLOCKED)
    order = sent_order(links=[link])
    link.refresh_from_db()
    assert link.state == LinkState.BLOCKED
    assert order.order_links.get().deadline_at is not None


def test_a_link_may_be_in_several_orders(sent_order, confirmed_link):
    link = confirmed_link()
    first, second = sent_order(links=[link]), sent_order(links=[link])
    assert set(link.orders.all()) == {first, second}
    assert services.record_link_gone(first.order_links.get(), timezone.now())
    assert services.record_link_gone(second.order_links.get(), timezone.now())


def test_repeated_order_from_the_overdue_links(sent_order, prosecutor):
    order = sent_order()
    first, second = order.order_links.order_by("id")
    services.record_link_gone(first, timezone.now())
    later = timezone.now() + timedelta(hours=25)
    repeated = services.create_repeated_order(prosecutor, order, now=later)
    assert repeated.kind == OrderKind.REPEATED
    assert repeated.parent == order
    assert repeated.state == OrderState.DRAFT
    assert (repeated.recipient, repeated.law_article) == (order.recipient, order.law_article)
    assert list(repeated.order_links.values_list("link_id", flat=True)) == [second.link_id]


def test_no_repeat_before_the_deadline(sent_order, prosecutor):
    order = sent_order()
    with pytest.raises(OrderRefused):
        services.create_repeated_order(prosecutor, order)


def test_revocation_makes_a_restoration_notice(sent_order, prosecutor):
    order = sent_order()
    first, second = order.order_links.order_by("id")
    services.record_link_gone(first, timezone.now())
    notice = services.revoke_links(prosecutor, order, [first.link], "The decision was lifted")
    first.refresh_from_db()
    assert (first.state, first.revoked_at is not None) == (OrderLinkState.REVOKED, True)
    assert notice.kind == OrderKind.RESTORATION
    assert notice.parent == order
    assert list(notice.order_links.values_list("link_id", flat=True)) == [first.link_id]
    services.sign_order(prosecutor, notice)
    services.send_order(prosecutor, notice)
    notice.refresh_from_db()
    assert notice.state == OrderState.SENT
    assert notice.order_links.get().deadline_at is None  # no clock on a restoration


def test_revoking_a_link_not_in_the_order_is_refused(sent_order, prosecutor, confirmed_link):
    order = sent_order()
    with pytest.raises(OrderRefused) as refused:
        services.revoke_links(prosecutor, order, [confirmed_link()], "lifted")
    assert refused.value.field == "links"
    assert Order.objects.count() == 1


def test_every_step_is_in_the_history_of_its_order_links(sent_order):
    order = sent_order()
    order_link = order.order_links.first()
    services.record_link_gone(order_link, timezone.now())
    reasons = list(
        OrderLink.history.filter(id=order_link.pk)
        .order_by("history_date")
        .values_list("history_change_reason", flat=True)
    )
    assert reasons == [None, "send", "check: gone"]
