"""The sources API from the outside, per role × agency × region: who lists, reads, adds,
pauses and deletes which sources, and the refusals as HTTP answers (400 naming the field, 403,
404 for what the caller may not see, 409 for a duplicate)."""

import pytest

from accounts.choices import AgencyKind, Role
from sources import services
from sources.models import Source, SourceItem, SourceWatch
from tests.factories import AgencyFactory, UserFactory, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(api_client):
    def login(user):
        api_client.force_authenticate(user)
        return api_client

    return login


@pytest.fixture
def people(make_user, central_agency):
    police = AgencyFactory(kind=AgencyKind.POLICE, region=region("KZ-75"))
    knb = AgencyFactory(kind=AgencyKind.KNB, region=region("KZ-75"))
    prosecutors = AgencyFactory(kind=AgencyKind.PROSECUTOR, region=region("KZ-75"))
    far = AgencyFactory(kind=AgencyKind.PROSECUTOR, region=region("KZ-11"))
    return {
        "officer": UserFactory(agency=police, roles=[Role.OFFICER]),
        "supervisor": UserFactory(agency=police, roles=[Role.SUPERVISOR]),
        "knb_officer": UserFactory(agency=knb, roles=[Role.OFFICER]),
        "knb_supervisor": UserFactory(agency=knb, roles=[Role.SUPERVISOR]),
        "regional_prosecutor": UserFactory(agency=prosecutors, roles=[Role.PROSECUTOR]),
        "other_region_prosecutor": UserFactory(agency=far, roles=[Role.PROSECUTOR]),
        "central_prosecutor": UserFactory(agency=central_agency, roles=[Role.PROSECUTOR]),
        "central_analyst": UserFactory(agency=central_agency, roles=[Role.ANALYST]),
        "auditor": UserFactory(agency=central_agency, roles=[Role.AUDITOR]),
        "administrator": UserFactory(agency=central_agency, roles=[Role.ADMIN]),
    }


@pytest.fixture
def police_source(people):
    source = services.add_source(actor=people["officer"], url="https://t.me/watched_channel")
    watch = SourceWatch.objects.create(source=source, found=1, new=1)
    from registry.services import submit_urls

    answer = submit_urls(["https://t.me/watched_channel/5"], user=people["officer"])[0]
    SourceItem.objects.create(source=source, link_id=answer.link, watch=watch, excerpt="Пост")
    return source


SEES = {
    "officer": True,
    "supervisor": True,
    "knb_officer": False,
    "knb_supervisor": False,
    "regional_prosecutor": True,
    "other_region_prosecutor": False,
    "central_prosecutor": True,
    "central_analyst": True,
    "auditor": True,
    "administrator": False,
}


@pytest.mark.parametrize(("who", "sees"), SEES.items())
def test_list_detail_items_and_watches_follow_the_policy(people, police_source, as_user, who, sees):
    client = as_user(people[who])
    listed = client.get("/api/v1/sources/")
    assert listed.status_code == 200
    assert (police_source.pk in [row["id"] for row in listed.json()["results"]]) == sees
    detail = client.get(f"/api/v1/sources/{police_source.pk}/")
    assert detail.status_code == (200 if sees else 404)
    for part in ("items", "watches", "daily"):
        answer = client.get(f"/api/v1/sources/{police_source.pk}/{part}/")
        assert answer.status_code == (200 if sees else 404), part
    items = client.get("/api/v1/source-items/", {"source": police_source.pk})
    assert items.status_code == 200 and items.json()["count"] == (1 if sees else 0)
    watches = client.get("/api/v1/source-watches/")
    assert watches.status_code == 200 and watches.json()["count"] == (1 if sees else 0)


def test_the_detail_carries_the_totals(people, police_source, as_user):
    body = as_user(people["officer"]).get(f"/api/v1/sources/{police_source.pk}/").json()
    assert body["agency"] == police_source.agency.code
    assert (body["watch_count"], body["found_total"], body["new_total"]) == (1, 1, 1)
    items = as_user(people["officer"]).get(f"/api/v1/sources/{police_source.pk}/items/").json()
    assert items["results"][0]["url"] == "https://t.me/watched_channel/5"


