"""The dashboard of a central prosecutor over the demo registry, in a real browser."""

import re

from playwright.sync_api import expect

from accounts import demo as account_demo
from registry import demo as registry_demo
from registry.models import Link
from reporting import facts
from tests.browser.conftest import PASSWORD, log_in, screenshot


def test_central_prosecutor_sees_the_country_with_a_drawn_trend(open_page):
    account_demo.seed_agencies()
    account_demo.seed_users(lambda username: PASSWORD)
    account_demo.seed_second_factor("demo_prosecutor")  # the demo authenticator, as in make run
    registry_demo.seed()
    # The report figures as the beat leaves them (a dashboard right after a burst may read
    # them before its bounded inline refresh catches up: README, "When a part fails").
    facts.refresh_links()
    facts.add_new_repeats()
    page = open_page()

    log_in(page, "demo_prosecutor")
    expect(page).to_have_url(re.compile(r"/$"))
    registered = str(Link.objects.count())
    expect(page.locator("main")).to_contain_text(registered)
    chart = page.locator("main svg").first
    expect(chart).to_be_visible()
    assert chart.locator("polyline, path").count() > 0  # a line was drawn, not just axes
    expect(page.locator("main a[href^='http']")).to_have_count(0)  # no live link to content
    screenshot(page, "dashboard")
