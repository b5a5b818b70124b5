"""Every report against figures computed by hand from the fixture in conftest.py."""

import datetime as dt

import pytest

from reporting import services
from reporting.filters import InvalidReportParameter, ReportFilters

pytestmark = pytest.mark.usefixtures("engine")

MARCH = ReportFilters(date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 3, 31))


def test_central_summary_of_march(world):
    assert services.summary(world.users.central, MARCH) == {
        "registered": 5,  # L1 L2 L3 L4 L6
        "repeats": 4,  # L3 twice, L4 once, L6 once
        "confirmed": 3,  # L1 L2 L6
        "blocked": 2,  # L1, L5
        "removed": 1,  # L2
        "reappeared": 1,  # L5
        "pending": 4,  # L3 new, L4 under review, L5 reappeared, L6 confirmed
    }


def test_regional_prosecutor_summary_covers_links_reported_in_the_region(world):
    # L1 L2 L6 (police-75), L3 (knb-75), L4 (repeated by knb-75); not L5 or L7.
    assert services.summary(world.users.regional_prosecutor, MARCH) == {
        "registered": 5,
        "repeats": 3,  # police-75 on L3, knb-75 on L4 and L6: the region's own repeats
        "confirmed": 3,
        "blocked": 1,
        "removed": 1,
        "reappeared": 0,
        "pending": 3,  # L3 L4 L6
    }


def test_officer_summary_covers_the_links_their_agency_reported(world):
    # L1 L2 L6 registered by police-75, L3 repeated by it.
    assert services.summary(world.users.officer75, MARCH) == {
        "registered": 4,
        "repeats": 1,
        "confirmed": 3,
        "blocked": 1,
        "removed": 1,
        "reappeared": 0,
        "pending": 2,
    }


def test_an_officer_counts_their_own_repeat_of_a_link_they_may_not_read(world):
    summary = services.summary(world.users.knb_officer, MARCH)
    assert summary["registered"] == 2  # L3 L4; not police-75's confidential L6
    assert summary["repeats"] == 2  # on L4, and on L6: their own report


def test_supervisor_of_another_agency_does_not_count_a_confidential_link(world):
    summary = services.summary(world.users.knb_supervisor, MARCH)
    assert summary["registered"] == 4  # L1 L2 L3 L4, not the confidential L6
    assert summary["confirmed"] == 2
    assert summary["pending"] == 2


def test_central_analyst_sees_the_country_without_others_confidential_links(world):
    assert services.summary(world.users.central_analyst, MARCH)["registered"] == 4


def test_auditor_sees_what_the_central_prosecutor_sees(world):
    assert services.summary(world.users.auditor, MARCH) == services.summary(
        world.users.central, MARCH
    )


def test_administrator_without_case_access_gets_zeros(world):
    assert set(services.summary(world.users.admin, MARCH).values()) == {0}


def test_without_dates_the_summary_is_all_time(world):
    summary = services.summary(world.users.central, ReportFilters())
    assert summary["registered"] == 7
    assert summary["removed"] == 2  # L2, L7
    assert summary["pending"] == 4


def test_dimensions_narrow_the_summary(world):
    youtube = services.summary(world.users.central, ReportFilters(platform="youtube"))
    assert (youtube["registered"], youtube["blocked"], youtube["pending"]) == (2, 1, 1)
    police75 = ReportFilters(agency=world.agencies.police75.pk)
    summary = services.summary(world.users.central, police75)
    assert summary["registered"] == 3  # L1 L2 L6
    assert summary["repeats"] == 1  # submitted by police-75 (on L3)
    region71 = ReportFilters(region=world.agencies.police71.region_id)
    assert services.summary(world.users.central, region71)["registered"] == 3  # L4 L5 L7
    organization = ReportFilters(organization=world.organization.pk)
    assert services.summary(world.users.central, organization)["registered"] == 1
    material = ReportFilters(material=world.material.pk, state="removed")
    assert services.summary(world.users.central, material)["removed"] == 1
    assert services.summary(world.users.central, ReportFilters(classification="terrorist")) == {
        "registered": 1, "repeats": 0, "confirmed": 1, "blocked": 0, "removed": 1,
        "reappeared": 0, "pending": 0,
    }  # fmt: skip


