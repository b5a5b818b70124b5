"""The report facts stay exact: every change through the services reaches the next report."""

import datetime as dt

from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from accounts.choices import Role
from accounts.models import Agency, Region
from checks.models import LinkStats
from registry import services as registry
from registry.choices import LinkState
from registry.models import Link, Report
from reporting import facts, services
from reporting.filters import ReportFilters
from reporting.models import (
    DailyCount,
    DirtyLink,
    LinkFact,
    MonthlyCount,
    NewRepeat,
    RepeatFact,
)
from reporting.tasks import refresh_facts
from tests.factories import UserFactory

MARCH = ReportFilters(date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 3, 31))


def fact_rows():
    columns = [f.attname for f in LinkFact._meta.concrete_fields]
    return {row[0]: row for row in LinkFact.objects.values_list(*columns).order_by("link_id")}


def test_a_report_counts_what_was_submitted_and_moved_a_moment_ago(world):
    before = services.summary(world.users.central, ReportFilters())
    results = registry.submit_urls(
        ["https://fresh.example/1", world.links.L4.url], user=world.users.officer75
    )
    new_id = next(r.link for r in results if r.status == "new")
    assert new_id in set(DirtyLink.objects.values_list("link_id", flat=True))
    repeat = Report.objects.filter(link=world.links.L4, is_repeat=True).latest("pk")
    # A repeat is noted as one new row to add, not as its link to recompute.
    assert list(NewRepeat.objects.values_list("report_id", flat=True)) == [repeat.pk]
    registry.transition(new_id, LinkState.UNDER_REVIEW, actor=world.users.central)
    after = services.summary(world.users.central, ReportFilters())
    assert after["registered"] == before["registered"] + 1
    assert after["repeats"] == before["repeats"] + 1
    assert after["pending"] == before["pending"] + 1
    assert not DirtyLink.objects.exists()  # the report refreshed what had changed
    assert not NewRepeat.objects.exists()


def test_every_kind_of_change_marks_the_link_for_refresh(world):
    L1, L3 = world.links.L1, world.links.L3
    central = world.users.central
    facts.refresh()
    registry.classify(L3.pk, actor=central, classification="terrorist")
    registry.attribute(L3.pk, actor=central, organization=world.organization)
    LinkStats.objects.filter(link=L1).update(views_at_blocking=999)
    assert set(DirtyLink.objects.values_list("link_id", flat=True)) == {L1.pk, L3.pk}
    facts.refresh()
    assert LinkFact.objects.get(pk=L3.pk).classification == "terrorist"
    assert LinkFact.objects.get(pk=L3.pk).organizations == [world.organization.pk]
    assert LinkFact.objects.get(pk=L1.pk).views_at_blocking == 999
    registry.attribute(L3.pk, actor=central, organization=world.organization, remove=True)
    facts.refresh()
    assert LinkFact.objects.get(pk=L3.pk).organizations is None


def test_moving_an_agency_to_another_region_moves_its_links(world):
    facts.refresh()
    police71 = world.agencies.police71
    Agency.objects.filter(pk=police71.pk).update(region=Region.objects.get(iso_code="KZ-75"))
    assert DirtyLink.objects.filter(link_id=world.links.L5.pk).exists()
    assert services.summary(world.users.regional_prosecutor, ReportFilters())["registered"] == 7


def daily_counts():
    columns = ["day", "dimension", "key", "confidential", *facts.COUNT_MEASURES]
    return {
        (model.__name__, *row)
        for model in (DailyCount, MonthlyCount)
        for row in model.objects.values_list(*columns)
        if any(row[4:])  # rows a change emptied may stay, all zero
    }


def test_incremental_facts_and_daily_counts_equal_a_rebuild(world):
    facts.refresh()
    central = world.users.central
    registry.submit_urls(
        ["https://fresh.example/2", world.links.L6.url], user=world.users.knb_officer
    )
    registry.transition(world.links.L3.pk, LinkState.UNDER_REVIEW, actor=central)
    registry.classify(world.links.L4.pk, actor=central, classification="terrorist")
    registry.attribute(world.links.L2.pk, actor=central, organization=world.organization)
    facts.refresh()
    incremental, counts = fact_rows(), daily_counts()
    assert len(incremental) == Link.objects.count()
    facts.rebuild()
    assert fact_rows() == incremental
    assert daily_counts() == counts


