"""Links move with their orders through the registry's own table and policy, set-based
(registry.services.transition_many): one StateChange and one history record per link, all or
nothing, and the record agrees with itself (check_record)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kibernadzor.errors import NotAllowed
from registry import services
from registry.choices import LinkState
from registry.models import Link, StateChange
from registry.selectors import record_disagreements

pytestmark = pytest.mark.django_db


def test_many_links_move_at_once_with_their_trail_and_history(prosecutor, confirmed_link):
    links = [confirmed_link() for _ in range(30)]
    with CaptureQueriesContext(connection) as queries:
        changes = services.transition_many(
            [link.pk for link in links],
            LinkState.BLOCKING_REQUESTED,
            actor=prosecutor,
            reason="Order 1",
            document_number="ПР-2026/000001",
            document_date="2026-12-01",
        )
    assert len(changes) == 30
    assert len(queries) < 15  # set-based: not one round of queries per link
    assert set(Link.objects.values_list("state", flat=True)) == {LinkState.BLOCKING_REQUESTED}
    assert StateChange.objects.filter(document_number="ПР-2026/000001").count() == 30
    latest = links[0].history.first()
    assert latest.history_user == prosecutor
    assert latest.history_change_reason == "request_blocking: Order 1"
    assert record_disagreements() == []


def test_one_link_that_may_not_move_refuses_the_batch(prosecutor, confirmed_link):
    good, bad = confirmed_link(), confirmed_link(state=LinkState.NEW)
    with pytest.raises(services.TransitionNotAllowed) as refused:
        services.transition_many(
            [good.pk, bad.pk],
            LinkState.BLOCKING_REQUESTED,
            actor=prosecutor,
            document_number="1",
            document_date="2026-12-01",
        )
    assert bad.url in refused.value.message
    good.refresh_from_db()
    assert good.state == LinkState.CONFIRMED
    assert not StateChange.objects.exists()


def test_the_policy_and_the_roles_still_decide(officer, other_region_prosecutor, confirmed_link):
    link = confirmed_link()
    with pytest.raises(NotAllowed):
        services.transition_many(
            [link.pk], LinkState.BLOCKED, actor=officer, reason="no"
        )  # an officer may not change links
    with pytest.raises(services.LinkNotFound):
        services.transition_many(
            [link.pk],
            LinkState.BLOCKING_REQUESTED,
            actor=other_region_prosecutor,
            document_number="1",
            document_date="2026-12-01",
        )
    assert not StateChange.objects.exists()
