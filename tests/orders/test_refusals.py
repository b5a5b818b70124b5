"""Every refusal of bad input names what is wrong, and nothing is half-saved: no order, no
order link, no history record, no link moved."""

import pytest
from django.utils import translation

from orders import services
from orders.choices import OrderState
from orders.errors import OrderNotAllowed, OrderNotFound, OrderRefused
from orders.models import Order, OrderLink
from registry.choices import LinkState
from registry.models import StateChange
from tests.orders.conftest import ARTICLE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """The refusals are read in English here (the catalogues translate them to Russian)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def nothing_saved():
    assert not Order.objects.exists()
    assert not OrderLink.objects.exists()
    assert not Order.history.exists()
    assert not OrderLink.history.exists()


@pytest.mark.parametrize(
    "state", [LinkState.NEW, LinkState.UNDER_REVIEW, LinkState.REJECTED, LinkState.REMOVED]
)
def test_a_link_not_confirmed_illegal_is_refused_by_name(
    prosecutor, ministry, confirmed_link, state
):
    good, bad = confirmed_link(), confirmed_link(state=state)
    with pytest.raises(OrderRefused) as refused:
        services.create_order(
            prosecutor, recipient=ministry, links=[good, bad], law_article=ARTICLE
        )
    assert refused.value.field == "links"
    assert refused.value.details["link"] == bad.pk
    assert bad.url in refused.value.message
    nothing_saved()


def test_no_legal_basis_is_refused(prosecutor, ministry, confirmed_link):
    with translation.override("en"), pytest.raises(OrderRefused) as refused:
        services.create_order(prosecutor, recipient=ministry, links=[confirmed_link()])
    assert refused.value.field == "law_article"
    assert "legal basis" in refused.value.message
    nothing_saved()


def test_a_court_decision_is_a_legal_basis(prosecutor, ministry, confirmed_link):
    from decisions.models import CourtDecision

    decision = CourtDecision.objects.create(court="Суд г. Алматы", outcome="extremist")
    order = services.create_order(
        prosecutor, recipient=ministry, links=[confirmed_link()], court_decision=decision
    )
    assert order.court_decision == decision and order.law_article == ""


def test_a_recipient_without_deadline_rule_is_refused(
    prosecutor, no_deadline_recipient, confirmed_link
):
    with translation.override("en"), pytest.raises(OrderRefused) as refused:
        services.create_order(
            prosecutor,
            recipient=no_deadline_recipient,
            links=[confirmed_link()],
            law_article=ARTICLE,
        )
    assert refused.value.field == "recipient"
    assert "deadline" in refused.value.message
    nothing_saved()


def test_a_representative_takes_only_its_platforms(
    prosecutor, youtube_representative, confirmed_link
):
    with pytest.raises(OrderRefused) as refused:
        services.create_order(
            prosecutor,
            recipient=youtube_representative,
            links=[confirmed_link()],  # a web site, not YouTube
            law_article=ARTICLE,
        )
    assert refused.value.field == "links"
    nothing_saved()


@pytest.mark.parametrize("who", ["officer", "supervisor", "auditor", "analyst"])
def test_a_wrong_role_is_refused(request, who, ministry, confirmed_link):
    user = request.getfixturevalue(who)
    with pytest.raises(OrderNotAllowed):
        services.create_order(
            user, recipient=ministry, links=[confirmed_link()], law_article=ARTICLE
        )
    nothing_saved()


def test_another_regions_prosecutor_sees_neither_the_link_nor_the_order(
    other_region_prosecutor, draft, ministry, confirmed_link
):
    with pytest.raises(OrderRefused) as refused:
        services.create_order(
            other_region_prosecutor,
            recipient=ministry,
            links=[confirmed_link()],
            law_article=ARTICLE,
        )
    assert refused.value.field == "links"
    nothing_saved()
    order = draft()
    with pytest.raises(OrderNotFound):
        services.sign_order(other_region_prosecutor, order)
    order.refresh_from_db()
    assert order.state == OrderState.DRAFT


def test_a_document_that_fails_to_render_refuses_the_sending(draft, prosecutor, monkeypatch):
    order = draft()
    services.sign_order(prosecutor, order)
    history_before = Order.history.count()

    def broken(order, user):
        raise OrderRefused("The template failed to render: unknown tag {{ x", field="template")

    monkeypatch.setattr(services, "_documents_generator", lambda: broken)
    with pytest.raises(OrderRefused):
        services.send_order(prosecutor, order)
    order.refresh_from_db()
    assert order.state == OrderState.SIGNED and order.sent_at is None
    assert not order.order_links.filter(deadline_at__isnull=False).exists()
    assert not StateChange.objects.filter(to_state=LinkState.BLOCKING_REQUESTED).exists()
    assert Order.history.count() == history_before
    assert {o.link.state for o in order.order_links.all()} == {LinkState.CONFIRMED}


def test_a_recipient_whose_deadline_rule_was_removed_cannot_be_sent_to(draft, prosecutor, ministry):
    order = draft()
    services.sign_order(prosecutor, order)
    ministry.deadline_hours = None
    ministry.save()
    with pytest.raises(OrderRefused):
        services.send_order(prosecutor, order)
    order.refresh_from_db()
    assert order.state == OrderState.SIGNED


def test_a_taken_number_is_refused(draft, prosecutor):
    first = draft()
    with pytest.raises(OrderRefused) as refused:
        draft(number=first.number)
    assert refused.value.field == "number"
    assert Order.objects.count() == 1


def test_refusals_are_also_django_validation_errors(prosecutor, ministry, confirmed_link):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.create_order(prosecutor, recipient=ministry, links=[confirmed_link()])
    assert list(refused.value.message_dict) == ["law_article"]
