"""A batch of watches costs a fixed number of queries, whatever the number of sources in it
and of items in each: the items are registered, tied and counted set-based."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sources import watching
from sources.models import SourceItem
from sources.services import monitor_accounts
from tests.sources.site import posts

pytestmark = pytest.mark.django_db


def batch(feed_site, add, actors, prefix: str, sources: int, items: int):
    made = []
    for n in range(sources):
        path = f"/{prefix}/{n}.xml"
        feed_site.serve_feed(path, posts(f"/{prefix}/{n}/post", items))
        made.append(add(feed_site.url(path), actor=actors[n % len(actors)]))
    return [s.pk for s in made]


def queries(ids) -> int:
    with CaptureQueriesContext(connection) as captured:
        records = watching.watch_sources(ids)
    assert len(records) == len(ids)
    return len(captured)


def test_the_queries_of_a_batch_do_not_grow_with_sources_or_items(
    feed_site, add, police, make_user
):
    other = make_user("officer", kind="knb", region="KZ-11")
    actors = [police, other]
    monitor_accounts([police.agency_id, other.agency_id])  # made once, on first need
    small = batch(feed_site, add, actors, "small", sources=2, items=100)
    large = batch(feed_site, add, actors, "large", sources=6, items=200)

    first_small, first_large = queries(small), queries(large)
    assert SourceItem.objects.count() == 2 * 100 + 6 * 200
    assert first_small == first_large, (first_small, first_large)

    again_small, again_large = queries(small), queries(large)  # every item a repeat now
    assert again_small == again_large, (again_small, again_large)
    assert first_small <= 30
