"""Basic accessibility, checked in the browser on every portal page: a title, the page language,
one main heading, an accessible name for every form control, the skip link first in the tab
order, and visible keyboard focus."""

import pytest
from playwright.sync_api import expect

from registry import services
from tests.browser.conftest import log_in

PAGES = [
    "/",
    "/submit/",
    "/links/",
    "/materials/",
    "/organizations/",
    "/materials/match/",
    "/notifications/",
    "/profile/",
]

# Controls without a name: an <input>, <select> or <textarea> that no <label>, aria-label or
# aria-labelledby names (the browser's own accessible-name computation, via `labels`).
UNNAMED_CONTROLS = """
() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter(e => e.type !== 'hidden' && e.offsetParent !== null)
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
               && !e.getAttribute('aria-labelledby')
               && !(e.tagName === 'BUTTON' && e.innerText.trim())
               && !(e.type === 'submit' && e.value))
  .map(e => e.outerHTML.slice(0, 120))
"""


@pytest.fixture
def officer_page(open_page, make_user):
    officer = make_user("officer", username="officer_a11y")
    services.submit_urls(["https://t.me/some_channel/12"], user=officer)
    page = open_page()
    log_in(page, "officer_a11y")
    return page


def test_every_page_has_a_title_language_heading_and_named_controls(officer_page):
    page = officer_page
    for path in PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        assert page.title().strip(), path
        assert page.locator("html").get_attribute("lang") == "ru", path
        expect(page.locator("main h1")).to_have_count(1)
        assert page.evaluate(UNNAMED_CONTROLS) == [], path


def test_keyboard_reaches_the_skip_link_first_and_focus_is_visible(officer_page):
    page = officer_page
    page.goto("/links/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.getAttribute('href')")
    assert focused == "#main"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle !== 'none' || s.boxShadow !== 'none'; }"
    )
    assert outline, "the focused control shows no focus ring"
