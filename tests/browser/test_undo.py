"""Undo and the case in a real browser (issue 17): an officer withdraws a mistaken submission
within the window; notes and a case number on a link; confirming asks for a classification.
The screenshot of the link page with all of it goes to docs/screenshots/link-undo.png."""

from playwright.sync_api import expect

from accounts.choices import AgencyKind
from registry import services
from registry.choices import LinkState
from registry.models import Link, LinkNote
from tests.browser.conftest import log_in, screenshot


def move(page, name: str):
    return page.locator("details.move", has=page.locator(f"input[name=move][value={name}]"))


def test_an_officer_withdraws_a_mistaken_submission_from_the_link_page(open_page, make_user):
    officer = make_user("officer", username="hasty_officer", kind=AgencyKind.POLICE)
    [answer] = services.submit_urls(["https://t.me/typo_chanel/12"], user=officer)
    page = open_page()
    log_in(page, "hasty_officer")
    page.goto(f"/links/{answer.link}/")
    form = page.locator("form.withdraw-form")
    expect(form).to_have_count(1)
    form.locator("button[type=submit]").click()  # no reason yet: the browser asks for it
    assert form.locator("textarea").evaluate("field => field.validity.valueMissing")
    form.locator("textarea").fill("Опечатка в названии канала")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("form.withdraw-form")).to_have_count(0)
    expect(page.locator("h1 .state-withdrawn")).to_have_count(1)
    expect(page.locator("ol.timeline")).to_contain_text("Опечатка в названии канала")
    link = Link.objects.get(pk=answer.link)
    assert (link.state, link.report_count) == (LinkState.WITHDRAWN, 0)


def test_notes_case_number_and_a_confirmation_that_asks_for_the_classification(
    open_page, make_user
):
    officer = make_user("officer", username="case_officer", kind=AgencyKind.POLICE)
    make_user("supervisor", username="case_supervisor", agency=officer.agency)
    make_user("prosecutor", username="case_prosecutor", kind=AgencyKind.PROSECUTOR)
    [answer] = services.submit_urls(["https://vk.com/wall-555_77"], user=officer)
    pk = answer.link

    page = open_page()
    log_in(page, "case_officer")
    page.goto(f"/links/{pk}/")
    expect(page.locator("form.case-form")).to_have_count(0)  # the officer writes notes only
    page.locator("form.note-form textarea").fill("Пост повторяет материал № 20 из списка")
    page.locator("form.note-form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("ol.notes li")).to_contain_text("Пост повторяет материал № 20")

    supervisor = open_page()
    log_in(supervisor, "case_supervisor")
    supervisor.goto(f"/links/{pk}/")
    supervisor.locator("form.case-form input[type=text]").fill("2-1234/2024")
    supervisor.locator("form.case-form button[type=submit]").click()
    supervisor.wait_for_load_state()
    expect(supervisor.locator("#case-number")).to_have_text("2-1234/2024")
    expect(supervisor.locator("ol.notes li")).to_contain_text("case_officer")
    move(supervisor, "start_review").locator("summary").click()
    supervisor.locator("details.move[open] form button[type=submit]").click()
    supervisor.wait_for_load_state()

    prosecutor = open_page()
    log_in(prosecutor, "case_prosecutor")
    prosecutor.goto(f"/links/?q={'2-1234'}")
    expect(prosecutor.locator(f"a[href='/links/{pk}/']").first).to_be_visible()
    prosecutor.goto(f"/links/{pk}/")
    confirm = move(prosecutor, "confirm")
    confirm.locator("summary").click()
    confirm.locator("textarea").first.fill("Заключение эксперта № 12")
    confirm.locator("button[type=submit]").click()  # no classification yet
    assert confirm.locator("select").evaluate("field => field.validity.valueMissing")
    assert Link.objects.get(pk=pk).state == LinkState.UNDER_REVIEW
    confirm.locator("select").select_option("extremist")
    confirm.locator("button[type=submit]").click()
    prosecutor.wait_for_load_state()
    link = Link.objects.get(pk=pk)
    assert (link.state, link.classification, link.case_number) == (
        LinkState.CONFIRMED,
        "extremist",
        "2-1234/2024",
    )
    assert LinkNote.objects.filter(link=link).count() == 1
    prosecutor.locator("#notes-h").scroll_into_view_if_needed()
    screenshot(prosecutor, "link-undo")
