"""The statistics of watched sources (sources.stats) against a Python oracle over random
watches and posts spread over six weeks, in local time (Asia/Almaty); each selector costs a
fixed number of queries however many sources, posts, watches or days it covers; and the
user sees only the statistics of sources they may read."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from accounts.choices import AgencyKind, Role
from registry.choices import ReportSource
from registry.services import submit_urls
from sources import services, stats
from sources.choices import MatchKind
from sources.models import SourceItem, SourceWatch

pytestmark = pytest.mark.django_db


def make_history(source, actor, seed: int, posts: int, watches: int, now):
    rng = random.Random(seed)
    answers = submit_urls(
        [f"https://t.me/{source.url.rsplit('/', 1)[1]}/{n}" for n in range(posts)],
        user=actor,
        source=ReportSource.MONITOR,
    )
    rows = SourceWatch.objects.bulk_create(
        SourceWatch(
            source=source,
            started_at=now - timedelta(minutes=rng.randint(0, 42 * 24 * 60)),
            found=rng.randint(0, 50),
            repeats=rng.randint(0, 40),
            new=rng.randint(0, 10),
            matched=rng.randint(0, 3),
            failure_code=rng.choice(["", "", "", "timeout", "not_found"]),
        )
        for _ in range(watches)
    )
    SourceItem.objects.bulk_create(
        SourceItem(
            source=source,
            link_id=answer.link,
            watch=rng.choice(rows),
            first_seen_at=now - timedelta(minutes=rng.randint(0, 42 * 24 * 60)),
            views=rng.choice([None, rng.randint(0, 5000)]),
            match_kind=rng.choice(["", "", "", MatchKind.EXACT, MatchKind.TLSH]),
        )
        for answer in answers
    )


@pytest.fixture
def world(make_user):
    police = make_user(Role.OFFICER, kind=AgencyKind.POLICE, region="KZ-75")
    knb = make_user(Role.OFFICER, kind=AgencyKind.KNB, region="KZ-71")
    now = timezone.now()
    sources = []
    for index, (actor, name) in enumerate(
        [(police, "alpha_chan"), (police, "beta_chan"), (knb, "gamma_chan"), (police, "quiet_chan")]
    ):
        source = services.add_source(actor=actor, url=f"https://t.me/{name}")
        if name != "quiet_chan":
            make_history(source, actor, seed=index, posts=40 + 20 * index, watches=30, now=now)
        sources.append(source)
    return {"police": police, "knb": knb, "sources": sources, "now": now}


def local_day(moment):
    return timezone.localtime(moment).date()


def test_daily_rows_agree_with_the_oracle_in_local_days(world, django_assert_num_queries):
    today = timezone.localdate()
    first = today - timedelta(days=stats.CHART_DAYS - 1)
    for source in world["sources"]:
        with django_assert_num_queries(2):
            rows = stats.daily(source, today=today)
        assert [row.day for row in rows] == [
            first + timedelta(days=n) for n in range(stats.CHART_DAYS)
        ]
        items = list(SourceItem.objects.filter(source=source))
        watches = list(SourceWatch.objects.filter(source=source))
        for row in rows:
            mine = [i for i in items if local_day(i.first_seen_at) == row.day]
            theirs = [w for w in watches if local_day(w.started_at) == row.day]
            assert row.posts == len(mine), row
            assert row.matched == sum(1 for i in mine if i.match_kind), row
            assert row.views == sum(i.views or 0 for i in mine), row
            assert row.repeats == sum(w.repeats for w in theirs), row
            assert row.watches == len(theirs), row
            assert row.failures == sum(1 for w in theirs if w.failure_code), row


def test_the_summary_agrees_with_the_oracle(world, django_assert_num_queries):
    for source in world["sources"]:
        with django_assert_num_queries(2):
            summary = stats.summary(source)
        items = list(SourceItem.objects.filter(source=source))
        watches = list(SourceWatch.objects.filter(source=source))
        assert summary.posts == len(items)
        assert summary.matched == sum(1 for i in items if i.match_kind)
        assert summary.views == sum(i.views or 0 for i in items)
        assert summary.watches == len(watches)
        assert summary.failed_watches == sum(1 for w in watches if w.failure_code)
        assert summary.repeats == sum(w.repeats for w in watches)
        assert summary.found == sum(w.found for w in watches)
        assert summary.last_post_at == max((i.first_seen_at for i in items), default=None)


def recent_oracle(source, now, days=stats.ACTIVITY_DAYS):
    since = now - timedelta(days=days)
    items = [i for i in SourceItem.objects.filter(source=source) if i.first_seen_at >= since]
    return len(items), sum(1 for i in items if i.match_kind)


def test_the_activity_of_each_row_agrees_with_the_oracle(world, django_assert_num_queries):
    from sources.selectors import sources_for

    user, now = world["police"], world["now"]
    sources_for(user).exists()  # the user's scope is read once per request
    with django_assert_num_queries(1):
        rows = list(stats.with_activity(sources_for(user), now=now))
    assert {row.pk for row in rows} == {
        s.pk for s in world["sources"] if s.agency_id == user.agency_id
    }
    for row in rows:
        recent, matched = recent_oracle(row, now)
        assert row.recent_posts == recent and row.recent_matched == matched
        assert row.posts_per_day == pytest.approx(recent / stats.ACTIVITY_DAYS)
        assert row.post_count == SourceItem.objects.filter(source=row).count()
        assert (
            row.matched_count
            == SourceItem.objects.filter(source=row).exclude(match_kind="").count()
        )


def test_most_active_and_newest_matches_are_the_users_own(world, django_assert_num_queries):
    now = world["now"]
    for user in (world["police"], world["knb"]):
        mine = [s for s in world["sources"] if s.agency_id == user.agency_id]
        user.agency  # noqa: B018 - the scope's agency, read once per request
        with django_assert_num_queries(1):
            active = stats.most_active(user, now=now)
        expected = sorted(
            (s for s in mine if recent_oracle(s, now)[0] > 0),
            key=lambda s: (-recent_oracle(s, now)[0], -s.pk),
        )
        assert [s.pk for s in active] == [s.pk for s in expected]
        with django_assert_num_queries(1):
            matches = stats.newest_matches(user, limit=5)
        oracle = sorted(
            SourceItem.objects.filter(source__in=mine).exclude(match_kind=""),
            key=lambda i: (i.first_seen_at, i.pk),
            reverse=True,
        )[:5]
        assert [i.pk for i in matches] == [i.pk for i in oracle]
        assert all(i.link_readable for i in matches)  # their own agency's links


def test_a_user_who_reads_no_source_gets_no_statistics(world, make_user):
    akimat = make_user(Role.OFFICER, kind=AgencyKind.AKIMAT, region="KZ-75")
    assert stats.most_active(akimat, now=world["now"]) == []
    assert stats.newest_matches(akimat) == []
    administrator = make_user(Role.ADMIN)
    assert stats.most_active(administrator, now=world["now"]) == []


@translation.override("en")
def test_failure_codes_are_said_in_words():
    assert stats.failure_label("not_found") == "Channel or page not found"
    assert stats.failure_label("timeout") == "the server did not answer in time"
    assert stats.failure_label("something_new") == "something_new"
    assert stats.failure_label("") == ""


def test_activity_set_on_a_page_of_sources_agrees_with_with_activity(
    world, django_assert_num_queries
):
    from sources.models import Source

    now = world["now"]
    page = list(Source.objects.order_by("pk"))
    with django_assert_num_queries(1):
        stats.activity(page, now=now)
    expected = {row.pk: row for row in stats.with_activity(Source.objects.all(), now=now)}
    for source in page:
        for name in stats.ACTIVITY_FIELDS:
            assert getattr(source, name) == getattr(expected[source.pk], name), name
