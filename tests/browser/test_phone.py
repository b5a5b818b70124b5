"""Every main portal page at a phone's width (390 × 844, an iPhone 12), as a prosecutor and as
an officer, over the demo data: nothing is wider than the screen, chart labels are drawn at
11 px or more, the registry's cards keep their column names, and the navigation folds behind
"Menu". Screenshots go to docs/screenshots/phone-*.png; the server time of each page is
measured (Navigation Timing) and printed (README, "Phone width")."""

import pytest
from playwright.sync_api import expect

from accounts import demo as account_demo
from accounts.models import User
from materials.models import Material
from orders.models import Order
from organizations.models import Organization
from registry.models import Link
from tests.browser.conftest import PASSWORD, log_in, screenshot

PHONE = {"width": 390, "height": 844}

OVERFLOW = """() => ({
  scroll: document.scrollingElement.scrollWidth,
  inner: window.innerWidth,
  wide: [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > 391)
    .slice(0, 8).map(e => `${e.tagName}.${e.className} ${e.getBoundingClientRect().right}`),
})"""

# The size at which each visible chart label is drawn: its font size in SVG units times the
# scale from the SVG's units to CSS pixels.
CHART_FONT_SIZES = """() => [...document.querySelectorAll('svg text')]
  .filter(t => t.getBoundingClientRect().width > 0)
  .map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""

SERVER_MS = """() => { const n = performance.getEntriesByType('navigation')[0];
  return n.responseEnd - n.requestStart; }"""


def seed_demo():
    import importlib

    account_demo.seed_agencies()
    account_demo.seed_users(lambda username: PASSWORD)
    for name in ("organizations.demo", "materials.demo", "registry.demo", "orders.demo"):
        importlib.import_module(name).seed()


@pytest.fixture
def phone(browser, live_server, reference_data):
    """phone() -> a fresh tab at 390 × 844 that refuses every non-local request."""
    contexts = []

    def open_():
        context = browser.new_context(
            base_url=live_server.url,
            locale="ru-RU",
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            device_scale_factor=1,
        )
        context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(live_server.url)
                else route.abort()
            ),
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_
    for context in contexts:
        context.close()


def visit(page, path: str, name: str, timings: dict) -> None:
    response = page.goto(path)
    assert response.status == 200, path
    timings[path] = round(page.evaluate(SERVER_MS))
    sizes = page.evaluate(OVERFLOW)
    # Against the phone's width, not innerWidth: a mobile browser widens its layout viewport
    # to content that overflows, and innerWidth would follow it.
    assert sizes["inner"] == PHONE["width"], (path, sizes)
    assert sizes["scroll"] <= PHONE["width"] + 1, (path, sizes)
    fonts = page.evaluate(CHART_FONT_SIZES)
    assert all(size >= 11 for size in fonts), (path, sorted(fonts)[:3])
    screenshot(page, f"phone-{name}")


def pages_of(user) -> list[tuple[str, str]]:
    link = Link.objects.restrict(user, "view").filter(stats__isnull=False).order_by("id").first()
    link = link or Link.objects.restrict(user, "view").order_by("id").first()
    pages = [
        ("/", "dashboard"),
        ("/links/", "registry"),
        (f"/links/{link.pk}/", "link"),
        ("/submit/", "submit"),
        ("/materials/", "materials"),
        (f"/materials/{Material.objects.order_by('id').first().pk}/", "material"),
        ("/organizations/", "organizations"),
        (f"/organizations/{Organization.objects.order_by('id').first().pk}/", "organization"),
        ("/materials/match/", "file-match"),
        ("/notifications/", "notifications"),
        ("/profile/", "profile"),
    ]
    orders = Order.objects.restrict(user, "view").order_by("-id")
    if orders.exists():
        pages += [("/orders/", "orders"), (f"/orders/{orders.first().pk}/", "order")]
    return pages


@pytest.mark.parametrize("username", ["demo_prosecutor", "demo_officer"])
def test_every_main_page_fits_a_phone(phone, username, capsys):
    seed_demo()
    if username == "demo_prosecutor":
        account_demo.seed_second_factor(username)
    user = User.objects.get(username=username)
    page = phone()
    log_in(page, username)
    role = username.removeprefix("demo_")
    timings: dict[str, int] = {}
    for path, name in pages_of(user):
        visit(page, path, f"{role}-{name}", timings)
    with capsys.disabled():
        print(f"\n{role}: server time per page (ms): {timings}")


def test_the_navigation_folds_and_the_registry_cards_keep_their_labels(phone):
    seed_demo()
    page = phone()
    log_in(page, "demo_officer")
    nav = page.locator("nav.main-nav")
    expect(nav).to_be_hidden()
    menu = page.locator("header .nav-toggle")
    expect(menu).to_have_text("Меню")
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(nav).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "true")
    screenshot(page, "phone-officer-menu")
    nav.get_by_role("link", name="Реестр").click()
    page.wait_for_load_state()
    cell = page.locator("table.links tbody tr").first.locator("td[data-label]").first
    label = cell.get_attribute("data-label")
    before = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert label and label in before
    # Each row is a card: its cells stack inside the screen.
    row = page.locator("table.links tbody tr").first.bounding_box()
    assert row["x"] >= 0 and row["x"] + row["width"] <= PHONE["width"] + 1


def test_the_dashboard_chart_is_readable_at_desktop_width_too(open_page):
    seed_demo()
    page = open_page()
    log_in(page, "demo_officer")
    fonts = page.evaluate(CHART_FONT_SIZES)
    assert fonts and min(fonts) >= 11
    expect(page.locator("nav.main-nav")).to_be_visible()
    expect(page.locator(".nav-toggle")).to_be_hidden()
