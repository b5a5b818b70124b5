"""Watching a source in a real browser: an officer adds a feed served on 127.0.0.1 (the only
network the watch may reach), presses "Watch now" (the watch runs inline, as the task would),
and sees its posts, the one re-using a banned material highlighted, and its statistics; then
the list. Screenshots: docs/screenshots/source-detail.png and sources-list.png."""

import ssl

import pytest
from playwright.sync_api import expect

from accounts.choices import AgencyKind, Role
from organizations.models import Organization
from sources.models import Source, SourceItem
from tests.browser.conftest import log_in, screenshot
from tests.checks.sites import site_ca  # noqa: F401  (the throwaway CA)
from tests.factories import AgencyFactory, UserFactory, region
from tests.sources.site import FeedSite, posts
from tests.sources.test_matching import BANNED, banned_material


@pytest.fixture
def local_feeds(site_ca, settings):  # noqa: F811
    """The local HTTPS feed site (tests.sources.site), the watch allowed to reach it alone."""
    ca, pem = site_ca
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    settings.CHECKER_ALLOW_NETWORKS = ["127.0.0.1/32"]
    settings.CHECKER_CA_BUNDLE = pem
    settings.CHECKER_PER_HOST_RATE = 0
    settings.CELERY_TASK_ALWAYS_EAGER = True
    server = FeedSite(context)
    server.thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_an_officer_adds_a_feed_watches_it_and_reads_its_posts_and_statistics(
    open_page, local_feeds
):
    police = AgencyFactory(code="police-KZ-75", kind=AgencyKind.POLICE, region=region("KZ-75"))
    officer = UserFactory(
        username="officer", agency=police, roles=[Role.OFFICER], first_name="Айгерим"
    )
    organization = Organization.objects.create(
        name_ru="Запрещённая организация", classification="extremist"
    )
    banned_material(number=1234, organization=organization)
    entries = posts("/post", 6)
    entries[2]["text"] = BANNED
    entries[2]["title"] = "Перепост брошюры"
    local_feeds.serve_feed("/channel/feed.xml", entries)

    page = open_page("en-US")
    log_in(page, officer.username)
    page.goto("/sources/")
    page.locator("a.new-source").click()
    page.locator("#id_url").fill(local_feeds.url("/channel/feed.xml"))
    page.locator("#id_title").fill("Канал наблюдения")
    page.locator("#id_organization").select_option(label=organization.name_ru)
    page.locator("main form.source-form button[type=submit]").click()
    expect(page.locator(".message.success")).to_contain_text("is watched at once")
    source = Source.objects.get(agency=police)
    assert source.kind == "rss" and source.organization == organization

    page.locator("form[action$='/watch/'] button").click()
    expect(page.locator(".message.success")).to_contain_text("A watch of the source")
    page.reload()
    items = page.locator("ul.source-items > li")
    expect(items).to_have_count(6)
    expect(page.locator("li.source-item.matched")).to_have_count(1)
    expect(page.locator("li.source-item.matched")).to_contain_text("material No. 1234")
    expect(page.locator("dl.source-stats")).to_contain_text("6")
    expect(page.locator("figure.chart svg polyline").first).to_be_visible()
    expect(page.locator("table.watches tbody tr")).to_have_count(1)
    # No live link to the content: every address defanged, each post opens its registry page.
    expect(page.locator("main a[href^='http']")).to_have_count(0)
    assert SourceItem.objects.filter(source=source).count() == 6
    screenshot(page, "source-detail")

    page.goto("/sources/")
    expect(page.locator("tr.source-row")).to_have_count(1)
    expect(page.locator("tr.source-row")).to_contain_text("Канал наблюдения")
    screenshot(page, "sources-list")

    page.goto("/")
    expect(page.locator("section.active-sources")).to_contain_text("Канал наблюдения")
    expect(page.locator("section.newest-matches li")).to_have_count(1)
