"""The admin in a real browser: the link registry's changelist and a link's history show every
address defanged, no live link to the content anywhere on the page. Screenshots:
docs/screenshots/admin-changelist.png and docs/screenshots/admin-history.png."""

from playwright.sync_api import expect

from accounts.choices import Role
from registry import services
from registry.choices import LinkState
from tests.browser.conftest import log_in, screenshot
from tests.factories import AgencyFactory, UserFactory
from tests.registry.factories import LinkFactory

URLS = [
    "https://t.me/propaganda_channel_kz/1442",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://propaganda-channel.org/articles/call-to-arms",
    "http://vk.com/wall-123456_789",
]


def live_links(page) -> list[str]:
    """Hrefs of the page that leave the site (the admin's own links are paths)."""
    return page.eval_on_selector_all(
        "a[href]",
        "els => els.map(e => e.getAttribute('href'))"
        ".filter(h => /^(https?|ftp):/i.test(h) || /^\\/\\//.test(h))",
    )


def test_admin_changelist_and_history_show_defanged_urls(open_page, live_server):
    agency = AgencyFactory(code="gp", kind="prosecutor", level="republican", region=None)
    admin_user = UserFactory(
        username="kbz_superuser", agency=agency, roles=[Role.ADMIN], is_superuser=True
    )
    officer = UserFactory(username="kbz_officer", roles=[Role.OFFICER])
    links = [LinkFactory(raw_url=url, first_reported_by=officer) for url in URLS]
    target = links[2]
    services.transition(
        target.pk,
        LinkState.UNDER_REVIEW,
        actor=admin_user,
        reason="Зеркало: https://mirror.propaganda-channel.org/articles/call-to-arms",
    )

    page = open_page("ru-RU")
    log_in(page, admin_user.username)
    page.goto("/admin/registry/link/")
    expect(page.locator("#result_list")).to_contain_text("hxxps://propaganda-channel[.]org")
    body = page.locator("body").inner_text()
    assert "https://" not in body and "http://" not in body
    assert not live_links(page)
    screenshot(page, "admin-changelist")

    page.goto(f"/admin/registry/link/{target.pk}/history/")
    expect(page.locator("#change-history")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("hxxps://propaganda-channel[.]org")
    body = page.locator("body").inner_text()
    assert "propaganda-channel.org" not in body
    assert not live_links(page)
    screenshot(page, "admin-history")

    page.goto(f"/admin/registry/statechange/?link__id__exact={target.pk}")
    body = page.locator("body").inner_text()
    assert "propaganda-channel.org" not in body
    assert not live_links(page)
