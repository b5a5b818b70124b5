"""The orders API from the outside: who may create, see and move orders, per role, agency and
region (orders.access through the one policy), and the refusals as HTTP answers."""

import pytest

from accounts.choices import AgencyKind, Role
from orders.choices import OrderState
from orders.models import Order
from tests.factories import UserFactory
from tests.orders.conftest import ARTICLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(api_client):
    def login(user):
        api_client.force_authenticate(user)
        return api_client

    return login


@pytest.fixture
def administrator(central_agency):
    return UserFactory(agency=central_agency, roles=[Role.ADMIN])


@pytest.fixture
def world(
    officer,
    supervisor,
    analyst,
    auditor,
    administrator,
    prosecutor,
    regional_prosecutor,
    other_region_officer,
    other_region_prosecutor,
):
    return {
        "officer": officer,
        "supervisor": supervisor,
        "analyst": analyst,
        "auditor": auditor,
        "administrator": administrator,
        "prosecutor": prosecutor,
        "regional_prosecutor": regional_prosecutor,
        "other_region_officer": other_region_officer,
        "other_region_prosecutor": other_region_prosecutor,
    }


def create(client, recipient, links, **extra):
    body = {"recipient": recipient.pk, "links": [link.pk for link in links], **extra}
    body.setdefault("law_article", ARTICLE)
    return client.post("/api/v1/orders/", body, format="json")


# Who may create a draft for a link the KZ-75 officer reported.
CREATORS = {
    "prosecutor": 201,
    "regional_prosecutor": 201,
    "other_region_prosecutor": 400,  # cannot see the link: "no such link"
    "officer": 403,
    "supervisor": 403,
    "analyst": 403,
    "auditor": 403,
    "administrator": 403,
    "other_region_officer": 403,
}


@pytest.mark.parametrize(("who", "expected"), CREATORS.items())
def test_only_prosecutors_create_orders_for_links_of_their_territory(
    world, who, expected, as_user, ministry, confirmed_link
):
    response = create(as_user(world[who]), ministry, [confirmed_link()])
    assert response.status_code == expected, response.json()
    assert Order.objects.count() == (1 if expected == 201 else 0)


# Who reads an order of the KZ-75 regional prosecutor covering the KZ-75 officer's link.
READERS = {
    "prosecutor": True,
    "regional_prosecutor": True,
    "officer": True,  # the order covers a link of the officer's agency
    "supervisor": True,
    "auditor": True,
    "other_region_prosecutor": False,
    "other_region_officer": False,
    "analyst": False,  # reports only
    "administrator": False,  # no case content
}


@pytest.mark.parametrize(("who", "sees"), READERS.items())
def test_who_reads_an_order(world, who, sees, as_user, draft, regional_prosecutor):
    order = draft(regional_prosecutor)
    client = as_user(world[who])
    listed = [o["id"] for o in client.get("/api/v1/orders/").json()["results"]]
    assert listed == ([order.pk] if sees else [])
    assert client.get(f"/api/v1/orders/{order.pk}/").status_code == (200 if sees else 404)
    links = client.get(f"/api/v1/order-links/?order={order.pk}").json()["results"]
    assert len(links) == (2 if sees else 0)


# Who may sign that order.
SIGNERS = {
    "prosecutor": 200,
    "regional_prosecutor": 200,
    "other_region_prosecutor": 404,
    "officer": 403,
    "supervisor": 403,
    "auditor": 403,
    "analyst": 404,
    "administrator": 404,
}


@pytest.mark.parametrize(("who", "expected"), SIGNERS.items())
def test_who_signs_an_order(world, who, expected, as_user, draft, regional_prosecutor):
    order = draft(regional_prosecutor)
    response = as_user(world[who]).post(f"/api/v1/orders/{order.pk}/sign/")
    assert response.status_code == expected, response.json()
    order.refresh_from_db()
    assert order.state == (OrderState.SIGNED if expected == 200 else OrderState.DRAFT)


def test_a_regional_prosecutor_does_not_act_on_a_central_order(
    as_user, draft, prosecutor, regional_prosecutor
):
    order = draft(prosecutor)
    response = as_user(regional_prosecutor).post(f"/api/v1/orders/{order.pk}/sign/")
    assert response.status_code == 404  # the central office's orders are not in the region


