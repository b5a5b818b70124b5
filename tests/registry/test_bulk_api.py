"""POST /api/v1/links/bulk/ per role: the same bulk semantics as the portal (registry.bulk),
the selection by ids or by filter re-evaluated under the policy, refusals as JSON."""

import pytest

from accounts.choices import AgencyKind, Role, TokenScope
from accounts.services import issue_token
from registry.choices import LinkState
from registry.models import ConfidentialRead, Link
from tests.factories import AgencyFactory, UserFactory
from tests.factories import region as region_by_code
from tests.registry.factories import LinkFactory

BULK = "/api/v1/links/bulk/"


@pytest.fixture
def supervisor(officer):
    return UserFactory(agency=officer.agency, roles=[Role.SUPERVISOR])


def post(api_client, user, body):
    api_client.force_authenticate(user)
    return api_client.post(BULK, body, format="json", HTTP_ACCEPT_LANGUAGE="en")


def test_supervisor_starts_review_by_ids_and_gets_a_summary(api_client, officer, supervisor):
    links = [LinkFactory(first_reported_by=officer) for _ in range(3)]
    done = LinkFactory(first_reported_by=officer, state=LinkState.BLOCKED)

    response = post(
        api_client, supervisor, {"action": "start_review", "ids": [x.pk for x in [*links, done]]}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["done"], body["refused"]) == (3, 1)
    assert sorted(body["done_ids"]) == sorted(x.pk for x in links)
    [reason] = body["reasons"]
    assert reason["code"] == "transition_not_allowed" and reason["count"] == 1
    assert reason["links"] == [{"id": done.pk, "url": done.url}]


def test_filter_selection_is_re_evaluated_under_the_policy(
    api_client, officer, supervisor, other_officer
):
    ours = [LinkFactory(first_reported_by=officer) for _ in range(2)]
    theirs = LinkFactory(first_reported_by=other_officer)

    response = post(
        api_client,
        supervisor,
        {
            "action": "classify",
            "filter": {"state": "new"},
            "params": {"classification": "extremist"},
        },
    )

    assert response.status_code == 200, response.content
    assert sorted(response.json()["done_ids"]) == sorted(x.pk for x in ours)
    assert Link.objects.get(pk=theirs.pk).classification == "unclassified"


def test_another_agencys_confidential_link_leaks_nothing(api_client, officer, supervisor):
    neighbour = UserFactory(
        agency=AgencyFactory(kind=AgencyKind.KNB, region=region_by_code("KZ-75")),
        roles=[Role.OFFICER],
    )
    secret = LinkFactory(first_reported_by=neighbour, confidential=True)

    by_id = post(api_client, supervisor, {"action": "start_review", "ids": [secret.pk]})
    unknown = post(api_client, supervisor, {"action": "start_review", "ids": [99_999_999]})

    assert by_id.status_code == unknown.status_code == 200
    strip = lambda body: {**body, "reasons": [{**r, "links": None} for r in body["reasons"]]}  # noqa: E731
    assert strip(by_id.json()) == strip(unknown.json())
    assert by_id.json()["reasons"][0]["links"] == [{"id": secret.pk, "url": None}]
    assert Link.objects.get(pk=secret.pk).state == LinkState.NEW


def test_refused_confidential_links_named_in_the_answer_are_logged(api_client, officer, prosecutor):
    secret = LinkFactory(first_reported_by=officer, confidential=True, state=LinkState.BLOCKED)

    response = post(api_client, prosecutor, {"action": "start_review", "ids": [secret.pk]})

    assert response.json()["refused"] == 1
    assert ConfidentialRead.objects.filter(user=prosecutor, link=secret).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "start_review"}, "non_field_errors"),
        ({"action": "start_review", "ids": [1], "filter": {}}, "non_field_errors"),
        ({"action": "start_review", "filter": {"state": "nonsense"}}, "filter"),
        ({"action": "fly", "ids": [1]}, "field"),
        ({"action": "reject", "ids": [1]}, "field"),
    ],
)
def test_bad_requests_say_what_is_wrong(api_client, officer, supervisor, body, field):
    LinkFactory(first_reported_by=officer)
    response = post(api_client, supervisor, body)
    assert response.status_code == 400
    assert field in response.json()


def test_over_the_limit_is_refused(api_client, officer, supervisor):
    response = post(api_client, supervisor, {"action": "start_review", "ids": list(range(1, 5002))})
    assert response.status_code == 400


def test_roles_without_review_rights_are_refused_per_link(api_client, officer, auditor):
    link = LinkFactory(first_reported_by=officer)
    for user in (officer, auditor):
        response = post(api_client, user, {"action": "start_review", "ids": [link.pk]})
        assert response.status_code == 200
        assert response.json()["done"] == 0
    assert Link.objects.get(pk=link.pk).state == LinkState.NEW


def test_a_reports_token_may_not_act(api_client, officer, supervisor):
    link = LinkFactory(first_reported_by=officer)
    key = issue_token(supervisor, name="stats", scope=TokenScope.REPORTS)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.post(BULK, {"action": "start_review", "ids": [link.pk]}, format="json")
    assert response.status_code == 403
    assert Link.objects.get(pk=link.pk).state == LinkState.NEW


def test_unauthenticated_is_refused(api_client):
    assert (
        api_client.post(BULK, {"action": "start_review", "ids": [1]}, format="json").status_code
        == 401
    )