def test_daily_series_is_zero_filled_and_in_local_days(world):
    f = ReportFilters(date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 3, 12))
    series = services.time_series(world.users.central, f, "day")
    assert [row["period"] for row in series] == [dt.date(2025, 3, d) for d in range(1, 13)]
    by_day = {row["period"].day: row for row in series}
    assert [d for d, r in by_day.items() if r["registered"]] == [3, 4, 5, 7, 10]
    # L3's repeat at 00:30 local on 11 March is 10 March in UTC: it counts on the 11th.
    assert {d: r["repeats"] for d, r in by_day.items() if r["repeats"]} == {6: 1, 11: 1, 12: 1}
    assert {d: r["blocked"] for d, r in by_day.items() if r["blocked"]} == {2: 1, 8: 1}
    assert {d: r["removed"] for d, r in by_day.items() if r["removed"]} == {10: 1}
    assert by_day[1] == {"period": dt.date(2025, 3, 1), "registered": 0, "repeats": 0,
                         "blocked": 0, "removed": 0}  # fmt: skip


def test_weekly_and_monthly_series(world):
    f = ReportFilters(date_from=dt.date(2025, 2, 17), date_to=dt.date(2025, 3, 16))
    weeks = services.time_series(world.users.central, f, "week")
    assert [(w["period"], w["registered"], w["blocked"]) for w in weeks] == [
        (dt.date(2025, 2, 17), 1, 0),  # L5
        (dt.date(2025, 2, 24), 0, 1),  # L5 blocked on Sunday 2 March
        (dt.date(2025, 3, 3), 4, 1),  # L1 L2 L4 L6; L1 blocked
        (dt.date(2025, 3, 10), 1, 0),  # L3
    ]
    f = ReportFilters(date_from=dt.date(2024, 12, 1), date_to=dt.date(2025, 3, 31))
    months = services.time_series(world.users.central, f, "month")
    assert [(m["period"].month, m["registered"], m["removed"]) for m in months] == [
        (12, 1, 0),
        (1, 0, 1),
        (2, 1, 0),
        (3, 5, 1),
    ]


def test_series_without_dates_covers_the_last_thirty_days(world):
    series = services.time_series(world.users.central, ReportFilters(), "day")
    assert len(series) == 30


def test_series_refuses_an_unknown_bucket_and_too_many_periods(world):
    with pytest.raises(InvalidReportParameter) as error:
        services.time_series(world.users.central, ReportFilters(), "hour")
    assert error.value.field == "bucket"
    f = ReportFilters(date_from=dt.date(2000, 1, 1), date_to=dt.date(2025, 1, 1))
    with pytest.raises(InvalidReportParameter):
        services.time_series(world.users.central, f, "day")


def test_breakdown_by_agency(world):
    rows = {row["key"]: row for row in services.breakdown(world.users.central, MARCH, "agency")}
    a = world.agencies
    assert set(rows) == {a.police75.pk, a.knb75.pk, a.police71.pk}
    police75, knb75, police71 = rows[a.police75.pk], rows[a.knb75.pk], rows[a.police71.pk]
    assert police75["label"] == a.police75.name
    assert (police75["links"], police75["repeats"], police75["confirmed"]) == (3, 1, 3)
    assert (police75["blocked"], police75["removed"], police75["pending"]) == (1, 1, 1)
    assert (knb75["links"], knb75["repeats"], knb75["pending"]) == (1, 2, 1)
    assert (police71["links"], police71["repeats"], police71["blocked"]) == (1, 1, 1)
    assert (police71["reappeared"], police71["pending"]) == (1, 2)
    assert services.breakdown(world.users.central, MARCH, "agency")[0]["key"] == a.police75.pk


def test_breakdown_by_state_platform_classification(world):
    user = world.users.central
    states = {r["key"]: r["links"] for r in services.breakdown(user, MARCH, "state")}
    # L5 (now reappeared) was registered in February but blocked and reappeared in March.
    assert states == {"blocked": 1, "removed": 1, "new": 1, "under_review": 1, "confirmed": 1,
                      "reappeared": 0}  # fmt: skip
    platforms = {r["key"]: r["links"] for r in services.breakdown(user, MARCH, "platform")}
    assert platforms == {"youtube": 2, "telegram": 1, "web": 2, "vk": 0}
    labels = {r["key"]: r["label"] for r in services.breakdown(user, MARCH, "platform")}
    assert labels["youtube"] == "YouTube"
    classes = {r["key"]: r["links"] for r in services.breakdown(user, MARCH, "classification")}
    assert classes == {"extremist": 3, "terrorist": 1, "unclassified": 1}


