"""Work queues seen from the outside: which links each role finds in each queue (the queue's
page and its count in the navigation), per agency and region, against a written oracle."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.choices import AgencyKind, Role
from registry import queues, services
from registry.choices import LinkState
from registry.models import Link
from tests.factories import AgencyFactory, UserFactory, region
from tests.portal.conftest import browser_for, page
from tests.registry.factories import LinkFactory

QUEUES = ("review", "decision", "assigned", "overdue", "reappeared")


@pytest.fixture(autouse=True)
def fresh_counts():
    """The counts are cached per user id; ids come back with a new test database."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db, central_agency):
    """Three agencies in two regions, their people, and links in every kind of queue.

    A: police of KZ-75, B: KNB of KZ-75 (same region), C: police of KZ-71."""
    a = AgencyFactory(kind=AgencyKind.POLICE, region=region("KZ-75"))
    b = AgencyFactory(kind=AgencyKind.KNB, region=region("KZ-75"))
    c = AgencyFactory(kind=AgencyKind.POLICE, region=region("KZ-71"))
    p75 = AgencyFactory(kind=AgencyKind.PROSECUTOR, region=region("KZ-75"))
    people = {
        "officer_a": UserFactory(agency=a, roles=[Role.OFFICER]),
        "officer_b": UserFactory(agency=b, roles=[Role.OFFICER]),
        "officer_c": UserFactory(agency=c, roles=[Role.OFFICER]),
        "supervisor_a": UserFactory(agency=a, roles=[Role.SUPERVISOR]),
        "supervisor_c": UserFactory(agency=c, roles=[Role.SUPERVISOR]),
        "prosecutor_75": UserFactory(agency=p75, roles=[Role.PROSECUTOR]),
        "prosecutor_central": UserFactory(agency=central_agency, roles=[Role.PROSECUTOR]),
        "analyst_75": UserFactory(agency=p75, roles=[Role.ANALYST]),
        "admin": UserFactory(agency=central_agency, roles=[Role.ADMIN], is_staff=True),
    }
    today = timezone.localdate()
    by = {"a": people["officer_a"], "b": people["officer_b"], "c": people["officer_c"]}

    def link(name, reporter, state, **fields):
        made = LinkFactory(
            first_reported_by=by[reporter], raw_url=f"https://propaganda.example/{name}"
        )
        Link.objects.filter(pk=made.pk).update(state=state, **fields)
        return made.pk

    links = {
        "L1": link("L1", "a", LinkState.NEW),
        "L2": link(
            "L2",
            "a",
            LinkState.UNDER_REVIEW,
            assigned_agency=a,
            assigned_user=people["officer_a"],
            due_date=today - timedelta(days=1),
        ),
        "L3": link("L3", "b", LinkState.EXPERT_EXAMINATION),
        "L4": link("L4", "c", LinkState.CONFIRMED),
        "L5": link("L5", "a", LinkState.REAPPEARED),
        "L6": link("L6", "c", LinkState.NEW),
        # Blocked: closed, so never overdue, whatever its due date.
        "L7": link(
            "L7", "a", LinkState.BLOCKED, assigned_agency=a, due_date=today - timedelta(days=3)
        ),
        # Reported in KZ-71, assigned to A's officer: A and its region see it.
        "L8": link(
            "L8",
            "c",
            LinkState.UNDER_REVIEW,
            assigned_agency=a,
            assigned_user=people["officer_a"],
            due_date=today + timedelta(days=5),
        ),
        # Due today is not overdue yet.
        "L9": link("L9", "c", LinkState.BLOCKING_REQUESTED, assigned_agency=c, due_date=today),
    }
    return people, links


# user -> queue -> the links in it (None: the queue is not theirs: not offered, 404).
ORACLE = {
    "officer_a": {
        "review": {"L1", "L2", "L8"},
        "decision": None,
        "assigned": {"L2", "L8"},
        "overdue": {"L2"},
        "reappeared": {"L5"},
    },
    "officer_b": {
        "review": set(),
        "decision": None,
        "assigned": set(),
        "overdue": set(),
        "reappeared": set(),
    },
    "officer_c": {
        "review": {"L6", "L8"},
        "decision": None,
        "assigned": set(),
        "overdue": set(),
        "reappeared": set(),
    },
    "supervisor_a": {
        "review": {"L1", "L2", "L8"},
        "decision": None,
        "assigned": set(),
        "overdue": {"L2"},
        "reappeared": {"L5"},
    },
    "supervisor_c": {
        "review": {"L6", "L8"},
        "decision": None,
        "assigned": set(),
        "overdue": set(),
        "reappeared": set(),
    },
    "prosecutor_75": {
        "review": None,
        "decision": {"L2", "L3", "L8"},
        "assigned": set(),
        "overdue": {"L2"},
        "reappeared": {"L5"},
    },
    "prosecutor_central": {
        "review": None,
        "decision": {"L2", "L3", "L4", "L8"},
        "assigned": set(),
        "overdue": {"L2"},
        "reappeared": {"L5"},
    },
    "analyst_75": {
        "review": None,
        "decision": None,
        "assigned": None,
        "overdue": {"L2"},
        "reappeared": {"L5"},
    },
    "admin": dict.fromkeys(QUEUES),
}


