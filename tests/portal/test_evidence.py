"""A link's captures on the portal: blurred until the officer reveals them, every view and
reveal in the capture's custody log, the differences between captures' texts highlighted, the
screenshot served only through the policy and with a CSP that allows nothing; an order's page
of evidence lists the captures of the links it covers."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import html
from PIL import Image

from evidence import verify_package
from evidence.choices import CaptureReason, CaptureState, CustodyAction
from evidence.custody import chain_problems
from evidence.models import Capture, CustodyEvent
from orders import services as order_services
from orders.choices import RecipientKind
from orders.models import Recipient
from registry.models import Link
from tests.checks.sites import register
from tests.portal.evidence_helpers import (
    done_capture,
    evidence_storage_in,
    failed_capture,
    page_png,
)

pytestmark = pytest.mark.django_db

SECRET_TEXT = "Call to violence, line one\nSecond line stays\nThird line stays"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    evidence_storage_in(settings, tmp_path)


@pytest.fixture
def link(officer):
    return register(officer, "https://example.test/post/1")[0]


@pytest.fixture
def capture(link):
    return done_capture(link, text=SECRET_TEXT, png=page_png())


def actions(capture) -> list[str]:
    """The custody log of the capture after "taken"."""
    return list(
        CustodyEvent.objects.filter(capture=capture)
        .exclude(action=CustodyAction.TAKEN)
        .order_by("at", "id")
        .values_list("action", flat=True)
    )


def test_link_page_shows_a_capture_blurred_without_its_text(browser, officer, link, capture):
    response = browser(officer).get(reverse("portal:link", args=[link.pk]))

    assert response.status_code == 200
    page = html.fromstring(response.content)
    entry = page.get_element_by_id(f"capture-{capture.pk}")
    images = [img.get("src") for img in entry.iter("img")]
    assert images == [reverse("portal:capture_preview", args=[capture.pk])]
    assert "Call to violence" not in response.content.decode()
    assert entry.xpath(".//form[@method='post']/@action") == [
        reverse("portal:capture_reveal", args=[capture.pk])
    ]
    assert actions(capture) == []  # nothing of the capture's content was shown


def test_preview_is_a_small_blurred_png_with_a_csp_that_allows_nothing(browser, officer, capture):
    response = browser(officer).get(reverse("portal:capture_preview", args=[capture.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    preview = Image.open(io.BytesIO(response.content))
    assert preview.width <= 480
    # Blurred: the sharp edge between the banner and the page is smeared over many rows.
    column = [preview.getpixel((preview.width // 2, y)) for y in range(preview.height)]
    in_between = [p for p in column if 60 < p[1] < 200]
    assert len(in_between) > 10
    event = CustodyEvent.objects.get(capture=capture, action=CustodyAction.VIEWED)
    assert event.user == officer
    assert event.details == {"artifact": "screenshot", "blurred": True}


def test_full_screenshot_is_refused_until_revealed(browser, officer, capture):
    client = browser(officer)
    assert client.get(reverse("portal:capture_screenshot", args=[capture.pk])).status_code == 404
    assert actions(capture) == []


def test_reveal_is_a_post_logged_in_custody_then_shows_screenshot_and_text(
    browser, officer, link, capture
):
    client = browser(officer)
    assert client.get(reverse("portal:capture_reveal", args=[capture.pk])).status_code == 405

    response = client.post(reverse("portal:capture_reveal", args=[capture.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:link", args=[link.pk]) + (
        f"#capture-{capture.pk}"
    )
    assert actions(capture) == [CustodyAction.REVEALED]
    page = client.get(reverse("portal:link", args=[link.pk]))
    assert "Call to violence, line one" in page.content.decode()
    entry = html.fromstring(page.content).get_element_by_id(f"capture-{capture.pk}")
    assert [img.get("src") for img in entry.iter("img")] == [
        reverse("portal:capture_screenshot", args=[capture.pk])
    ]
    shot = client.get(reverse("portal:capture_screenshot", args=[capture.pk]))
    assert shot.status_code == 200
    assert shot.content == page_png()
    assert shot["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert actions(capture) == [CustodyAction.REVEALED, CustodyAction.VIEWED, CustodyAction.VIEWED]
    viewed = CustodyEvent.objects.filter(capture=capture, action=CustodyAction.VIEWED)
    assert sorted(event.details["artifact"] for event in viewed) == ["screenshot", "text"]
    events = list(CustodyEvent.objects.filter(capture=capture).order_by("at", "id"))
    assert chain_problems(events) == []


def test_blur_again_hides_the_capture_for_the_session(browser, officer, link, capture):
    client = browser(officer)
    client.post(reverse("portal:capture_reveal", args=[capture.pk]))
    client.post(reverse("portal:capture_hide", args=[capture.pk]))

    page = client.get(reverse("portal:link", args=[link.pk]))
    assert "Call to violence" not in page.content.decode()
    assert client.get(reverse("portal:capture_screenshot", args=[capture.pk])).status_code == 404


def test_reveal_returns_only_to_a_page_of_this_site(browser, officer, capture):
    client = browser(officer)
    for elsewhere in ("https://evil.test/x", "//evil.test/x", "javascript:alert(1)"):
        response = client.post(
            reverse("portal:capture_reveal", args=[capture.pk]), {"next": elsewhere}
        )
        assert response["Location"] == reverse("portal:link", args=[capture.link_id]) + (
            f"#capture-{capture.pk}"
        )


def test_revealed_capture_highlights_what_changed_since_the_one_before(browser, officer, link):
    earlier = timezone.now() - timedelta(days=1)
    done_capture(link, text="Header\nOld claim\nFooter", at=earlier)
    newer = done_capture(link, text="Header\nNew claim\nFooter")
    client = browser(officer)
    client.post(reverse("portal:capture_reveal", args=[newer.pk]))

    page = html.fromstring(client.get(reverse("portal:link", args=[link.pk])).content)
    entry = page.get_element_by_id(f"capture-{newer.pk}")
    assert [li.text_content().strip() for li in entry.find_class("diff-removed")] == [
        "removed: Old claim"
    ]
    assert [li.text_content().strip() for li in entry.find_class("diff-added")] == [
        "added: New claim"
    ]
    viewed = CustodyEvent.objects.get(capture=newer, action=CustodyAction.VIEWED)
    assert viewed.details["diff_against"] != newer.pk


def test_failed_capture_shows_why(browser, officer, link):
    failed = failed_capture(link, "redirect to an internal address refused")
    page = html.fromstring(browser(officer).get(reverse("portal:link", args=[link.pk])).content)
    entry = page.get_element_by_id(f"capture-{failed.pk}")
    assert "redirect to an internal address refused" in entry.text_content()


def test_a_failed_fetch_is_worded_in_the_readers_language(browser, officer, link):
    failed = failed_capture(link, "timeout: the page did not finish within 60 s")
    client = browser(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    page = html.fromstring(client.get(reverse("portal:link", args=[link.pk])).content)
    entry = page.get_element_by_id(f"capture-{failed.pk}")
    assert "сервер не ответил вовремя" in entry.text_content()
    assert "did not finish" not in entry.text_content()  # the detail is for IT, on hover


def test_confidential_links_captures_are_not_served_to_others(
    browser, officer, other_officer, link, capture
):
    Link.objects.filter(pk=link.pk).update(confidential=True)
    client = browser(other_officer)
    for name in ("capture_preview", "capture_screenshot"):
        assert client.get(reverse(f"portal:{name}", args=[capture.pk])).status_code == 404
    assert client.post(reverse("portal:capture_reveal", args=[capture.pk])).status_code == 404
    assert actions(capture) == []


def test_anonymous_users_are_sent_to_log_in(client, capture):
    response = client.get(reverse("portal:capture_preview", args=[capture.pk]))
    assert response.status_code == 302
    assert reverse("portal:login") in response["Location"]


def test_order_evidence_lists_the_captures_of_its_links(browser, officer, prosecutor, link):
    capture = done_capture(link, text=SECRET_TEXT, png=page_png())
    bare = register(officer, "https://example.test/post/2")[0]
    recipient = Recipient.objects.create(
        name_ru="Министерство", kind=RecipientKind.MINISTRY, deadline_hours=24
    )
    Link.objects.filter(pk__in=[link.pk, bare.pk]).update(state="confirmed")
    order = order_services.create_order(
        prosecutor, recipient=recipient, links=[link, bare], law_article="ст. 41-1"
    )

    response = browser(officer).get(reverse("portal:order_evidence", args=[order.pk]))

    assert response.status_code == 200
    page = html.fromstring(response.content)
    sections = page.find_class("order-link-evidence")
    assert len(sections) == 2
    entry = page.get_element_by_id(f"capture-{capture.pk}")
    assert [img.get("src") for img in entry.iter("img")] == [
        reverse("portal:capture_preview", args=[capture.pk])
    ]
    assert "No capture yet." in sections[1].text_content()
    assert "Call to violence" not in response.content.decode()
    reveal = entry.xpath(".//form/input[@name='next']/@value")
    assert reveal == [reverse("portal:order_evidence", args=[order.pk])]


def test_order_evidence_is_404_for_an_order_one_may_not_read(
    browser, other_officer, prosecutor, link
):
    recipient = Recipient.objects.create(
        name_ru="Министерство", kind=RecipientKind.MINISTRY, deadline_hours=24
    )
    Link.objects.filter(pk=link.pk).update(state="confirmed", confidential=True)
    order = order_services.create_order(
        prosecutor, recipient=recipient, links=[link], law_article="ст. 41-1"
    )
    response = browser(other_officer).get(reverse("portal:order_evidence", args=[order.pk]))
    assert response.status_code == 404


def test_capture_now_asks_for_an_on_demand_capture(browser, officer, link):
    client = browser(officer)
    page = html.fromstring(client.get(reverse("portal:link", args=[link.pk])).content)
    assert page.xpath("//form[contains(@class, 'capture-now')]/@action") == [
        reverse("portal:link_capture", args=[link.pk])
    ]
    assert client.get(reverse("portal:link_capture", args=[link.pk])).status_code == 405

    response = client.post(reverse("portal:link_capture", args=[link.pk]), follow=True)

    capture = Capture.objects.get(link=link)
    assert (capture.reason, capture.state, capture.requested_by) == (
        CaptureReason.ON_DEMAND,
        CaptureState.PENDING,
        officer,
    )
    entry = html.fromstring(response.content).get_element_by_id(f"capture-{capture.pk}")
    assert "Being captured…" in entry.text_content()


def test_demo_links_offer_no_capture_and_refuse_one(browser, officer, link):
    Link.objects.filter(pk=link.pk).update(is_demo=True)
    client = browser(officer)
    page = html.fromstring(client.get(reverse("portal:link", args=[link.pk])).content)
    assert not page.find_class("capture-now")

    response = client.post(reverse("portal:link_capture", args=[link.pk]), follow=True)

    assert "Demo links are never fetched." in response.content.decode()
    assert not Capture.objects.filter(link=link).exists()


def test_capture_now_is_refused_for_a_link_one_may_not_read(browser, other_officer, link):
    Link.objects.filter(pk=link.pk).update(confidential=True)
    browser(other_officer).post(reverse("portal:link_capture", args=[link.pk]))
    assert not Capture.objects.filter(link=link).exists()


def test_link_package_downloads_a_zip_that_verifies_and_is_logged(browser, officer, link, capture):
    client = browser(officer)
    page = html.fromstring(client.get(reverse("portal:link", args=[link.pk])).content)
    assert page.xpath("//form[button]/@action").count(
        reverse("portal:link_package", args=[link.pk])
    )
    assert client.get(reverse("portal:link_package", args=[link.pk])).status_code == 405

    response = client.post(reverse("portal:link_package", args=[link.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f"evidence-link-{link.pk}.zip" in response["Content-Disposition"]
    path = io.BytesIO(response.content)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert f"capture-{capture.pk}/screenshot.png" in names
    assert "statement.txt" in names
    assert verify_package.verify(path) == []
    downloaded = CustodyEvent.objects.get(capture=capture, action=CustodyAction.DOWNLOADED)
    assert (downloaded.user, downloaded.details) == (officer, {"channel": "portal"})


def test_a_link_without_finished_captures_has_no_package(browser, officer, link):
    failed_capture(link, "timeout")
    client = browser(officer)
    page = html.fromstring(client.get(reverse("portal:link", args=[link.pk])).content)
    assert not page.xpath(f"//form[@action='{reverse('portal:link_package', args=[link.pk])}']")
    response = client.post(reverse("portal:link_package", args=[link.pk]))
    assert response.status_code == 302


def test_order_package_holds_the_captures_of_its_links(browser, officer, prosecutor, link, capture):
    recipient = Recipient.objects.create(
        name_ru="Министерство", kind=RecipientKind.MINISTRY, deadline_hours=24
    )
    Link.objects.filter(pk=link.pk).update(state="confirmed")
    order = order_services.create_order(
        prosecutor, recipient=recipient, links=[link], law_article="ст. 41-1"
    )

    response = browser(prosecutor).post(reverse("portal:order_package", args=[order.pk]))

    assert response.status_code == 200
    assert verify_package.verify(io.BytesIO(response.content)) == []
    downloaded = CustodyEvent.objects.get(capture=capture, action=CustodyAction.DOWNLOADED)
    assert downloaded.details == {"channel": "portal", "order": order.pk}


def test_the_captures_section_costs_the_same_queries_for_many_captures(browser, officer, link):
    client = browser(officer)
    url = reverse("portal:link", args=[link.pk])
    done_capture(link, text="one", png=page_png())
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for number in range(6):
        done_capture(link, text=f"text {number}", png=page_png())
    failed_capture(link, "timeout")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_order_evidence_shows_the_newest_captures_of_each_link(browser, officer, prosecutor, link):
    now = timezone.now()
    captures = [
        done_capture(link, text=f"version {n}", at=now - timedelta(hours=n)) for n in range(7)
    ]
    recipient = Recipient.objects.create(
        name_ru="Министерство", kind=RecipientKind.MINISTRY, deadline_hours=24
    )
    Link.objects.filter(pk=link.pk).update(state="confirmed")
    order = order_services.create_order(
        prosecutor, recipient=recipient, links=[link], law_article="ст. 41-1"
    )

    response = browser(officer).get(reverse("portal:order_evidence", args=[order.pk]))

    shown = [
        int(li.get("id").split("-")[1])
        for li in html.fromstring(response.content).find_class("capture")
    ]
    assert shown == [capture.pk for capture in captures[:5]]


def test_each_capture_shows_the_latest_entries_of_its_custody_log(browser, officer, link, capture):
    client = browser(officer)
    client.post(reverse("portal:capture_reveal", args=[capture.pk]))

    page = html.fromstring(client.get(reverse("portal:link", args=[link.pk])).content)

    log = page.get_element_by_id(f"capture-{capture.pk}").find_class("capture-custody")[0]
    # taken and revealed; this page's own view of the text is logged after the log was read
    assert "Custody log: 2 entries" in log.text_content()
    rows = [[cell.text_content().strip() for cell in row[1:]] for row in log.xpath(".//tbody/tr")]
    assert rows == [
        ["Revealed", officer.username],
        ["Taken", "the system"],
    ]


def test_a_captured_pages_markup_is_shown_as_text_never_run(browser, officer, link):
    hostile = done_capture(
        link, text="<script>alert(1)</script>\n<img src=x onerror=alert(2)>\nhttps://bad.example/x"
    )
    client = browser(officer)
    client.post(reverse("portal:capture_reveal", args=[hostile.pk]))

    content = client.get(reverse("portal:link", args=[link.pk])).content.decode()

    assert "<script>alert(1)" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<img src=x" not in content
    assert "hxxps://bad[.]example/x" in content  # addresses in the text are defanged too
