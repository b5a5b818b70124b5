"""State changes from a link's page: only the moves the user's role makes are offered, each
asks for what registry.transitions requires, and refusals come back on the form."""

import datetime as dt

import pytest
from django.urls import reverse

from registry import services
from registry.choices import LinkState
from registry.models import StateChange
from tests.portal.conftest import browser_for, page, texts
from tests.registry.factories import LinkFactory


@pytest.fixture
def link(officer):
    return LinkFactory(first_reported_by=officer)


def under_review(link, actor):
    services.transition(link.pk, LinkState.UNDER_REVIEW, actor=actor)
    return link


def move(user, link, name: str, **fields):
    data = {"move": name}
    data.update({f"{name}-{key}": value for key, value in fields.items()})
    return browser_for(user).post(reverse("portal:link_transition", args=[link.pk]), data)


def offered_moves(user, link) -> list[str]:
    doc = page(browser_for(user).get(reverse("portal:link", args=[link.pk])))
    return doc.xpath("//form[contains(@action, '/transition/')]/input[@name='move']/@value")


def test_an_officer_is_offered_no_move_and_cannot_confirm(officer, prosecutor, link):
    under_review(link, prosecutor)
    assert offered_moves(officer, link) == []
    response = move(
        officer, link, "confirm", to_state="confirmed", reason="sure", classification="extremist"
    )
    assert response.status_code == 403
    assert "You may not change this link." in response.content.decode()
    link.refresh_from_db()
    assert link.state == LinkState.UNDER_REVIEW


def test_a_supervisor_is_offered_review_moves_but_not_the_prosecutors(supervisor, link):
    assert offered_moves(supervisor, link) == ["start_review"]
    under_review(link, supervisor)
    assert offered_moves(supervisor, link) == ["send_to_expert", "reject"]
    response = move(
        supervisor, link, "confirm", to_state="confirmed", reason="sure", classification="terrorist"
    )
    assert response.status_code == 403
    assert "is for: prosecutor" in response.content.decode()
    link.refresh_from_db()
    assert link.state == LinkState.UNDER_REVIEW


