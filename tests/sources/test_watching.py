"""A watch cycle against a local site: new posts become links of the source's agency with
source "monitor", a second watch finds only repeats, failures are recorded on the source."""

from datetime import timedelta

import pytest
from django.utils import timezone

from registry.choices import ReportSource
from registry.models import Link, Report
from sources import watching
from sources.choices import SourceState
from sources.models import Source, SourceItem, SourceWatch
from tests.sources.site import posts

pytestmark = pytest.mark.django_db


def watch(*sources):
    return watching.watch_sources([s.pk for s in sources])


def test_new_posts_become_links_of_the_sources_agency_reported_by_its_monitor(
    feed_site, add, police
):
    feed_site.serve_feed("/feed.xml", posts("/post", 3))
    source = add(feed_site.url("/feed.xml"))

    [record] = watch(source)

    assert (record.found, record.new, record.repeats, record.registered) == (3, 3, 0, 3)
    assert record.pages == 1 and record.failure_code == "" and record.finished_at
    links = Link.objects.filter(source_items__source=source)
    assert sorted(link.url for link in links) == sorted(
        feed_site.url(f"/post/{n}") for n in range(3)
    )
    reports = Report.objects.filter(link__in=links)
    assert {r.source for r in reports} == {ReportSource.MONITOR}
    assert {r.agency_id for r in reports} == {police.agency_id}
    monitor = reports[0].user
    assert monitor.username == f"monitor.{police.agency.code}"
    assert not monitor.is_active and not monitor.has_usable_password()
    assert {link.first_reported_agency_id for link in links} == {police.agency_id}
    # The registry's trail says the monitor registered them, as a submission would.
    assert {link.history.earliest().history_user_id for link in links} == {monitor.pk}
    source.refresh_from_db()
    assert source.last_watched_at and source.consecutive_failures == 0
    assert source.next_watch_at > timezone.now() + timedelta(minutes=59)
    assert source.title == "Канал наблюдения"  # the feed's own title, as none was given
    item = SourceItem.objects.get(source=source, link__url=feed_site.url("/post/1"))
    assert item.excerpt == "Текст публикации номер 1." and item.text_sha256
    assert item.published_at is not None and item.watch == record


def test_a_second_watch_counts_repeats_and_registers_nothing(feed_site, add):
    feed_site.serve_feed("/feed.xml", posts("/post", 3))
    source = add(feed_site.url("/feed.xml"))
    watch(source)
    reports = Report.objects.count()

    feed_site.serve_feed("/feed.xml", posts("/post", 4))  # one new post on top
    [second] = watch(source)

    assert (second.found, second.new, second.repeats, second.registered) == (4, 1, 3, 1)
    assert Report.objects.count() == reports + 1
    [third] = watch(source)
    assert (third.found, third.new, third.repeats) == (4, 0, 4)
    assert Report.objects.count() == reports + 1
    assert SourceItem.objects.filter(source=source).count() == 4


def test_a_post_already_known_to_the_registry_is_reported_again_not_registered(
    feed_site, add, make_user
):
    from registry.services import submit_urls

    other = make_user("officer", kind="knb", region="KZ-75")
    submit_urls([feed_site.url("/post/0")], user=other)
    feed_site.serve_feed("/feed.xml", posts("/post", 2))
    source = add(feed_site.url("/feed.xml"))

    [record] = watch(source)

    assert (record.new, record.registered) == (2, 1)
    link = Link.objects.get(url=feed_site.url("/post/0"))
    assert link.first_reported_agency_id == other.agency_id and link.report_count == 2
    assert link.reports.filter(source=ReportSource.MONITOR, is_repeat=True).count() == 1


def test_two_agencies_watching_the_same_feed_each_get_their_items(feed_site, add, make_user):
    feed_site.serve_feed("/feed.xml", posts("/post", 2))
    knb = make_user("officer", kind="knb", region="KZ-11")
    mine, theirs = add(feed_site.url("/feed.xml")), add(feed_site.url("/feed.xml"), actor=knb)

    records = watch(mine, theirs)

    assert [r.new for r in records] == [2, 2]
    assert [r.registered for r in records] == [2, 0] or [r.registered for r in records] == [0, 2]
    for source in (mine, theirs):
        assert SourceItem.objects.filter(source=source).count() == 2
        assert Report.objects.filter(agency=source.agency, source="monitor").count() == 2


def test_a_page_that_is_not_a_feed_is_a_recorded_failure_not_an_empty_watch(feed_site, add):
    feed_site.serve("/feed.xml", b"<html><body>Maintenance</body></html>")
    source = add(feed_site.url("/feed.xml"))

    [record] = watch(source)

    assert record.failure_code and record.failure_detail and record.found == 0
    source.refresh_from_db()
    assert source.last_error_code == record.failure_code
    assert source.consecutive_failures == 1 and source.state == SourceState.ACTIVE
    # Backed off: twice the interval after the second failure in a row.
    before = timezone.now()
    watch(source)
    source.refresh_from_db()
    assert source.consecutive_failures == 2
    assert source.next_watch_at >= before + timedelta(minutes=119)


def test_a_source_answering_404_repeatedly_is_marked_gone(feed_site, add, settings):
    settings.SOURCES_GONE_AFTER = 2
    source = add(feed_site.url("/feed.xml"))  # nothing served there: 404

    [first] = watch(source)
    assert first.failure_code == "http_error" and first.status_code == 404
    source.refresh_from_db()
    assert source.state == SourceState.ACTIVE
    watch(source)
    source.refresh_from_db()
    assert source.state == SourceState.GONE and source.consecutive_failures == 2
    assert source.history.first().history_change_reason == "watch: gone"
    assert watch(source) == []  # a gone source is not watched


def test_a_success_after_failures_resets_the_count(feed_site, add):
    source = add(feed_site.url("/feed.xml"))
    watch(source)
    feed_site.serve_feed("/feed.xml", posts("/post", 1))
    [record] = watch(source)
    source.refresh_from_db()
    assert record.failure_code == "" and source.consecutive_failures == 0
    assert source.last_error_code == ""


def test_paused_and_demo_sources_are_never_fetched(feed_site, add, police, caplog):
    from sources import services

    feed_site.serve_feed("/feed.xml", posts("/post", 1))
    paused = add(feed_site.url("/feed.xml"))
    services.pause_source(paused.pk, actor=police)
    demo = add(feed_site.url("/other.xml"), demo=True)
    Source.objects.filter(pk=demo.pk).update(state=SourceState.ACTIVE)  # even if made active

    with caplog.at_level("INFO", logger="sources.watching"):
        assert watch(paused, demo) == []
    assert feed_site.hits == []
    assert "demo source: not fetched" in caplog.text
    assert watching.lease_due(timezone.now() + timedelta(days=1))[0] == []


def test_lease_takes_due_sources_once_and_a_stale_task_leaves_them(feed_site, add):
    feed_site.serve_feed("/feed.xml", posts("/post", 1))
    source = add(feed_site.url("/feed.xml"))
    now = timezone.now() + timedelta(seconds=1)

    ids, until = watching.lease_due(now)
    assert ids == [source.pk]
    assert watching.lease_due(now)[0] == []  # leased: not due again
    ids_again, until_again = watching.lease_due(until + timedelta(seconds=1))
    assert ids_again == [source.pk]  # the lease ran out (a lost worker)

    assert watching.watch_sources(ids, leased_until=until) == []  # re-leased since: not ours
    assert feed_site.hits == []
    assert len(watching.watch_sources(ids, leased_until=until_again)) == 1
    assert SourceWatch.objects.filter(source=source).count() == 1