PAUSES = {
    "officer": 200,
    "supervisor": 200,
    "knb_officer": 404,
    "regional_prosecutor": 200,
    "other_region_prosecutor": 404,
    "central_analyst": 403,
    "auditor": 403,
    "administrator": 404,
}


@pytest.mark.parametrize(("who", "code"), PAUSES.items())
def test_who_may_pause(people, police_source, as_user, who, code):
    answer = as_user(people[who]).post(f"/api/v1/sources/{police_source.pk}/pause/")
    assert answer.status_code == code, answer.content
    police_source.refresh_from_db()
    assert (police_source.state == "paused") == (code == 200)


@pytest.mark.parametrize(
    ("who", "code"), [("officer", 403), ("supervisor", 204), ("knb_supervisor", 404)]
)
def test_who_may_delete(people, police_source, as_user, who, code):
    answer = as_user(people[who]).delete(f"/api/v1/sources/{police_source.pk}/")
    assert answer.status_code == code
    assert Source.objects.filter(pk=police_source.pk).exists() == (code != 204)


def test_create_detects_the_kind_and_refuses_bad_input_and_duplicates(people, as_user):
    client = as_user(people["officer"])
    made = client.post("/api/v1/sources/", {"url": "https://t.me/new_channel"}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["kind"] == "telegram"
    assert made.json()["watch_url"] == "https://t.me/s/new_channel"
    again = client.post("/api/v1/sources/", {"url": "https://t.me/new_channel"}, format="json")
    assert again.status_code == 409 and again.json()["field"] == "url"
    bad = client.post("/api/v1/sources/", {"url": "https://example.org/x"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "url"
    pattern = client.post(
        "/api/v1/sources/",
        {"url": "https://example.org/", "kind": "pattern", "pattern": "("},
        format="json",
    )
    assert pattern.status_code == 400 and pattern.json()["field"] == "pattern"
    assert Source.objects.count() == 1


@pytest.mark.parametrize("who", ["central_analyst", "auditor", "administrator"])
def test_readers_cannot_add(people, as_user, who):
    answer = as_user(people[who]).post(
        "/api/v1/sources/", {"url": "https://t.me/new_channel"}, format="json"
    )
    assert answer.status_code == 403
    assert not Source.objects.exists()


def test_edit_and_channel_link(people, police_source, as_user):
    client = as_user(people["officer"])
    edited = client.patch(
        f"/api/v1/sources/{police_source.pk}/",
        {"interval_minutes": 30, "title": "X"},
        format="json",
    )
    assert edited.status_code == 200 and edited.json()["interval_minutes"] == 30
    too_often = client.patch(
        f"/api/v1/sources/{police_source.pk}/", {"interval_minutes": 1}, format="json"
    )
    assert too_often.status_code == 400
    linked = client.post(f"/api/v1/sources/{police_source.pk}/channel-link/")
    assert linked.status_code == 200 and linked.json()["channel_link"]


def test_an_organizations_presence_becomes_a_source_through_the_api(people, as_user):
    from organizations.models import OnlinePresence, Organization

    organization = Organization.objects.create(name_ru="Организация", classification="extremist")
    presence = OnlinePresence.objects.create(
        organization=organization, platform="telegram", handle="org_channel"
    )
    client = as_user(people["officer"])
    made = client.post("/api/v1/sources/", {"presence": presence.pk}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["organization"] == organization.pk
    assert made.json()["watch_url"] == "https://t.me/s/org_channel"
    missing = client.post("/api/v1/sources/", {"presence": 999999}, format="json")
    assert missing.status_code == 400 and missing.json()["field"] == "presence"
    empty = client.post("/api/v1/sources/", {}, format="json")
    assert empty.status_code == 400 and empty.json()["field"] == "url"
