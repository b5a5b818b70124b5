"""The refresh after bursts: a repeat adds one fact row (its link is not recomputed), a
refresh never works on a link another refresh holds, and a report's own refresh is bounded."""

import threading
import time

import psycopg
from django.db import connection

from registry import services as registry
from registry.models import Report
from reporting import facts, services
from reporting.filters import ReportFilters
from reporting.models import DirtyLink, NewRepeat, RepeatFact
from reporting.tasks import refresh_facts
from tests.reporting.test_facts import daily_counts, fact_rows


def repeat_rows() -> dict[int, int]:
    """report id -> the transaction that wrote its RepeatFact row (xmin)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT report_id, xmin::text::bigint FROM reporting_repeatfact")
        return dict(cursor.fetchall())


def test_a_repeat_adds_one_fact_row_and_leaves_its_links_other_rows_alone(world):
    L3 = world.links.L3
    facts.refresh()
    before = repeat_rows()
    assert RepeatFact.objects.filter(link_id=L3.pk).count() == 2

    registry.submit_urls([L3.url], user=world.users.officer71)  # a third repeat of L3
    new = Report.objects.filter(link=L3, is_repeat=True).latest("pk")
    assert not DirtyLink.objects.filter(link_id=L3.pk).exists()
    assert list(NewRepeat.objects.values_list("report_id", flat=True)) == [new.pk]

    assert facts.refresh() == 1
    after = repeat_rows()
    assert set(after) == set(before) | {new.pk}
    assert {pk: after[pk] for pk in before} == before  # no other row was rewritten

    incremental, counts = fact_rows(), daily_counts()
    facts.rebuild()
    assert fact_rows() == incremental and daily_counts() == counts


def test_repeats_from_new_agencies_and_regions_equal_a_rebuild(world):
    facts.refresh()
    for user in (world.users.knb_officer, world.users.officer71, world.users.officer75):
        registry.submit_urls([world.links.L1.url, world.links.L7.url], user=user)
    facts.refresh()
    incremental, counts = fact_rows(), daily_counts()
    facts.rebuild()
    assert fact_rows() == incremental and daily_counts() == counts


def test_a_report_refreshes_a_bounded_amount_inline_and_beat_does_the_rest(world, monkeypatch):
    facts.refresh()
    monkeypatch.setattr(facts, "INLINE_REPEATS", 2)
    for _ in range(5):
        registry.submit_urls([world.links.L2.url], user=world.users.knb_officer)

    services.summary(world.users.central, ReportFilters())

    assert NewRepeat.objects.count() == 3
    assert refresh_facts.delay().get() == 3
    assert services.summary(world.users.central, ReportFilters())["repeats"] == 4 + 5


def hold_link(link_id: int, held: threading.Event, release: threading.Event) -> None:
    """Another refresher at work on `link_id`: its advisory lock, from another connection."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
        password=settings["PASSWORD"], dbname=settings["NAME"], autocommit=True,
    ) as other:  # fmt: skip
        other.execute("SET lock_timeout = '10s'")  # never hangs the suite
        other.execute("SELECT pg_advisory_lock(%s, %s)", [facts.LOCK_NAMESPACE, link_id])
        held.set()
        release.wait(30)


def test_a_report_does_not_wait_for_a_link_another_refresh_holds(world):
    facts.refresh()
    before = services.summary(world.users.central, ReportFilters())
    [fresh] = registry.submit_urls(["https://fresh.example/held"], user=world.users.officer71)
    registry.submit_urls([world.links.L4.url], user=world.users.officer71)
    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold_link, args=(fresh.link, held, release))
    holder.start()
    try:
        assert held.wait(10)
        started = time.monotonic()
        summary = services.summary(world.users.central, ReportFilters())
        elapsed = time.monotonic() - started
        left = list(DirtyLink.objects.values_list("link_id", flat=True))
    finally:
        release.set()
        holder.join()

    assert elapsed < 3.0  # the holder lets go only after the report (or after 10 s)
    assert left == [fresh.link]  # the held link waits for the next refresh
    assert summary["repeats"] == before["repeats"] + 1  # L4's repeat was added
    assert summary["registered"] == before["registered"]
    facts.refresh()  # the next refresh (beat's) takes it in: it waits for the link's lock
    after = services.summary(world.users.central, ReportFilters())
    assert after["registered"] == before["registered"] + 1
    assert not DirtyLink.objects.exists()