def test_breakdown_by_region_organization_material(world):
    user = world.users.central
    regions = {r["key"]: r for r in services.breakdown(user, MARCH, "region")}
    r75, r71 = world.agencies.police75.region_id, world.agencies.police71.region_id
    assert (regions[r75]["links"], regions[r75]["repeats"]) == (4, 3)
    assert (regions[r71]["links"], regions[r71]["repeats"]) == (1, 1)
    orgs = {r["key"]: r for r in services.breakdown(user, MARCH, "organization")}
    assert orgs[world.organization.pk]["links"] == 1
    assert orgs[world.organization.pk]["blocked"] == 1
    assert orgs[None]["links"] == 4  # not attributed
    materials = {r["key"]: r for r in services.breakdown(user, MARCH, "material")}
    assert materials[world.material.pk]["removed"] == 1
    assert str(world.material.number) in materials[world.material.pk]["label"]


def test_breakdown_refuses_an_unknown_dimension(world):
    with pytest.raises(InvalidReportParameter) as error:
        services.breakdown(world.users.central, MARCH, "colour")
    assert error.value.field == "dimension"


def test_regional_breakdown_stays_in_scope(world):
    rows = services.breakdown(world.users.regional_prosecutor, MARCH, "agency")
    # L4 is police-71's link, visible through knb-75's repeat; the rest belong to region 75.
    assert {r["key"]: r["links"] for r in rows} == {
        world.agencies.police75.pk: 3,
        world.agencies.knb75.pk: 1,
        world.agencies.police71.pk: 1,
    }
    assert sum(r["repeats"] for r in rows) == 3


def test_time_to_block(world):
    report = services.time_to_block(world.users.central, MARCH)
    assert report["links"] == 2  # L1 120 h, L5 240 h
    assert report["median_hours"] == 180.0
    assert report["p90_hours"] == 228.0
    assert report["mean_hours"] == 180.0
    counts = {row["upper_hours"]: row["links"] for row in report["histogram"]}
    assert counts == {1: 0, 6: 0, 24: 0, 72: 0, 168: 1, 720: 1, 2160: 0, None: 0}
    regional = services.time_to_block(world.users.regional_prosecutor, MARCH)
    assert (regional["links"], regional["median_hours"]) == (1, 120.0)
    empty = services.time_to_block(world.users.admin, MARCH)
    assert (empty["links"], empty["median_hours"], empty["p90_hours"]) == (0, None, None)


def test_removal_rate_per_platform(world):
    rows = {r["platform"]: r for r in services.removal_rate(world.users.central, MARCH)}
    assert set(rows) == {"youtube", "telegram"}
    assert (rows["youtube"]["requested"], rows["youtube"]["blocked"]) == (1, 1)
    assert (rows["youtube"]["removal_rate"], rows["youtube"]["takedown_rate"]) == (0.0, 1.0)
    assert (rows["telegram"]["removed"], rows["telegram"]["removal_rate"]) == (1, 1.0)
    everything = services.removal_rate(world.users.central, ReportFilters())
    all_time = {r["platform"]: r for r in everything}
    assert all_time["vk"]["requested"] == 1  # L5, reappeared
    assert all_time["vk"]["takedown_rate"] == 0.0
    assert all_time["web"]["removed"] == 1  # L7


def test_views_at_detection_and_at_blocking(world):
    report = services.views(world.users.central, MARCH)
    assert report["total"] == {
        "links_measured": 3,
        "views_at_detection": 150,
        "links_blocked_measured": 2,
        "views_at_blocking": 290,
        "views_growth": 150,  # (250 + 40) − (100 + 40)
    }
    platforms = {row["platform"]: row for row in report["platforms"]}
    assert platforms["youtube"]["views_at_blocking"] == 250
    assert platforms["web"]["links_blocked_measured"] == 0
    knb = services.views(world.users.knb_officer, MARCH)["total"]
    assert (knb["links_measured"], knb["views_at_detection"]) == (1, 10)  # L3 only


