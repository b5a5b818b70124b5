"""The capture timeline in a real browser: blurred until the officer reveals it, the reveal in
the custody log, the screenshot loading under the portal's CSP with no violation, what changed
since the previous capture highlighted; and an order's evidence page. Screenshots go to
docs/screenshots/evidence-*.png."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from evidence.choices import CaptureReason, CustodyAction
from evidence.models import CustodyEvent
from orders import services as order_services
from orders.choices import RecipientKind
from orders.models import Recipient
from registry.models import Link
from tests.browser.conftest import SCREENSHOTS, log_in
from tests.checks.sites import register
from tests.portal.evidence_helpers import (
    done_capture,
    evidence_storage_in,
    failed_capture,
    page_png,
)

BEFORE = (
    "Канал «Пример»\nПост от 1 декабря\nПризыв к насилию (текст первой версии)\nКомментарии: 12"
)
AFTER = (
    "Канал «Пример»\nПост от 1 декабря\nПризыв к насилию (текст изменён автором)\nКомментарии: 48"
)


def shoot(locator, name: str) -> None:
    """A screenshot of one part of the page, once its (lazy) images have loaded."""
    for image in locator.locator("img").all():
        image.scroll_into_view_if_needed()
        image.evaluate("img => img.decode()")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def watch_console(page) -> list[str]:
    """Console errors of the page (a CSP violation is one)."""
    errors = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    return errors


def captured_link(officer):
    link = register(officer, "https://example.test/channel/post/77")[0]
    now = timezone.now()
    failed_capture(link, "timeout: the page did not finish within 60 s")
    first = done_capture(
        link,
        text=BEFORE,
        png=page_png((30, 90, 160), words="Первая версия"),
        at=now - timedelta(days=2),
        reason=CaptureReason.FIRST_CHECK,
    )
    latest = done_capture(
        link,
        text=AFTER,
        png=page_png((170, 30, 30), words="Изменённая версия"),
        at=now - timedelta(hours=3),
        reason=CaptureReason.CHANGED,
    )
    return link, first, latest


def test_officer_reveals_a_capture_and_sees_what_changed(open_page, make_user, settings, tmp_path):
    evidence_storage_in(settings, tmp_path)
    officer = make_user("officer", username="evidence_officer")
    link, first, latest = captured_link(officer)
    page = open_page()
    errors = watch_console(page)
    log_in(page, "evidence_officer")

    page.goto(f"/links/{link.pk}/#captures")
    captures = page.locator("#captures")
    expect(captures.locator(".capture")).to_have_count(3)
    expect(captures).not_to_contain_text("текст изменён")  # no text before the reveal
    preview = captures.locator(f"#capture-{latest.pk} .shot-blurred img")
    expect(preview).to_be_visible()
    assert preview.evaluate("img => img.complete && img.naturalWidth > 0")
    shoot(captures, "evidence-timeline-blurred")

    captures.locator(f"#capture-{latest.pk} .reveal-form button").click()
    page.wait_for_load_state()
    entry = page.locator(f"#capture-{latest.pk}")
    expect(entry.locator(".diff-added").first).to_contain_text("текст изменён автором")
    expect(entry.locator(".diff-removed").first).to_contain_text("текст первой версии")
    full = entry.locator(".shot-full img")
    expect(full).to_be_visible()
    full.evaluate("img => img.decode()")
    assert full.evaluate("img => img.naturalWidth") == 800
    shoot(page.locator("#captures"), "evidence-timeline-revealed")

    log = CustodyEvent.objects.filter(capture=latest).order_by("at", "id")
    assert [event.action for event in log][:3] == [
        CustodyAction.TAKEN,
        CustodyAction.VIEWED,  # the blurred preview
        CustodyAction.REVEALED,
    ]
    assert CustodyEvent.objects.filter(
        capture=latest, action=CustodyAction.VIEWED, details__blurred=False
    ).exists()
    assert not [e for e in errors if "Content Security Policy" in e], errors
    assert page.locator("iframe, object, embed").count() == 0  # never the live page


def test_order_evidence_page_lists_its_links_captures(open_page, make_user, settings, tmp_path):
    evidence_storage_in(settings, tmp_path)
    officer = make_user("officer", username="evidence_officer2")
    prosecutor = make_user("prosecutor", username="evidence_prosecutor", kind="prosecutor")
    link, _first, _latest = captured_link(officer)
    other = register(officer, "https://example.test/channel/post/78")[0]
    Link.objects.filter(pk__in=[link.pk, other.pk]).update(state="confirmed")
    recipient = Recipient.objects.create(
        name_ru="Министерство информации и общественного развития РК",
        kind=RecipientKind.MINISTRY,
        deadline_hours=24,
    )
    order = order_services.create_order(
        prosecutor, recipient=recipient, links=[link, other], law_article="ст. 41-1"
    )
    page = open_page()
    log_in(page, "evidence_prosecutor")

    page.goto(f"/orders/{order.pk}/evidence/")
    expect(page.locator(".order-link-evidence")).to_have_count(2)
    expect(page.locator(".shot-blurred img").first).to_be_visible()
    shoot(page.locator("main"), "evidence-order")
