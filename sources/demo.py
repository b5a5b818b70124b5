"""Demo sources for `manage.py seed_demo`: a few watched channels and a feed of the demo
agency, marked `is_demo` and paused. They name real platforms, so nothing ever fetches them:
the lease skips demo sources, `watch_sources` leaves them out and resume refuses them. Their
items are the registry's demo links on those channels, with two weeks of watches, so that the
statistics and the dashboard have something to show. Idempotent."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from registry.models import Link
from sources import services
from sources.choices import MatchKind
from sources.models import Source, SourceItem, SourceWatch

DEMO_SOURCES = [
    ("https://t.me/demo_channel_1", "Демо-канал 1"),
    ("https://t.me/demo_channel_3", "Демо-канал 3"),
    ("https://vk.com/demo_wall_5", "Демо-стена ВКонтакте"),
    ("https://demo-propaganda-2.example/feed.xml", "Демо-лента RSS"),
]
DAYS = 14


def seed(stdout=None) -> str:
    if Source.objects.filter(is_demo=True).exists():
        return (
            f"Sources: {Source.objects.filter(is_demo=True).count()} demo sources already in place"
        )
    officer = User.objects.filter(username="demo_officer").first()
    if officer is None:
        return "Sources: skipped (the demo users are missing)"
    from materials.models import Material

    material = Material.objects.filter(is_demo=True).order_by("number").first()
    now = timezone.now()
    items = 0
    with transaction.atomic():
        for url, title in DEMO_SOURCES:
            source = services.add_source(actor=officer, url=url, title=title, demo=True)
            links = list(
                Link.objects.filter(is_demo=True, url__startswith=url.rstrip("/") + "/")
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            items += _history(source, links, material, now)
    return f"Sources: {len(DEMO_SOURCES)} demo sources (paused, never fetched), {items} items"


def _history(source: Source, links: list[int], material, now) -> int:
    """A watch a day for DAYS days; the source's demo links spread over them as new items,
    every fifth matched to the first demo material."""
    watches = SourceWatch.objects.bulk_create(
        SourceWatch(
            source=source,
            started_at=now - dt.timedelta(days=DAYS - day, hours=2),
            finished_at=now - dt.timedelta(days=DAYS - day, hours=2) + dt.timedelta(seconds=3),
            pages=1,
        )
        for day in range(DAYS)
    )
    rows = []
    for index, link_id in enumerate(links):
        watch = watches[index % DAYS]
        matched = material is not None and index % 5 == 0
        rows.append(
            SourceItem(
                source=source,
                link_id=link_id,
                watch=watch,
                first_seen_at=watch.started_at,
                published_at=watch.started_at - dt.timedelta(hours=1),
                views=100 + 37 * index,
                excerpt=f"Демо-публикация {index + 1}",
                material=material if matched else None,
                match_kind=MatchKind.EXACT if matched else "",
            )
        )
    SourceItem.objects.bulk_create(rows)
    for watch in watches:
        mine = [row for row in rows if row.watch_id == watch.pk]
        watch.found = watch.new = watch.registered = len(mine)
        watch.matched = sum(1 for row in mine if row.match_kind)
        watch.views = sum(row.views or 0 for row in mine)
    SourceWatch.objects.bulk_update(watches, ["found", "new", "registered", "matched", "views"])
    Source.objects.filter(pk=source.pk).update(last_watched_at=watches[-1].finished_at)
    return len(rows)