def test_republications(world):
    report = services.republications(world.users.central, MARCH)
    assert report["total"] == {"republished_links": 1, "groups": 1}  # L3 republishes L1
    assert [(p["platform"], p["republished_links"]) for p in report["platforms"]] == [("web", 1)]
    groups = list(services.republication_groups(world.users.central, MARCH))
    assert [(g.pk, g.links_in_scope) for g in groups] == [(world.group.pk, 2)]
    # police-71 sees L3 (through its repeat) but not L1.
    groups = list(services.republication_groups(world.users.officer71, MARCH))
    assert [(g.pk, g.links_in_scope) for g in groups] == [(world.group.pk, 1)]
    assert services.republications(world.users.officer71, ReportFilters(platform="vk"))[
        "total"
    ] == {
        "republished_links": 0,
        "groups": 0,
    }


def test_yearly_summary_for_2025(world):
    report = services.yearly_summary(world.users.central, 2025)
    orgs = {row["classification"]: row for row in report["organizations"]}
    assert (orgs["extremist"]["in_year"], orgs["extremist"]["cumulative"]) == (1, 1)
    assert (orgs["terrorist"]["in_year"], orgs["terrorist"]["cumulative"]) == (0, 2)
    materials = {(r["classification"], r["kind"]): r for r in report["materials"]}
    assert len(materials) == 14  # 2 classifications × 7 kinds, zeros included
    video = materials["extremist", "video"]
    assert (video["in_year"], video["cumulative"]) == (1, 1)
    assert materials["terrorist", "print"]["cumulative"] == 1
    links = {row["measure"]: row for row in report["links"]}
    assert (links["handled"]["in_year"], links["handled"]["cumulative"]) == (6, 7)
    assert (links["blocked"]["in_year"], links["blocked"]["cumulative"]) == (2, 2)
    assert (links["removed"]["in_year"], links["removed"]["cumulative"]) == (2, 2)


def test_yearly_summary_counts_bans_in_force_at_the_end_of_that_year(world):
    report = services.yearly_summary(world.users.central, 2023)
    orgs = {row["classification"]: row for row in report["organizations"]}
    assert orgs["extremist"]["cumulative"] == 1  # lifted only in 2024
    materials = {(r["classification"], r["kind"]): r for r in report["materials"]}
    assert materials["extremist", "video"]["cumulative"] == 0  # excluded in 2022
    links = {row["measure"]: row for row in report["links"]}
    assert links["handled"]["cumulative"] == 0


def test_yearly_summary_link_figures_follow_the_scope(world):
    report = services.yearly_summary(world.users.officer71, 2025)
    links = {row["measure"]: row for row in report["links"]}
    # police-71: L4 L5 (and L3 through its repeat) in 2025, L7 in 2024.
    assert (links["handled"]["in_year"], links["handled"]["cumulative"]) == (3, 4)
    assert (links["removed"]["in_year"], links["blocked"]["in_year"]) == (1, 1)


def test_regional_breakdowns_by_attribution_count_the_rest_as_not_attributed(world):
    together = services.breakdowns(
        world.users.regional_prosecutor, MARCH, ["organization", "material", "platform"]
    )
    orgs = {r["key"]: r for r in together["organization"]}
    assert (orgs[world.organization.pk]["links"], orgs[world.organization.pk]["blocked"]) == (1, 1)
    assert (orgs[None]["links"], orgs[None]["confirmed"], orgs[None]["pending"]) == (4, 2, 3)
    materials = {r["key"]: r for r in together["material"]}
    assert (materials[world.material.pk]["links"], materials[world.material.pk]["removed"]) == (
        1,
        1,
    )
    assert materials[None]["links"] == 4
    alone = services.breakdown(world.users.regional_prosecutor, MARCH, "platform")
    assert together["platform"] == alone


def test_a_period_across_a_month_boundary(world):
    f = ReportFilters(date_from=dt.date(2025, 2, 21), date_to=dt.date(2025, 3, 4))
    assert services.summary(world.users.central, f) == {
        "registered": 2,  # L1 03-03, L2 03-04 (L5 on 02-20 is outside)
        "repeats": 0,
        "confirmed": 1,  # L5 02-22 (L1, L2 on 03-05 are outside)
        "blocked": 1,  # L5 03-02
        "removed": 0,
        "reappeared": 0,
        "pending": 1,  # registered by 03-04 and open now: L5
    }
