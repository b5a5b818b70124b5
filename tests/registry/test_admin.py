"""The admin of the registry: fast changelist on large tables, transitions, confidential reads."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.choices import LinkState
from registry.models import ConfidentialRead, StateChange
from tests.registry.factories import LinkFactory


def test_changelist_never_counts_the_whole_table(client_for, prosecutor, officer):
    LinkFactory.create_batch(3, first_reported_by=officer)
    client = client_for(prosecutor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/registry/link/?state__exact=new")
    assert response.status_code == 200
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"] and "registry_link" in q["sql"]]
    assert counts, "the paginator counts (bounded)"
    assert all("LIMIT" in sql for sql in counts), counts


def test_changelist_finds_a_link_by_any_surface_form(client_for, prosecutor, officer):
    link = LinkFactory(
        raw_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ", first_reported_by=officer
    )
    LinkFactory(first_reported_by=officer)
    response = client_for(prosecutor).get("/admin/registry/link/", {"q": "youtu.be/dQw4w9WgXcQ"})
    assert list(response.context["cl"].result_list) == [link]


def test_transition_form_moves_the_link_and_refuses_what_is_missing(
    client_for, prosecutor, officer
):
    link = LinkFactory(first_reported_by=officer, state=LinkState.CONFIRMED)
    client = client_for(prosecutor)
    url = f"/admin/registry/link/{link.pk}/transition/"
    response = client.post(url, {"to_state": "blocking_requested"})
    assert response.status_code == 200
    assert "document_number" in response.context["form"].errors  # refused, the form shown again
    assert not StateChange.objects.filter(link=link).exists()
    response = client.post(
        url,
        {"to_state": "blocking_requested", "document_number": "5", "document_date": "2026-01-02"},
    )
    assert response.status_code == 302
    assert StateChange.objects.get(link=link).document_number == "5"


def test_bulk_start_review_action(client_for, prosecutor, officer):
    links = LinkFactory.create_batch(2, first_reported_by=officer)
    client_for(prosecutor).post(
        "/admin/registry/link/",
        {"action": "start_review", "_selected_action": [link.pk for link in links]},
    )
    assert StateChange.objects.filter(to_state=LinkState.UNDER_REVIEW).count() == 2


def test_opening_a_confidential_link_in_the_admin_is_logged(client_for, prosecutor, officer):
    link = LinkFactory(first_reported_by=officer, confidential=True)
    response = client_for(prosecutor).get(f"/admin/registry/link/{link.pk}/change/")
    assert response.status_code == 200
    assert ConfidentialRead.objects.get().channel == "admin"


def test_reports_and_trail_are_read_only_in_the_admin(client_for, auditor, officer):
    link = LinkFactory(first_reported_by=officer)
    client = client_for(auditor)
    assert client.get("/admin/registry/report/").status_code == 200
    assert client.get("/admin/registry/report/add/").status_code == 403
    assert client.get(f"/admin/registry/link/{link.pk}/delete/").status_code == 403


def test_confirming_in_the_admin_needs_a_classification(client_for, prosecutor, officer):
    link = LinkFactory(first_reported_by=officer, state=LinkState.UNDER_REVIEW)
    client = client_for(prosecutor)
    url = f"/admin/registry/link/{link.pk}/transition/"
    response = client.post(url, {"to_state": "confirmed", "reason": "expert opinion"})
    assert response.status_code == 200
    assert "classification" in response.context["form"].errors
    assert not StateChange.objects.filter(link=link).exists()
    response = client.post(
        url, {"to_state": "confirmed", "reason": "expert opinion", "classification": "terrorist"}
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.state, link.classification) == (LinkState.CONFIRMED, "terrorist")
