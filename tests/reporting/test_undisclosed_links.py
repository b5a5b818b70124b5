"""Issue 12, hole 3: a repeat of a link the user may not read counts for them, but the link's
dimensions neither split nor filter it (reporting.access.repeat_disclosed).

In the fixture (conftest.py) knb-75 repeated police-75's confidential L6 (confirmed,
extremist, web) on 03-20; a KNB officer got only "known; contact police-75" for it."""

import csv
import datetime as dt
import io

import pytest
from django.utils import translation

from registry.choices import LinkClassification, LinkState
from registry.models import Link, LinkMaterial, LinkOrganization, Report
from reporting import services
from reporting.common import DIMENSIONS, UNDISCLOSED
from reporting.filters import ReportFilters
from tests.factories import AgencyFactory, UserFactory, region
from tests.reporting.oracle import LINK_DIMENSIONS

pytestmark = pytest.mark.usefixtures("engine")

MARCH = ReportFilters(date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 3, 31))


def _with(**dimensions) -> ReportFilters:
    return ReportFilters(date_from=MARCH.date_from, date_to=MARCH.date_to, **dimensions)


@pytest.fixture
def attributed_l6(world):
    """L6 attributed to the organization and the material too, so that filters by them would
    find it."""
    LinkOrganization.objects.create(link=world.links.L6, organization=world.organization)
    LinkMaterial.objects.create(link=world.links.L6, material=world.material)
    return world


def test_filters_by_the_link_do_not_reveal_a_confidential_link_of_another_agency(attributed_l6):
    world, knb = attributed_l6, attributed_l6.users.knb_officer
    assert services.summary(knb, MARCH)["repeats"] == 2  # L4, and its own report of L6
    # L6 is confirmed, extremist, on the web, attributed to O1 and M1: no filter may count it,
    # and a value it does not have answers as one it has. L4 (under review, extremist, youtube,
    # not attributed) is a link the KNB may read: its repeat counts where it matches.
    for dimensions, expected in (
        ({"state": LinkState.CONFIRMED}, 0),
        ({"state": LinkState.NEW}, 0),
        ({"classification": LinkClassification.EXTREMIST}, 1),  # L4
        ({"classification": LinkClassification.UNCLASSIFIED}, 0),
        ({"organization": world.organization.pk}, 0),
        ({"material": world.material.pk}, 0),
        ({"platform": "web"}, 0),
        ({"platform": "vk"}, 0),
    ):
        summary = services.summary(knb, _with(**dimensions))
        assert summary["repeats"] == expected, dimensions
        for bucket in ("day", "month"):
            series = services.time_series(knb, _with(**dimensions), bucket)
            assert sum(row["repeats"] for row in series) == expected, (dimensions, bucket)
    assert services.summary(knb, _with(state=LinkState.UNDER_REVIEW))["repeats"] == 1
    assert services.summary(knb, _with(platform="youtube"))["repeats"] == 1


def test_the_issue_reproduction_state_reappeared_and_new_answer_alike(world, django_user_model):
    # The issue: "?state=reappeared → repeats 1, ?state=new → 0". L6 made reappeared.
    Link.objects.filter(pk=world.links.L6.pk).update(state=LinkState.REAPPEARED)
    knb = world.users.knb_officer
    reappeared = services.summary(knb, _with(state=LinkState.REAPPEARED))
    new = services.summary(knb, _with(state=LinkState.NEW))
    assert reappeared["repeats"] == new["repeats"] == 0


def test_breakdowns_by_the_link_count_the_repeat_as_not_disclosed(attributed_l6):
    knb = attributed_l6.users.knb_officer
    with translation.override("en"):
        breakdowns = services.breakdowns(knb, MARCH, list(DIMENSIONS))
    for dimension in LINK_DIMENSIONS:
        rows = {row["key"]: row for row in breakdowns[dimension]}
        assert rows[UNDISCLOSED]["repeats"] == 1, dimension  # its own report of L6
        assert rows[UNDISCLOSED]["label"] == "not disclosed"
        assert rows[UNDISCLOSED]["links"] == 0
    states = {row["key"]: row["repeats"] for row in breakdowns["state"] if row["repeats"]}
    assert states == {LinkState.UNDER_REVIEW: 1, UNDISCLOSED: 1}  # L4; L6 not as "confirmed"
    # The report's own dimensions: knb-75 submitted it, in KZ-75.
    agencies = {row["key"]: row["repeats"] for row in breakdowns["agency"]}
    assert agencies[attributed_l6.agencies.knb75.pk] == 2
    regions = {row["key"]: row["repeats"] for row in breakdowns["region"]}
    assert regions[attributed_l6.agencies.knb75.region_id] == 2
    assert services.summary(knb, _with(agency=attributed_l6.agencies.knb75.pk))["repeats"] == 2


def test_those_who_may_read_the_link_still_see_it_under_its_own_values(attributed_l6):
    for user in (attributed_l6.users.regional_prosecutor, attributed_l6.users.central):
        states = {r["key"]: r["repeats"] for r in services.breakdown(user, MARCH, "state")}
        assert UNDISCLOSED not in states
        assert states[LinkState.CONFIRMED] == 1  # knb-75's repeat of L6
        assert services.summary(user, _with(state=LinkState.CONFIRMED))["repeats"] == 1


