"""Work queues, assigning from a list and attributing by search, in a real browser: an officer
walks their queues, a prosecutor takes a link from "awaiting my decision", assigns it by
picking an agency and one of its officers (the list follows the agency), and attributes it by
typing an organization's name. Screenshots: docs/screenshots/queues.png, assign-picker.png."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from accounts.choices import AgencyKind
from checks.models import Notification
from registry import services
from registry.choices import LinkState
from registry.models import Link, LinkOrganization
from tests.browser.conftest import log_in, screenshot
from tests.materials.factories import OrganizationFactory

URLS = [
    "https://t.me/secret_op_channel/15",
    "https://www.youtube.com/watch?v=AbCdEfGhIjK",
    "https://vk.com/wall-1234_56",
]


def queue_link(page, name: str):
    return page.locator(f"nav .nav-queues a[data-queue={name}]")


def listed_ids(page) -> list[int]:
    hrefs = page.locator("#results a.link-ref").evaluate_all("links => links.map(a => a.href)")
    return [int(href.rstrip("/").rsplit("/", 1)[1]) for href in hrefs]


def watch_errors(page) -> list[str]:
    """Console errors (a CSP refusal of a script shows up here) collected while the test runs."""
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_officer_and_prosecutor_work_from_their_queues(open_page, make_user):
    officer = make_user("officer", username="police_officer", first_name="Айдос", last_name="Ким")
    supervisor = make_user("supervisor", username="police_supervisor", agency=officer.agency)
    knb_officer = make_user(
        "officer", username="knb_officer", kind=AgencyKind.KNB, first_name="Ерлан"
    )
    knb_supervisor = make_user("supervisor", username="knb_supervisor", agency=knb_officer.agency)
    make_user("prosecutor", username="prosecutor_almaty", kind=AgencyKind.PROSECUTOR)
    hizb = OrganizationFactory(name_ru="Хизб ут-Тахрир", name_en="Hizb ut-Tahrir")

    answers = services.submit_urls(URLS, user=officer)
    channel, video, wall = (answer.link for answer in answers)
    services.transition(video, LinkState.UNDER_REVIEW, actor=supervisor)
    services.transition(wall, LinkState.UNDER_REVIEW, actor=supervisor)
    services.assign(
        wall,
        actor=supervisor,
        agency=officer.agency,
        user=officer,
        due_date=timezone.localdate() - timedelta(days=2),
    )

    # The officer: their queues with counts, each a registry list with its fixed filter.
    page = open_page("en-US")
    errors = watch_errors(page)
    log_in(page, "police_officer")
    expect(queue_link(page, "review")).to_contain_text("3")
    expect(queue_link(page, "assigned")).to_contain_text("1")
    expect(queue_link(page, "overdue")).to_contain_text("1")
    expect(queue_link(page, "decision")).to_have_count(0)  # a prosecutor's queue
    queue_link(page, "review").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("Awaiting review")
    expect(queue_link(page, "review")).to_have_attribute("aria-current", "page")
    # Oldest due date first: the overdue wall post, then the others by age (one submission:
    # the same time, then by number).
    assert listed_ids(page) == [wall, *sorted([channel, video])]
    screenshot(page, "queues")
    queue_link(page, "assigned").click()
    page.wait_for_load_state()
    assert listed_ids(page) == [wall]

    # The prosecutor: "awaiting my decision" holds the two links under review.
    page = open_page("en-US")
    errors += watch_errors(page)
    log_in(page, "prosecutor_almaty")
    expect(queue_link(page, "decision")).to_contain_text("2")
    queue_link(page, "decision").click()
    page.wait_for_load_state()
    assert sorted(listed_ids(page)) == sorted([video, wall])
    page.locator(f"#results a.link-ref[href='/links/{video}/']").click()
    page.wait_for_load_state()

    # Assign by picking: the officer list follows the agency picked.
    page.locator("details.work-assign summary").click()
    officers = page.locator("#id_assign-user")
    page.locator("#id_assign-agency").select_option(str(knb_officer.agency_id))
    visible = officers.locator("option:not([hidden])").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert sorted(visible) == ["", "knb_officer", "knb_supervisor"]
    officers.select_option("knb_officer")
    page.locator("#id_assign-due_date").fill("2026-12-31")
    screenshot(page, "assign-picker")
    page.locator("details.work-assign button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("#messages")).to_contain_text("Saved.")
    link = Link.objects.get(pk=video)
    assert (link.assigned_agency_id, link.assigned_user_id) == (
        knb_officer.agency_id,
        knb_officer.pk,
    )
    assert Notification.objects.filter(user=knb_officer, link=link).exists()
    assert not Notification.objects.filter(user=knb_supervisor).exists()

    # Attribute by searching: typing finds the organization; one click attributes.
    page.locator("details.work-attribute summary").click()
    page.locator("#attribution-find").fill("khizb tahrir")
    result = page.locator("#attribution-results li", has_text="Hizb ut-Tahrir")
    expect(result).to_have_count(1)
    result.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("#messages")).to_contain_text("Saved.")
    assert LinkOrganization.objects.filter(link=link, organization=hizb).exists()
    # The organization by its name in the page's language (Playwright asks for English).
    expect(page.locator("ul.related")).to_contain_text(re.compile("Хизб ут-Тахрир|Hizb ut-Tahrir"))
    assert errors == []
