"""Adding a selection of links to a draft order (orders.services.add_links_where_allowed and
the bulk action "add_to_order"): the links an order may cover are added, each other one is
refused with its reason, and an order that is not the user's draft refuses the whole action."""

import pytest
from django.utils import translation

from kibernadzor.errors import DomainError
from orders import services
from orders.errors import OrderConflict, OrderNotFound
from registry import bulk
from registry.choices import LinkState
from tests.registry.factories import LinkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def test_confirmed_links_are_added_and_the_others_refused_one_by_one(
    prosecutor, draft, confirmed_link, officer
):
    order = draft()
    already = order.order_links.values_list("link_id", flat=True)[0]
    extra = [confirmed_link(), confirmed_link()]
    fresh = LinkFactory(first_reported_by=officer)  # new: not confirmed illegal

    refusals = services.add_links_where_allowed(
        prosecutor, order, [*extra, fresh, already, 99_999_999]
    )

    assert set(refusals) == {fresh.pk, 99_999_999}
    assert "not confirmed illegal" in refusals[fresh.pk].message
    assert fresh.url not in refusals[fresh.pk].message  # groups by reason, not by URL
    assert set(order.order_links.values_list("link_id", flat=True)) >= {x.pk for x in extra}
    assert order.order_links.count() == 4


def test_the_bulk_action_adds_to_a_draft_and_summarises(prosecutor, draft, confirmed_link, officer):
    order = draft()
    extra = [confirmed_link() for _ in range(3)]
    fresh = [LinkFactory(first_reported_by=officer) for _ in range(2)]

    outcome = bulk.apply(
        prosecutor,
        "add_to_order",
        ids=[x.pk for x in extra + fresh],
        params={"order": str(order.pk)},
    )

    assert sorted(outcome.done) == sorted(x.pk for x in extra)
    [group] = outcome.reasons
    assert len(group["links"]) == 2 and group["reason"].startswith("The link is “new”")


def test_a_sent_order_or_someone_elses_draft_refuses_the_whole_action(
    prosecutor, sent_order, draft, other_region_prosecutor, confirmed_link, supervisor
):
    link = confirmed_link()
    sent = sent_order()
    with pytest.raises(OrderConflict):
        bulk.apply(prosecutor, "add_to_order", ids=[link.pk], params={"order": sent.pk})
    mine = draft()
    with pytest.raises(OrderNotFound):
        bulk.apply(
            other_region_prosecutor, "add_to_order", ids=[link.pk], params={"order": mine.pk}
        )
    with pytest.raises(DomainError, match="Only prosecutors"):
        bulk.apply(supervisor, "add_to_order", ids=[link.pk], params={"order": mine.pk})
    assert mine.order_links.filter(link=link).count() == 0
    assert link.state == LinkState.CONFIRMED