def test_the_whole_path_over_the_api(as_user, prosecutor, ministry, confirmed_link):
    client = as_user(prosecutor)
    links = [confirmed_link(), confirmed_link()]
    order = create(client, ministry, links).json()
    assert order["state"] == "draft" and order["link_count"] == 2
    url = f"/api/v1/orders/{order['id']}"
    assert client.patch(f"{url}/", {"note": "urgent"}, format="json").json()["note"] == "urgent"
    assert client.post(f"{url}/sign/").json()["state"] == "signed"
    sent = client.post(f"{url}/send/").json()
    assert sent["state"] == "sent" and sent["signatory"] == prosecutor.username
    assert client.post(f"{url}/send/").status_code == 409  # sent twice
    assert client.post(f"{url}/acknowledge/").json()["state"] == "acknowledged"
    clocks = client.get(f"{url}/links/").json()["results"]
    assert {c["state"] for c in clocks} == {"pending"}
    assert all(c["deadline_at"] and c["link_state"] == "blocking_requested" for c in clocks)
    assert client.post(f"{url}/repeat/").status_code == 400  # nothing overdue yet
    notice = client.post(
        f"{url}/revoke/", {"links": [links[0].pk], "reason": "lifted"}, format="json"
    )
    assert notice.status_code == 201
    assert notice.json()["kind"] == "restoration" and notice.json()["parent"] == order["id"]
    refused = client.post(f"{url}/refuse/", {"reason": "no grounds"}, format="json").json()
    assert refused["state"] == "refused"
    assert client.get(f"{url}/documents/").status_code == 200


def test_refusals_name_the_field(
    as_user, prosecutor, ministry, no_deadline_recipient, confirmed_link
):
    from registry.choices import LinkState

    client = as_user(prosecutor)
    new_link = confirmed_link(state=LinkState.UNDER_REVIEW)
    answer = create(client, ministry, [new_link]).json()
    assert answer["field"] == "links" and answer["link"] == new_link.pk
    assert create(client, ministry, [confirmed_link()], law_article="").json()["field"] == (
        "law_article"
    )
    assert create(client, no_deadline_recipient, [confirmed_link()]).json()["field"] == (
        "recipient"
    )
    assert Order.objects.count() == 0


def test_recipients_are_kept_by_prosecutors(as_user, prosecutor, officer, ministry):
    body = {"name_ru": "Хостинг-провайдер", "kind": "hosting_provider", "deadline_hours": 48}
    assert as_user(officer).post("/api/v1/recipients/", body, format="json").status_code == 403
    assert as_user(officer).get("/api/v1/recipients/").json()["count"] == 1
    created = as_user(prosecutor).post("/api/v1/recipients/", body, format="json")
    assert created.status_code == 201, created.json()
    bad = as_user(prosecutor).post(
        "/api/v1/recipients/", {**body, "platforms": ["myspace"]}, format="json"
    )
    assert bad.status_code == 400
    gone = as_user(prosecutor).delete(f"/api/v1/recipients/{ministry.pk}/")
    assert gone.status_code in (403, 405)  # deactivated, never deleted
    assert ministry.__class__.objects.filter(pk=ministry.pk).exists()


def test_the_schema_lists_the_order_actions(make_user, client_for):
    schema = client_for(make_user(Role.ANALYST, kind=AgencyKind.POLICE)).get(
        "/api/v1/schema/?format=json"
    )
    paths = schema.json()["paths"]
    for name in ("sign", "send", "acknowledge", "withdraw", "refuse", "repeat", "revoke"):
        assert f"/api/v1/orders/{{id}}/{name}/" in paths
    assert "/api/v1/recipients/" in paths and "/api/v1/order-links/" in paths


def test_an_officer_sees_only_the_links_of_an_order_they_may_read(
    as_user, officer, other_region_officer, prosecutor, ministry, confirmed_link
):
    from registry.choices import LinkState
    from tests.registry.factories import LinkFactory

    secret = LinkFactory(
        first_reported_by=other_region_officer, state=LinkState.CONFIRMED, confidential=True
    )
    order = create(as_user(prosecutor), ministry, [confirmed_link(), secret]).json()
    client = as_user(officer)
    assert client.get(f"/api/v1/orders/{order['id']}/").status_code == 200
    shown = client.get(f"/api/v1/orders/{order['id']}/links/").json()["results"]
    assert secret.url not in {row["url"] for row in shown} and len(shown) == 1
    listed = client.get("/api/v1/order-links/").json()["results"]
    assert secret.url not in {row["url"] for row in listed}


def test_reading_a_confidential_link_of_an_order_is_logged(
    as_user, prosecutor, officer, ministry, confirmed_link
):
    from registry.models import ConfidentialRead

    secret = confirmed_link(confidential=True)
    order = create(as_user(prosecutor), ministry, [secret]).json()
    as_user(prosecutor).get(f"/api/v1/orders/{order['id']}/links/")
    as_user(prosecutor).get("/api/v1/order-links/")
    reads = ConfidentialRead.objects.filter(link=secret, user=prosecutor)
    assert reads.count() == 2 and {r.channel for r in reads} == {"api"}
