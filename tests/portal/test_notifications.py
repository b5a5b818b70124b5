"""Notifications: the user's and their agency's, marked read with a CSRF-checked POST."""

import pytest
from django.urls import reverse

from checks.choices import NotificationKind
from checks.models import Notification
from tests.portal.conftest import browser_for, page, texts
from tests.registry.factories import LinkFactory

NOTES = reverse("portal:notifications")


@pytest.fixture
def notes(officer, other_officer):
    link = LinkFactory(raw_url="https://t.me/notified/1", first_reported_by=officer)
    return {
        "agency": Notification.objects.create(
            agency=officer.agency,
            link=link,
            kind=NotificationKind.REAPPEARED,
            message="The link https://t.me/notified/1, blocked earlier, is available again.",
        ),
        "own": Notification.objects.create(
            user=officer, kind=NotificationKind.MATERIAL_MATCH, message="matches No. 12"
        ),
        "foreign": Notification.objects.create(
            agency=other_officer.agency, kind=NotificationKind.REAPPEARED, message="not yours"
        ),
    }


def listed(response) -> list[str]:
    return page(response).xpath("//ul[@class='notes']/li/@id")


def test_the_list_shows_own_and_agency_notifications_defanged(officer, notes):
    response = browser_for(officer).get(NOTES)
    assert sorted(listed(response)) == sorted(f"note-{notes[k].pk}" for k in ("agency", "own"))
    content = response.content.decode()
    assert "hxxps://t[.]me/notified/1" in content and "https://t.me" not in content
    doc = page(response)
    assert reverse("portal:link", args=[notes["agency"].link_id]) in doc.xpath("//ul//a/@href")


def test_marking_one_read_changes_it_and_the_counter(officer, notes):
    client = browser_for(officer)
    response = client.post(NOTES, {"notification": notes["own"].pk})
    assert response.status_code == 302
    notes["own"].refresh_from_db()
    assert notes["own"].read_at is not None
    doc = page(client.get(NOTES))
    assert doc.xpath("string(//span[@id='unread-count'])").split()[-1] == "1"
    assert texts(doc, "//div[@id='messages']/p") == ["1 notification marked read."]
    assert listed(client.get(NOTES, {"unread": "1"})) == [f"note-{notes['agency'].pk}"]


def test_marking_with_htmx_returns_the_item_and_the_counter_out_of_band(officer, notes):
    response = browser_for(officer).post(
        NOTES, {"notification": notes["agency"].pk}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    doc = page(response)
    item = doc.xpath(f"//li[@id='note-{notes['agency'].pk}']")[0]
    assert "unread" not in item.get("class") and not item.xpath(".//form")
    badge = doc.xpath("//span[@id='unread-count']")[0]
    assert badge.get("hx-swap-oob") == "true"
    assert badge.text_content().split()[-1] == "1"


def test_another_agencys_notification_cannot_be_marked(officer, notes):
    browser_for(officer).post(NOTES, {"notification": notes["foreign"].pk})
    notes["foreign"].refresh_from_db()
    assert notes["foreign"].read_at is None


def test_mark_all_read(officer, notes):
    browser_for(officer).post(NOTES, {"all": "1"})
    assert Notification.objects.filter(read_at__isnull=True).get() == notes["foreign"]


def test_marking_needs_csrf(officer, notes):
    client = browser_for(officer, enforce_csrf_checks=True)
    assert client.post(NOTES, {"all": "1"}).status_code == 403
    assert Notification.objects.filter(read_at__isnull=True).count() == 3


def test_the_nav_counter_is_one_query(officer, notes, django_assert_num_queries):
    from portal.context_processors import portal

    class Request:
        user = officer

    officer.get_all_permissions()  # the policy's permission check, cached on the user
    _ = officer.roles
    context = portal(Request())
    with django_assert_num_queries(1):
        assert context["unread_notifications"]() == 2
        assert context["unread_notifications"]() == 2


def test_an_auditor_reads_but_is_offered_no_marking(central_agency, notes):
    from accounts.choices import Role
    from tests.factories import UserFactory

    auditor = UserFactory(agency=central_agency, roles=[Role.AUDITOR])
    Notification.objects.create(user=auditor, kind=NotificationKind.REAPPEARED, message="x")
    doc = page(browser_for(auditor).get(NOTES))
    assert len(doc.xpath("//ul[@class='notes']/li")) == 1
    assert not doc.xpath("//main//form[@method='post']")
    browser_for(auditor).post(NOTES, {"all": "1"})
    assert not Notification.objects.filter(user=auditor, read_at__isnull=False).exists()