def test_the_daily_counts_hold_the_country_by_day(world):
    facts.refresh()
    totals = DailyCount.objects.filter(dimension="").aggregate(
        registered=Sum("registered"), repeats=Sum("repeats"), blocked=Sum("blocked")
    )
    assert totals == {"registered": 7, "repeats": 4, "blocked": 2}
    march_3 = DailyCount.objects.get(dimension="platform", key="youtube", day=dt.date(2025, 3, 3))
    assert (march_3.registered, march_3.requested, march_3.now_blocked) == (1, 1, 1)
    assert (march_3.views_detection, march_3.views_blocking) == (100, 250)


def test_facts_of_a_link_record_its_trail_repeats_and_members(world):
    facts.refresh()
    L3, L5 = LinkFact.objects.get(pk=world.links.L3.pk), LinkFact.objects.get(pk=world.links.L5.pk)
    a = world.agencies
    assert L3.first_reported_agency_id == a.knb75.pk
    assert sorted(L3.other_agencies) == sorted([a.police75.pk, a.police71.pk])
    assert sorted(L3.other_regions) == sorted({a.police75.region_id, a.police71.region_id})
    assert L5.blocked_at and L5.reappeared_at and L5.blocked_again is None
    assert L5.last_event_at == L5.reappeared_at
    assert L3.republished and not LinkFact.objects.get(pk=world.links.L1.pk).republished
    assert list(
        RepeatFact.objects.filter(link_id=L3.pk).order_by("at").values_list("agency", flat=True)
    ) == [a.police75.pk, a.police71.pk]


def test_a_link_blocked_again_counts_once_per_period(world, engine):
    L1, central = world.links.L1, world.users.central
    registry_services_free_trail(L1, [(LinkState.REAPPEARED, 3, 20), (LinkState.BLOCKED, 3, 25)])
    facts.refresh()
    if engine == "facts":
        assert LinkFact.objects.get(pk=L1.pk).blocked_again is not None
    assert services.summary(central, MARCH)["blocked"] == 2  # L1 (twice) and L5
    series = services.time_series(central, MARCH, "day")
    assert {r["period"].day: r["blocked"] for r in series if r["blocked"]} == {2: 1, 8: 1, 25: 1}
    months = services.time_series(central, MARCH, "month")
    assert months[0]["blocked"] == 2


def registry_services_free_trail(link, steps):
    """Append steps to a link's trail at given March dates (as the service would record them)."""
    from registry.models import StateChange
    from tests.reporting.conftest import at

    state = link.state
    for to_state, month, day in steps:
        StateChange.objects.create(
            link=link, from_state=state, to_state=to_state, at=at(month, day)
        )
        state = to_state
    Link.objects.filter(pk=link.pk).update(state=state)


def test_facts_are_visible_exactly_when_their_link_is(world, make_user):
    facts.refresh()
    others = [
        make_user(Role.SUPERVISOR, agency=world.agencies.police75),
        make_user(Role.ANALYST, region="KZ-75", kind="knb"),
        make_user(Role.ANALYST, region="KZ-71"),
        UserFactory(is_superuser=True),
    ]
    for user in [*vars(world.users).values(), *others]:
        links = set(Link.objects.restrict(user).values_list("pk", flat=True))
        fact_links = set(LinkFact.objects.restrict(user).values_list("link_id", flat=True))
        assert fact_links == links, user.username
        repeats = Report.objects.restrict(user).filter(is_repeat=True)
        repeat_facts = RepeatFact.objects.restrict(user).values_list("report_id", flat=True)
        assert set(repeat_facts) == set(repeats.values_list("pk", flat=True)), user.username


def test_refresh_task_and_rebuild_command(world, capsys):
    assert DirtyLink.objects.exists()
    assert refresh_facts.delay(batch=2).get() >= 7  # links, per batch of two notes
    assert not DirtyLink.objects.exists()
    call_command("rebuild_report_facts")
    assert "7 links" in capsys.readouterr().out
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reporting_linkfact")
        assert cursor.fetchone()[0] == 7


def test_bookkeeping_writes_do_not_mark_links(world):
    from django.db.models import F
    from django.utils import timezone

    facts.refresh()
    Link.objects.filter(pk=world.links.L1.pk).update(report_count=F("report_count") + 1)
    LinkStats.objects.filter(link=world.links.L1).update(last_checked_at=timezone.now())
    assert not DirtyLink.objects.exists()
    LinkStats.objects.filter(link=world.links.L1).update(views_at_detection=101)
    assert list(DirtyLink.objects.values_list("link_id", flat=True)) == [world.links.L1.pk]
