"""The registry over HTTP: /api/v1/links/check/, submit/, transitions, lists."""

import datetime as dt

from accounts.choices import Role
from registry.choices import LinkState
from registry.models import ConfidentialRead, Link, Report, StateChange
from tests.registry.factories import LinkFactory


def test_submit_answers_one_result_per_input_in_order(api_client, officer, other_officer):
    LinkFactory(raw_url="https://vk.com/wall-1_2", first_reported_by=other_officer)
    api_client.force_authenticate(officer)
    response = api_client.post(
        "/api/v1/links/submit/",
        {
            "urls": [
                "https://vk.ru/wall-1_2?utm_source=tg",
                "ftp://x.example/",
                "https://n.example/",
            ]
        },
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert [r["status"] for r in body["results"]] == ["known", "invalid", "new"]
    assert body["summary"] == {"new": 1, "known": 1, "invalid": 1}
    known = body["results"][0]
    assert known["first_reported_by"]["code"] == other_officer.agency.code
    assert known["report_count"] == 2
    assert body["results"][1] == {
        "line": 2,
        "input": "ftp://x.example/",
        "status": "invalid",
        "reason": "scheme_not_allowed",
        "message": body["results"][1]["message"],
    }
    assert Report.objects.get(user=officer, link__url="https://n.example/").source == "api"


def test_check_changes_nothing(api_client, officer):
    api_client.force_authenticate(officer)
    response = api_client.post(
        "/api/v1/links/check/", {"urls": ["https://n.example/"]}, format="json"
    )
    assert response.json()["results"][0]["status"] == "new"
    assert not Link.objects.exists()


def test_a_body_without_a_list_of_urls_is_refused(api_client, officer):
    api_client.force_authenticate(officer)
    for body in ({}, {"urls": "https://a.example/"}, ["https://a.example/"]):
        response = api_client.post("/api/v1/links/submit/", body, format="json")
        assert response.status_code == 400, body


def test_unauthenticated_calls_are_refused(api_client):
    response = api_client.post("/api/v1/links/check/", {"urls": []}, format="json")
    assert response.status_code == 401


def test_administrator_may_neither_check_nor_submit(api_client, administrator):
    api_client.force_authenticate(administrator)
    for endpoint in ("check", "submit"):
        response = api_client.post(f"/api/v1/links/{endpoint}/", {"urls": []}, format="json")
        assert response.status_code == 403


def test_transition_endpoint_moves_and_records(api_client, officer, prosecutor):
    link = LinkFactory(first_reported_by=officer, state=LinkState.CONFIRMED)
    api_client.force_authenticate(prosecutor)
    response = api_client.post(
        f"/api/v1/links/{link.pk}/transition/",
        {"to_state": "blocking_requested", "document_number": "7/1", "document_date": "2026-02-01"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "blocking_requested"
    change = StateChange.objects.get(link=link)
    assert (change.document_number, change.document_date) == ("7/1", dt.date(2026, 2, 1))
    trail = api_client.get(f"/api/v1/links/{link.pk}/trail/").json()
    assert [t["to_state"] for t in trail] == ["blocking_requested"]


def test_illegal_transition_gets_a_clear_refusal(api_client, officer, prosecutor):
    link = LinkFactory(first_reported_by=officer)
    api_client.force_authenticate(prosecutor)
    response = api_client.post(
        f"/api/v1/links/{link.pk}/transition/", {"to_state": "blocked"}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "transition_not_allowed"
    assert body["allowed"] == ["under_review"]


def test_missing_blocking_request_number_is_named(api_client, officer, prosecutor):
    link = LinkFactory(first_reported_by=officer, state=LinkState.CONFIRMED)
    api_client.force_authenticate(prosecutor)
    response = api_client.post(
        f"/api/v1/links/{link.pk}/transition/", {"to_state": "blocking_requested"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "document_number"


def test_officer_transition_is_forbidden(api_client, officer):
    link = LinkFactory(first_reported_by=officer)
    api_client.force_authenticate(officer)
    response = api_client.post(
        f"/api/v1/links/{link.pk}/transition/", {"to_state": "under_review"}, format="json"
    )
    assert response.status_code == 403


def test_supervisor_assigns_a_link_to_an_officer_with_a_due_date(api_client, officer, supervisor):
    link = LinkFactory(first_reported_by=officer)
    api_client.force_authenticate(supervisor)
    response = api_client.post(
        f"/api/v1/links/{link.pk}/assign/",
        {"agency": officer.agency.code, "user": officer.username, "due_date": "2026-12-31"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["assigned_user"] == officer.username
    assert response.json()["due_date"] == "2026-12-31"


def test_supervisor_may_not_assign_outside_the_region(
    api_client, officer, supervisor, other_officer
):
    link = LinkFactory(first_reported_by=officer)
    api_client.force_authenticate(supervisor)
    response = api_client.post(
        f"/api/v1/links/{link.pk}/assign/", {"agency": other_officer.agency.code}, format="json"
    )
    assert response.status_code == 403


def test_reading_a_confidential_link_is_logged(api_client, officer, prosecutor):
    link = LinkFactory(first_reported_by=officer, confidential=True)
    LinkFactory(first_reported_by=officer)
    api_client.force_authenticate(prosecutor)
    assert api_client.get(f"/api/v1/links/{link.pk}/").status_code == 200
    assert len(api_client.get("/api/v1/links/").json()["results"]) == 2
    assert list(ConfidentialRead.objects.values_list("user", "link", "channel")) == [
        (prosecutor.pk, link.pk, "api"),
        (prosecutor.pk, link.pk, "api"),
    ]


def test_any_surface_form_finds_the_link_in_the_list(api_client, officer):
    link = LinkFactory(
        raw_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ", first_reported_by=officer
    )
    api_client.force_authenticate(officer)
    response = api_client.get("/api/v1/links/", {"url": "youtu.be/dQw4w9WgXcQ"})
    assert [r["id"] for r in response.json()["results"]] == [link.pk]


def test_classify_marks_a_link_confidential(api_client, officer, supervisor):
    link = LinkFactory(first_reported_by=officer)
    api_client.force_authenticate(supervisor)
    response = api_client.post(
        f"/api/v1/links/{link.pk}/classify/",
        {"classification": "terrorist", "confidential": True},
        format="json",
    )
    assert response.status_code == 200
    link.refresh_from_db()
    assert (link.classification, link.confidential) == ("terrorist", True)


def test_submit_with_ten_thousand_urls_is_one_call(api_client, officer):
    api_client.force_authenticate(officer)
    urls = [f"https://bulk.example/{n}" for n in range(10_000)]
    response = api_client.post("/api/v1/links/submit/", {"urls": urls}, format="json")
    assert response.json()["summary"] == {"new": 10_000, "known": 0, "invalid": 0}


def test_analyst_reads_links_but_cannot_change_them(api_client, make_user, officer):
    analyst = make_user(Role.ANALYST)
    link = LinkFactory(first_reported_by=officer)
    api_client.force_authenticate(analyst)
    assert api_client.get(f"/api/v1/links/{link.pk}/").status_code == 200
    response = api_client.post(
        f"/api/v1/links/{link.pk}/transition/", {"to_state": "under_review"}, format="json"
    )
    assert response.status_code == 403