# --- a property over roles × agencies × regions ------------------------------------------------
@pytest.fixture
def everyone(attributed_l6):
    """The fixture's users, and a KZ-71 prosecutor and supervisor."""
    world = attributed_l6
    prosecutor71 = AgencyFactory(kind="prosecutor", region=region("KZ-71"))
    extra = [
        UserFactory(agency=prosecutor71, roles=["prosecutor"]),
        UserFactory(agency=world.agencies.police71, roles=["supervisor"]),
        UserFactory(agency=world.agencies.police75, roles=["analyst"]),
    ]
    return [*vars(world.users).values(), *extra]


def _expected_repeats(user, f: ReportFilters, dimension: str) -> dict:
    """The oracle, straight from the registry and the policy: every repeat the user may read
    in the period under its link's value when the user may read the link, else undisclosed."""
    readable = set(Link.objects.restrict(user, "view").values_list("pk", flat=True))
    repeats = Report.objects.restrict(user, "view").filter(
        is_repeat=True, submitted_at__gte=f.start, submitted_at__lt=f.end
    )
    expected: dict = {}
    for report in repeats.select_related("link", "agency"):
        link = report.link
        if dimension == "agency":
            keys = [report.agency_id]
        elif dimension == "region":
            keys = [report.agency.region_id]
        elif link.pk not in readable:
            keys = [UNDISCLOSED]
        elif dimension == "organization":
            keys = list(link.linkorganization_set.values_list("organization_id", flat=True))
        elif dimension == "material":
            keys = list(link.linkmaterial_set.values_list("material_id", flat=True))
        else:
            keys = [getattr(link, dimension)]
        for key in keys or [None]:
            expected[key] = expected.get(key, 0) + 1
    return expected


def _expected_links(user, f: ReportFilters, dimension: str) -> dict:
    """The oracle for links registered in the period: those the policy lets the user read."""
    links = Link.objects.restrict(user, "view").filter(
        first_reported_at__gte=f.start, first_reported_at__lt=f.end
    )
    expected: dict = {}
    for link in links.select_related("first_reported_agency"):
        if dimension == "agency":
            keys = [link.first_reported_agency_id]
        elif dimension == "region":
            keys = [link.first_reported_agency.region_id]
        elif dimension == "organization":
            keys = list(link.linkorganization_set.values_list("organization_id", flat=True))
        elif dimension == "material":
            keys = list(link.linkmaterial_set.values_list("material_id", flat=True))
        else:
            keys = [getattr(link, dimension)]
        for key in keys or [None]:
            expected[key] = expected.get(key, 0) + 1
    return expected


def test_breakdowns_sum_to_the_summary_and_hide_what_the_user_may_not_read(everyone):
    for user in everyone:
        summary = services.summary(user, MARCH)
        breakdowns = services.breakdowns(user, MARCH, list(DIMENSIONS))
        for dimension, rows in breakdowns.items():
            # In the fixture a link has at most one organization and one material.
            for measure, total in summary.items():
                assert sum(row[measure] for row in rows) == total, (user, dimension, measure)
            repeats = {row["key"]: row["repeats"] for row in rows if row["repeats"]}
            assert repeats == _expected_repeats(user, MARCH, dimension), (user, dimension)
            # A bucket of a link's value holds only links the user may read.
            registered = {row["key"]: row["registered"] for row in rows if row["registered"]}
            assert registered == _expected_links(user, MARCH, dimension), (user, dimension)
            # A bucket of the link's value holds exactly what the filter by it counts.
            if dimension in ("platform", "state", "classification"):
                for row in rows:
                    if row["key"] == UNDISCLOSED:
                        continue
                    filtered = services.summary(user, _with(**{dimension: row["key"]}))
                    assert filtered["repeats"] == row["repeats"], (user, dimension, row["key"])
                    assert filtered["registered"] == row["registered"]


# --- over HTTP, as the issue reproduced it -------------------------------------------------------
def test_the_summary_endpoint_and_the_csv_breakdown_answer_alike_for_any_state(world, api_client):
    Link.objects.filter(pk=world.links.L6.pk).update(state=LinkState.REAPPEARED)
    api_client.force_authenticate(world.users.knb_officer)
    params = {"date_from": "2025-03-01", "date_to": "2025-03-31"}

    def repeats(**more):
        response = api_client.get("/api/v1/reports/summary/", {**params, **more})
        assert response.status_code == 200, response.content
        return response.json()["repeats"]

    assert repeats() == 2
    assert repeats(state="reappeared") == repeats(state="new") == 0
    response = api_client.get(
        "/api/v1/reports/breakdowns/state/",
        {**params, "format": "csv"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_key = {row[0]: row[3] for row in rows[1:]}  # key, name, links, repeats, …
    assert "reappeared" not in by_key
    assert by_key["undisclosed"] == "1"
