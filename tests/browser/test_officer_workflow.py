"""The officer's day in a real browser: submit a URL, meet the known hit from another agency,
and a prosecutor moving the link on. Screenshots of each step go to docs/screenshots/."""

from playwright.sync_api import expect

from accounts.choices import AgencyKind
from registry.models import Link
from tests.browser.conftest import log_in, screenshot

VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ&utm_source=telegram"
SAME_VIDEO = "hxxps://youtu[.]be/dQw4w9WgXcQ?si=abc"


def submit_one(page, url: str) -> None:
    page.goto("/submit/")
    page.locator("#id_one-url").fill(url)
    page.locator("#id_one-url").press("Enter")
    page.wait_for_load_state()


def move(page, name: str):
    """The <details> of one transition form on a link's page (registry.transitions names)."""
    return page.locator("details.move", has=page.locator(f"input[name=move][value={name}]"))


def test_second_agency_sees_the_known_hit_for_another_form_of_the_same_video(open_page, make_user):
    make_user("officer", username="police_officer", kind=AgencyKind.POLICE)
    make_user("officer", username="knb_officer", kind=AgencyKind.KNB)

    police = open_page()
    log_in(police, "police_officer")
    submit_one(police, VIDEO)
    row = police.locator("tr.result").first
    expect(row).to_have_attribute("data-status", "new")
    expect(row).to_contain_text("youtube[.]com")
    expect(police.locator("a[href*='youtube']")).to_have_count(0)  # never a live link
    screenshot(police, "submit-new")

    knb = open_page()
    log_in(knb, "knb_officer")
    submit_one(knb, SAME_VIDEO)
    hit = knb.locator("tr.result").first
    expect(hit).to_have_attribute("data-status", "known")
    expect(hit).to_contain_text("police-KZ-75")  # first reported by the police department
    screenshot(knb, "submit-known")

    assert Link.objects.count() == 1
    assert Link.objects.get().report_count == 2


def test_prosecutor_confirms_a_link_under_review_through_its_form(open_page, make_user):
    officer = make_user("officer", username="reporting_officer")
    make_user("prosecutor", username="prosecutor_almaty", kind=AgencyKind.PROSECUTOR)
    from registry import services

    [answer] = services.submit_urls([VIDEO], user=officer)
    link = Link.objects.get(pk=answer.link)
    page = open_page()
    log_in(page, "prosecutor_almaty")

    page.goto(f"/links/{link.pk}/")
    expect(page.locator("h1")).to_contain_text(str(link.pk))
    expect(page.locator("a[href*='youtube']")).to_have_count(0)
    move(page, "start_review").locator("summary").click()
    page.locator("details.move[open] form button[type=submit]").click()
    page.wait_for_load_state()
    link.refresh_from_db()
    assert link.state == "under_review"

    move(page, "confirm").locator("summary").click()
    reason = move(page, "confirm").locator("textarea").first
    move(page, "confirm").locator("button[type=submit]").click()  # no reason yet
    assert reason.evaluate("field => field.validity.valueMissing")  # the browser asks for it
    link.refresh_from_db()
    assert link.state == "under_review"

    reason.fill("Призывы к насилию, заключение №12")
    move(page, "confirm").locator("select").select_option("extremist")
    move(page, "confirm").locator("button[type=submit]").click()
    page.wait_for_load_state()
    link.refresh_from_db()
    assert link.state == "confirmed"
    screenshot(page, "link-detail")
