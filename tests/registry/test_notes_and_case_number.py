"""Notes and the case number of a link (registry.notes), over the API and the services, from
the outside: who reads, who writes, across agencies, confidential links, search."""

import pytest

from accounts.choices import Role
from kibernadzor.errors import NotAllowed
from registry import notes, search, services
from registry.models import ConfidentialRead, Link, LinkNote
from tests.registry.factories import LinkFactory


@pytest.fixture
def link(officer):
    return LinkFactory(first_reported_by=officer, raw_url="https://t.me/case_channel/7")


def note_texts(api_client, user, link):
    api_client.force_authenticate(user)
    response = api_client.get(f"/api/v1/links/{link.pk}/notes/")
    if response.status_code != 200:
        return response.status_code, None
    return 200, [n["text"] for n in response.json()]


def test_an_officer_adds_a_note_and_readers_of_other_agencies_read_it(
    api_client, officer, other_officer, link, prosecutor
):
    services.submit_urls([link.url], user=other_officer)  # another agency reported it too
    api_client.force_authenticate(officer)
    response = api_client.post(
        f"/api/v1/links/{link.pk}/notes/", {"text": "  Канал удалён и создан заново  "}
    )
    assert response.status_code == 200
    [note] = response.json()
    assert (note["text"], note["author"], note["agency"]) == (
        "Канал удалён и создан заново",
        officer.username,
        officer.agency.code,
    )
    assert note_texts(api_client, other_officer, link) == (200, ["Канал удалён и создан заново"])
    assert note_texts(api_client, prosecutor, link)[0] == 200


def test_an_officer_who_may_not_read_the_link_neither_reads_nor_writes_notes(
    api_client, officer, other_officer, link
):
    notes.add_note(link.pk, author=officer, text="internal")
    assert note_texts(api_client, other_officer, link)[0] == 404
    response = api_client.post(f"/api/v1/links/{link.pk}/notes/", {"text": "hello"})
    assert response.status_code == 404
    assert LinkNote.objects.count() == 1
    assert not LinkNote.objects.restrict(other_officer).exists()


def test_notes_of_a_confidential_link_are_as_confidential_as_the_link(
    api_client, officer, other_officer, make_user, prosecutor
):
    [answer] = services.submit_urls(["https://secret.example/x"], user=officer, confidential=True)
    link = Link.objects.get(pk=answer.link)
    notes.add_note(link.pk, author=officer, text="source is an informant")
    services.submit_urls([link.url], user=other_officer)  # they learn only "known; contact"
    assert note_texts(api_client, other_officer, link)[0] == 404
    assert not LinkNote.objects.restrict(other_officer).exists()
    assert note_texts(api_client, prosecutor, link) == (200, ["source is an informant"])
    assert ConfidentialRead.objects.filter(user=prosecutor, link=link, channel="api").exists()


def test_an_empty_or_long_note_is_refused_naming_the_field(api_client, officer, link):
    api_client.force_authenticate(officer)
    for text in ("   ", "x" * 5001):
        response = api_client.post(f"/api/v1/links/{link.pk}/notes/", {"text": text})
        assert response.status_code == 400
        assert response.json()["field"] == "text"
    assert not LinkNote.objects.exists()


def test_analysts_and_auditors_read_notes_but_write_none(
    api_client, officer, link, make_user, auditor
):
    analyst = make_user(Role.ANALYST, agency=officer.agency)
    notes.add_note(link.pk, author=officer, text="first")
    for user in (analyst, auditor):
        assert note_texts(api_client, user, link) == (200, ["first"])
        response = api_client.post(f"/api/v1/links/{link.pk}/notes/", {"text": "mine"})
        assert response.status_code == 403
    assert LinkNote.objects.count() == 1


