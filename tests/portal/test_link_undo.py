"""The link page's undo and case parts (portal.views.link_undo): withdrawing one's own report,
notes and the case number, offered to whom the services allow and refused to anyone else."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from registry import notes, services
from registry.choices import LinkState
from registry.models import Link, LinkNote, Report
from tests.portal.conftest import browser_for, page, texts

URL = "https://t.me/typo_channel/3"


def submit(user, url=URL) -> Link:
    [answer] = services.submit_urls([url], user=user)
    return Link.objects.get(pk=answer.link)


def detail(user, link):
    return page(browser_for(user).get(reverse("portal:link", args=[link.pk])))


def test_the_submitter_withdraws_from_the_link_page_and_the_timeline_says_so(officer):
    link = submit(officer)
    doc = detail(officer, link)
    [form] = doc.xpath("//form[contains(@action, '/withdraw/')]")
    report = form.xpath(".//input[@name='withdraw-report']/@value")[0]

    client = browser_for(officer)
    response = client.post(
        reverse("portal:link_withdraw", args=[link.pk]),
        {"withdraw-report": report, "withdraw-reason": "Wrong channel"},
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.state == LinkState.WITHDRAWN
    doc = page(client.get(response["Location"]))
    assert texts(doc, "//div[@id='messages']/p") == ["Your report was withdrawn."]
    assert not doc.xpath("//form[contains(@action, '/withdraw/')]")  # nothing left to withdraw
    timeline = doc.xpath("string(//ol[@class='timeline'])")
    assert "withdrawn" in timeline and "Wrong channel" in timeline


def test_no_withdraw_button_for_others_or_past_the_window(officer, supervisor, make_user):
    link = submit(officer)
    assert not detail(supervisor, link).xpath("//form[contains(@action, '/withdraw/')]")
    Report.objects.filter(link=link).update(submitted_at=timezone.now() - dt.timedelta(hours=2))
    assert not detail(officer, link).xpath("//form[contains(@action, '/withdraw/')]")
    # A forged post past the window is refused with the reason, and nothing changes.
    client = browser_for(officer)
    report = Report.objects.get(link=link)
    response = client.post(
        reverse("portal:link_withdraw", args=[link.pk]),
        {"withdraw-report": report.pk, "withdraw-reason": "late"},
        follow=True,
    )
    [message] = texts(page(response), "//div[@id='messages']/p")
    assert "within 60 minutes" in message
    link.refresh_from_db()
    assert link.state == LinkState.NEW


def test_a_supervisor_cannot_withdraw_an_officers_report_by_posting_its_number(officer, supervisor):
    link = submit(officer)
    report = Report.objects.get(link=link)
    response = browser_for(supervisor).post(
        reverse("portal:link_withdraw", args=[link.pk]),
        {"withdraw-report": report.pk, "withdraw-reason": "mine now"},
        follow=True,
    )
    assert texts(page(response), "//div[@id='messages']/p") == [
        "Only its submitter may withdraw a report."
    ]
    assert Report.objects.get(pk=report.pk).withdrawn_at is None


def test_notes_and_case_number_on_the_page(officer, supervisor):
    link = submit(officer)
    officer_page = detail(officer, link)
    assert officer_page.xpath("//form[contains(@action, '/notes/')]")
    assert not officer_page.xpath("//form[contains(@action, '/case-number/')]")  # reviewers'

    response = browser_for(officer).post(
        reverse("portal:link_note", args=[link.pk]), {"note-text": "Ссылка из жалобы №45"}
    )
    assert response.status_code == 302
    client = browser_for(supervisor)
    response = client.post(
        reverse("portal:link_case_number", args=[link.pk]), {"case-case_number": "2-1234/2024"}
    )
    assert response.status_code == 302
    doc = page(client.get(reverse("portal:link", args=[link.pk])))
    assert texts(doc, "//dd[@id='case-number']") == ["2-1234/2024"]
    [note] = texts(doc, "//ol[@class='notes']/li")
    assert "Ссылка из жалобы №45" in note and officer.username in note


def test_a_bad_case_number_or_empty_note_says_what_is_wrong(officer, supervisor):
    link = submit(officer)
    response = browser_for(supervisor).post(
        reverse("portal:link_case_number", args=[link.pk]),
        {"case-case_number": "no digits"},
        follow=True,
    )
    [message] = texts(page(response), "//div[@id='messages']/p")
    assert message.startswith("A case number is letters and digits")
    response = browser_for(officer).post(
        reverse("portal:link_note", args=[link.pk]), {"note-text": "  "}, follow=True
    )
    assert texts(page(response), "//div[@id='messages']/p") == ["Note: This field is required."]
    link.refresh_from_db()
    assert link.case_number == "" and not LinkNote.objects.exists()


def test_another_agency_gets_404_for_the_notes_and_posts(officer, other_officer):
    link = submit(officer)
    notes.add_note(link.pk, author=officer, text="private remark")
    client = browser_for(other_officer)
    assert client.get(reverse("portal:link", args=[link.pk])).status_code == 404
    for name, data in (
        ("portal:link_note", {"note-text": "x"}),
        ("portal:link_case_number", {"case-case_number": "1-1"}),
        ("portal:link_withdraw", {"withdraw-report": 1, "withdraw-reason": "x"}),
    ):
        assert client.post(reverse(name, args=[link.pk]), data).status_code == 404
    assert LinkNote.objects.count() == 1


def test_a_corrected_blocked_shows_as_a_correction_in_the_timeline_and_the_api(
    officer, prosecutor, api_client
):
    link = submit(officer)
    Link.objects.filter(pk=link.pk).update(state=LinkState.BLOCKED, classification="extremist")
    services.transition(
        link.pk, LinkState.BLOCKING_REQUESTED, actor=prosecutor, reason="Still reachable"
    )
    doc = detail(prosecutor, link)
    [event] = doc.xpath("//ol[@class='timeline']/li[contains(@class, 'event-state')]")
    assert texts(event, ".//span[@class='event-kind']") == ["Correction"]
    assert "Still reachable" in event.text_content()
    api_client.force_authenticate(prosecutor)
    [step] = api_client.get(f"/api/v1/links/{link.pk}/trail/").json()
    assert (step["from_state"], step["to_state"], step["correction"]) == (
        "blocked",
        "blocking_requested",
        True,
    )


def test_a_withdrawn_link_leaves_the_dashboard_figures_and_lists(officer, supervisor):
    from registry import withdrawal
    from reporting import services as reporting
    from reporting.filters import ReportFilters

    kept = submit(officer, "https://kept.example/1")
    services.submit_urls([kept.url], user=supervisor)  # a repeat, listed on the dashboard
    gone = submit(officer, "https://gone.example/2")
    services.assign(gone.pk, actor=supervisor, agency=officer.agency, user=officer)
    before = reporting.summary(supervisor, ReportFilters())
    assert (before["registered"], before["pending"], before["repeats"]) == (2, 2, 1)
    home = page(browser_for(officer).get(reverse("portal:home")))
    assert home.xpath(f"//a[@href='/links/{gone.pk}/']")
    assert "kept[.]example" in home.text_content()

    withdrawal.withdraw_report(actor=officer, link_id=gone.pk, reason="wrong")
    withdrawal.withdraw_report(actor=supervisor, link_id=kept.pk, reason="duplicate")
    after = reporting.summary(supervisor, ReportFilters())
    assert (after["registered"], after["pending"], after["repeats"]) == (1, 1, 0)
    home = page(browser_for(officer).get(reverse("portal:home")))
    assert not home.xpath(f"//a[@href='/links/{gone.pk}/']")  # not in "assigned to me"
    assert "kept[.]example" not in home.text_content()  # the withdrawn repeat is not listed
