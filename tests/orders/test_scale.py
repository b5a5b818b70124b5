"""An order of 1,000 links is created, signed and sent in a fixed number of queries (set-based
all the way: order links, deadlines, the registry moves and their history), not one round of
queries per link."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders import services
from registry import services as registry_services
from registry.choices import LinkState
from registry.models import Link, StateChange
from tests.orders.conftest import ARTICLE

pytestmark = pytest.mark.django_db

SIZE = 1000


def test_an_order_of_a_thousand_links(officer, prosecutor, ministry, monkeypatch):
    monkeypatch.setattr(services, "_documents_generator", lambda: None)  # orders-docs' part
    urls = [f"https://propaganda.example/scale/{n}" for n in range(SIZE)]
    registry_services.submit_urls(urls, user=officer)
    ids = list(Link.objects.values_list("pk", flat=True))
    registry_services.transition_many(ids, LinkState.UNDER_REVIEW, actor=prosecutor)
    registry_services.transition_many(
        ids, LinkState.CONFIRMED, actor=prosecutor, reason="ok", classification="extremist"
    )

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        order = services.create_order(
            prosecutor, recipient=ministry, links=ids, law_article=ARTICLE
        )
        services.sign_order(prosecutor, order)
        services.send_order(prosecutor, order)
    elapsed = time.perf_counter() - started
    print(f"order of {SIZE} links: create + sign + send in {elapsed:.2f} s, {len(queries)} queries")

    assert len(queries) < 80
    assert order.order_links.filter(deadline_at__isnull=False).count() == SIZE
    assert StateChange.objects.filter(to_state=LinkState.BLOCKING_REQUESTED).count() == SIZE