def listed(client, queue: str, names: dict) -> set[str] | None:
    response = client.get(f"/links/?queue={queue}")
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    hrefs = page(response).xpath("//section[@id='results']//a[@class='link-ref']/@href")
    ids = {int(re.search(r"/links/(\d+)/", href).group(1)) for href in hrefs}
    return {name for name, pk in names.items() if pk in ids}


def nav_counts(client) -> dict[str, int]:
    doc = page(client.get("/"))
    return {
        a.get("data-queue"): int(a.xpath("string(.//span[contains(@class, 'count')])"))
        for a in doc.xpath("//ul[contains(@class, 'nav-queues')]//a[@data-queue]")
    }


@pytest.mark.parametrize("who", list(ORACLE))
def test_each_user_finds_in_each_queue_exactly_the_links_of_its_definition(world, who):
    people, links = world
    client = browser_for(people[who])
    found = {queue: listed(client, queue, links) for queue in QUEUES}
    assert found == ORACLE[who]


@pytest.mark.parametrize("who", list(ORACLE))
def test_the_navigation_counts_match_the_queue_pages(world, who):
    people, links = world
    expected = {q: len(rows) for q, rows in ORACLE[who].items() if rows is not None}
    assert nav_counts(browser_for(people[who])) == expected


def test_all_counts_are_one_query_over_the_links(world):
    people, _links = world
    user = people["prosecutor_central"]
    queues.queues_for(user)  # roles and permissions are read once per user object
    with CaptureQueriesContext(connection) as captured:
        found = queues.counts(user)
    on_links = [q["sql"] for q in captured.captured_queries if '"registry_link"' in q["sql"]]
    assert len(on_links) == 1
    assert "FILTER (WHERE" in on_links[0]
    assert found == {"decision": 4, "assigned": 0, "overdue": 1, "reappeared": 1}


def test_counts_are_cached_and_an_assignment_forgets_the_assignee_s(
    world, django_capture_on_commit_callbacks
):
    people, links = world
    officer, supervisor = people["officer_a"], people["supervisor_a"]
    client = browser_for(officer)
    assert nav_counts(client)["assigned"] == 2
    # A write behind the services' back is seen only when the cached counts expire.
    Link.objects.filter(pk=links["L5"]).update(
        assigned_agency=officer.agency, assigned_user=officer
    )
    assert nav_counts(client)["assigned"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(
            links["L1"], actor=supervisor, agency=officer.agency, user=officer, due_date=None
        )
    assert nav_counts(client)["assigned"] == 4


def test_a_queue_keeps_its_filter_under_other_filters_and_search(world):
    people, links = world
    client = browser_for(people["prosecutor_central"])
    narrowed = client.get("/links/?queue=decision&state=confirmed")
    hrefs = page(narrowed).xpath("//section[@id='results']//a[@class='link-ref']/@href")
    assert hrefs == [f"/links/{links['L4']}/"]
    # A state outside the queue finds nothing in it, rather than leaving the queue.
    outside = client.get("/links/?queue=decision&state=new")
    assert not page(outside).xpath("//section[@id='results']//a[@class='link-ref']")


def test_a_queue_is_ordered_by_due_date_then_oldest_report(world):
    people, links = world
    client = browser_for(people["officer_a"])
    hrefs = page(client.get("/links/?queue=review")).xpath(
        "//section[@id='results']//a[@class='link-ref']/@href"
    )
    # L2 is due yesterday, L8 in five days, L1 has no due date.
    assert hrefs == [f"/links/{links[name]}/" for name in ("L2", "L8", "L1")]


def test_the_export_of_a_queue_holds_the_queue_only(world):
    people, links = world
    response = browser_for(people["supervisor_a"]).get("/links/export/csv/?queue=overdue")
    assert response.status_code == 200
    body = b"".join(response.streaming_content if response.streaming else [response.content])
    rows = body.decode("utf-8-sig").strip().splitlines()
    assert len(rows) == 2  # the header and L2
    assert rows[1].startswith(f"{links['L2']},")


def test_an_unknown_queue_is_not_found(world):
    people, _links = world
    assert browser_for(people["officer_a"]).get("/links/?queue=everything").status_code == 404