def test_a_prosecutor_confirms_with_a_reason(prosecutor, link):
    under_review(link, prosecutor)
    assert "confirm" in offered_moves(prosecutor, link)
    client = browser_for(prosecutor)
    response = client.post(
        reverse("portal:link_transition", args=[link.pk]),
        {
            "move": "confirm",
            "confirm-to_state": "confirmed",
            "confirm-reason": "Expert opinion 12",
            "confirm-classification": "extremist",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:link", args=[link.pk])
    link.refresh_from_db()
    assert link.state == LinkState.CONFIRMED
    assert link.classification == "extremist"
    change = StateChange.objects.get(to_state=LinkState.CONFIRMED)
    assert (change.actor, change.reason) == (prosecutor, "Expert opinion 12")
    followed = page(client.get(response["Location"]))
    assert texts(followed, "//div[@id='messages']/p") == ["The link is now “confirmed illegal”."]


def test_a_missing_reason_is_an_error_on_the_reason_field(prosecutor, link):
    under_review(link, prosecutor)
    response = move(prosecutor, link, "confirm", to_state="confirmed", reason="  ")
    assert response.status_code == 400
    doc = page(response)
    form = doc.xpath("//form[input[@name='move'][@value='confirm']]")[0]
    assert form.xpath("ancestor::details/@open")
    assert texts(form, ".//div[contains(@class, 'field-reason')]//p[@class='error']") == [
        "This field is required."
    ]
    link.refresh_from_db()
    assert link.state == LinkState.UNDER_REVIEW


def test_a_blocking_request_needs_its_number_and_date(prosecutor, link):
    under_review(link, prosecutor)
    services.transition(
        link.pk, LinkState.CONFIRMED, actor=prosecutor, reason="r", classification="extremist"
    )
    doc = page(browser_for(prosecutor).get(reverse("portal:link", args=[link.pk])))
    form = doc.xpath("//form[input[@name='move'][@value='request_blocking']]")[0]
    assert form.xpath(".//input[@name='request_blocking-document_number'][@required]")
    assert form.xpath(".//input[@name='request_blocking-document_date'][@type='date'][@required]")

    response = move(prosecutor, link, "request_blocking", to_state="blocking_requested")
    assert response.status_code == 400
    form = page(response).xpath("//form[input[@name='move'][@value='request_blocking']]")[0]
    for name in ("document_number", "document_date"):
        assert texts(form, f".//div[contains(@class, 'field-{name}')]//p[@class='error']") == [
            "This field is required."
        ]
    response = move(
        prosecutor,
        link,
        "request_blocking",
        to_state="blocking_requested",
        document_number="БЛ-2026/17",
        document_date="2026-03-02",
    )
    assert response.status_code == 302
    change = StateChange.objects.get(to_state=LinkState.BLOCKING_REQUESTED)
    assert (change.document_number, change.document_date) == ("БЛ-2026/17", dt.date(2026, 3, 2))


def test_a_move_the_state_no_longer_allows_is_a_form_error(prosecutor, link):
    # The page was loaded while the link was under review; someone rejected it meanwhile.
    under_review(link, prosecutor)
    services.transition(link.pk, LinkState.REJECTED, actor=prosecutor, reason="no")
    response = move(
        prosecutor, link, "confirm", to_state="confirmed", reason="yes", classification="other"
    )
    assert response.status_code == 400
    errors = texts(page(response), "//div[@id='messages']/p[@role='alert']")
    assert len(errors) == 1 and "cannot become" in errors[0]
    link.refresh_from_db()
    assert link.state == LinkState.REJECTED


def test_a_tampered_target_state_is_refused(prosecutor, link):
    under_review(link, prosecutor)
    response = move(prosecutor, link, "confirm", to_state="blocked", reason="x")
    assert response.status_code == 400
    link.refresh_from_db()
    assert link.state == LinkState.UNDER_REVIEW


def test_an_unknown_move_goes_back_to_the_page_with_a_message(prosecutor, link):
    response = move(prosecutor, link, "teleport", to_state="blocked")
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.state == LinkState.NEW


def test_transitions_need_csrf(prosecutor, link):
    client = browser_for(prosecutor, enforce_csrf_checks=True)
    response = client.post(
        reverse("portal:link_transition", args=[link.pk]),
        {"move": "start_review", "start_review-to_state": "under_review"},
    )
    assert response.status_code == 403
    link.refresh_from_db()
    assert link.state == LinkState.NEW


def test_the_confirm_form_asks_for_the_classification_and_refuses_without_it(prosecutor, link):
    under_review(link, prosecutor)
    doc = page(browser_for(prosecutor).get(reverse("portal:link", args=[link.pk])))
    form = doc.xpath("//form[input[@name='move'][@value='confirm']]")[0]
    options = form.xpath(".//select[@name='confirm-classification'][@required]/option/@value")
    assert options == ["", "extremist", "terrorist", "separatist", "other"]

    response = move(prosecutor, link, "confirm", to_state="confirmed", reason="Expert opinion 3")
    assert response.status_code == 400
    form = page(response).xpath("//form[input[@name='move'][@value='confirm']]")[0]
    assert texts(form, ".//div[contains(@class, 'field-classification')]//p[@class='error']") == [
        "This field is required."
    ]
    link.refresh_from_db()
    assert (link.state, link.classification) == (LinkState.UNDER_REVIEW, "unclassified")


def test_a_classified_link_comes_with_its_classification_chosen(prosecutor, link):
    under_review(link, prosecutor)
    services.classify(link.pk, actor=prosecutor, classification="separatist")
    doc = page(browser_for(prosecutor).get(reverse("portal:link", args=[link.pk])))
    chosen = doc.xpath("//select[@name='confirm-classification']/option[@selected]/@value")
    assert chosen == ["separatist"]