def test_a_supervisor_sets_the_case_number_in_capitals_and_history_keeps_it(
    api_client, supervisor, link
):
    api_client.force_authenticate(supervisor)
    response = api_client.post(
        f"/api/v1/links/{link.pk}/case-number/", {"case_number": " 2-1234/2024  ук "}
    )
    assert response.status_code == 200
    assert response.json()["case_number"] == "2-1234/2024 УК"
    link.refresh_from_db()
    assert link.case_number == "2-1234/2024 УК"
    record = link.history.first()
    assert (record.case_number, record.history_user, record.history_change_reason) == (
        "2-1234/2024 УК",
        supervisor,
        "case number",
    )


@pytest.mark.parametrize("bad", ["abc", "-123", "12/", "1" * 51, "12;DROP", "№"])
def test_a_malformed_case_number_is_refused_and_nothing_changes(api_client, supervisor, link, bad):
    api_client.force_authenticate(supervisor)
    response = api_client.post(f"/api/v1/links/{link.pk}/case-number/", {"case_number": bad})
    assert response.status_code == 400
    assert response.json()["field"] == "case_number"
    link.refresh_from_db()
    assert link.case_number == ""


def test_an_officer_may_not_set_the_case_number(api_client, officer, link):
    api_client.force_authenticate(officer)
    response = api_client.post(
        f"/api/v1/links/{link.pk}/case-number/", {"case_number": "241500031000123"}
    )
    assert response.status_code == 403
    with pytest.raises(NotAllowed):
        notes.set_case_number(link.pk, actor=officer, case_number="241500031000123")


def test_the_database_refuses_a_malformed_case_number_written_by_hand(link):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Link.objects.filter(pk=link.pk).update(case_number="no digits")


def test_search_finds_a_link_by_the_beginning_of_its_case_number_within_the_policy(
    supervisor, other_officer, link
):
    notes.set_case_number(link.pk, actor=supervisor, case_number="241500031000123")
    other = LinkFactory(first_reported_by=supervisor)
    notes.set_case_number(other.pk, actor=supervisor, case_number="2-77/2025")

    def found(user, term):
        queryset = Link.objects.restrict(user)
        return set(search.search_links(queryset, term, user).values_list("pk", flat=True))

    assert found(supervisor, "241500031000123") == {link.pk}
    assert found(supervisor, "2415000") == {link.pk}
    assert found(supervisor, "2-77") == {other.pk}
    assert found(other_officer, "241500031000123") == set()


def test_withdrawal_over_the_api(api_client, officer, other_officer):
    api_client.force_authenticate(officer)
    body = api_client.post(
        "/api/v1/links/submit/", {"urls": ["https://wrong.example/1"]}, format="json"
    ).json()
    pk = body["results"][0]["link"]
    api_client.force_authenticate(other_officer)
    refused = api_client.post(f"/api/v1/links/{pk}/withdraw/", {"reason": "x"})
    assert refused.status_code == 404  # another agency's link: not even its number
    api_client.force_authenticate(officer)
    assert api_client.post(f"/api/v1/links/{pk}/withdraw/", {"reason": ""}).status_code == 400
    response = api_client.post(f"/api/v1/links/{pk}/withdraw/", {"reason": "typo"})
    assert response.status_code == 200
    assert (response.json()["withdrawn_by"], response.json()["withdrawal_reason"]) == (
        officer.username,
        "typo",
    )
    link = api_client.get(f"/api/v1/links/{pk}/").json()
    assert (link["state"], link["report_count"]) == ("withdrawn", 0)
    again = api_client.post(f"/api/v1/links/{pk}/withdraw/", {"reason": "typo"})
    assert again.status_code == 409


def test_confirming_over_the_api_needs_a_classification(api_client, officer, prosecutor):
    link = LinkFactory(first_reported_by=officer, state="under_review")
    api_client.force_authenticate(prosecutor)
    url = f"/api/v1/links/{link.pk}/transition/"
    response = api_client.post(url, {"to_state": "confirmed", "reason": "ok"})
    assert response.status_code == 400
    assert response.json()["field"] == "classification"
    response = api_client.post(
        url, {"to_state": "confirmed", "reason": "ok", "classification": "terrorist"}
    )
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["classification"]) == (
        "confirmed",
        "terrorist",
    )
