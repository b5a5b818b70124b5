"""Submitting and checking URLs through the service layer (docs/design.md §4.2)."""

import pytest

from accounts.choices import Role
from registry import services
from registry.choices import LinkState, ReportSource
from registry.models import ConfidentialRead, Link, Report


def test_first_submission_registers_the_link_as_new_and_yours(officer):
    (answer,) = services.submit_urls(["https://youtu.be/dQw4w9WgXcQ?si=abc"], user=officer)
    assert answer.status == "new"
    assert answer.url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    link = Link.objects.get(pk=answer.link)
    assert (link.first_reported_by, link.first_reported_agency) == (officer, officer.agency)
    assert (link.state, link.report_count, link.platform) == (LinkState.NEW, 1, "youtube")
    report = Report.objects.get(link=link)
    assert report.raw_url == "https://youtu.be/dQw4w9WgXcQ?si=abc"
    assert (report.user, report.agency, report.is_repeat) == (officer, officer.agency, False)


def test_second_agency_sees_known_hit_with_first_reporter(officer, other_officer):
    services.submit_urls(["https://t.me/s/SomeChannel/123"], user=officer)
    (answer,) = services.submit_urls(["t.me/somechannel/123?utm_source=x"], user=other_officer)
    assert answer.status == "known"
    assert answer.first_reported_by.code == officer.agency.code
    assert answer.state == LinkState.NEW
    assert answer.report_count == 2
    assert answer.known_since == Link.objects.get().first_reported_at
    assert Link.objects.count() == 1
    assert list(Report.objects.order_by("id").values_list("agency_id", "is_repeat")) == [
        (officer.agency_id, False),
        (other_officer.agency_id, True),
    ]


def test_surface_forms_in_one_batch_make_one_link_and_a_report_each(officer):
    forms = [
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "youtu.be/dQw4w9WgXcQ",
        "https://m.youtube.com/watch?v=dQw4w9WgXcQ&feature=share",
        "hxxps://www.youtube[.]com/shorts/dQw4w9WgXcQ",
    ]
    answers = services.submit_urls(forms, user=officer)
    assert [a.status for a in answers] == ["new", "known", "known", "known"]
    assert [a.duplicate_of_line for a in answers] == [None, 1, 1, 1]
    link = Link.objects.get()
    assert link.report_count == 4
    assert Report.objects.filter(link=link, is_repeat=True).count() == 3


def test_answers_come_in_input_order_with_line_numbers(officer, other_officer):
    services.submit_urls(["https://known.example/a"], user=other_officer)
    answers = services.submit_urls(
        ["https://fresh.example/1", "javascript:alert(1)", "https://known.example/a"], user=officer
    )
    assert [(a.line, a.status) for a in answers] == [
        (1, "new"),
        (2, "invalid"),
        (3, "known"),
    ]


BAD_LINES = [
    ("javascript:alert(1)", "scheme_not_allowed"),
    ("data:text/html,<b>x</b>", "scheme_not_allowed"),
    ("file:///etc/passwd", "scheme_not_allowed"),
    ("ftp://files.example/x", "scheme_not_allowed"),
    ("https://example.com/" + "a" * 9000, "too_long"),
    ("https://example.com/\u202egnp.exe", "control_characters"),
    ("https://exa\x00mple.com/", "control_characters"),
    ("", "empty"),
    ("   ", "empty"),
    (42, "not_text"),
    (None, "not_text"),
]


@pytest.mark.parametrize(("raw", "reason"), BAD_LINES)
def test_bad_line_gets_its_line_number_and_reason_and_the_rest_is_processed(officer, raw, reason):
    answers = services.submit_urls(
        ["https://ok.example/1", raw, "https://ok.example/2"], user=officer
    )
    assert answers[1].status == "invalid"
    assert (answers[1].line, answers[1].reason) == (2, reason)
    assert answers[1].message
    assert [answers[0].status, answers[2].status] == ["new", "new"]
    assert Link.objects.count() == 2


def test_lines_past_the_batch_limit_are_refused_one_by_one_and_the_rest_registered(officer):
    urls = [f"https://bulk.example/{n}" for n in range(services.MAX_BATCH + 2)]
    answers = services.submit_urls(urls, user=officer)
    assert {a.status for a in answers[: services.MAX_BATCH]} == {"new"}
    assert [(a.line, a.reason) for a in answers[services.MAX_BATCH :]] == [
        (services.MAX_BATCH + 1, "over_limit"),
        (services.MAX_BATCH + 2, "over_limit"),
    ]
    assert Link.objects.count() == services.MAX_BATCH
    assert Report.objects.count() == services.MAX_BATCH


def test_a_failure_mid_batch_leaves_nothing_half_saved(officer, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_insert_reports", broken)
    with pytest.raises(RuntimeError):
        services.submit_urls(["https://a.example/", "https://b.example/"], user=officer)
    assert not Link.objects.exists()


def test_report_count_is_maintained_across_submissions(officer, other_officer):
    services.submit_urls(["https://a.example/x", "https://b.example/y"], user=officer)
    services.submit_urls(["https://a.example/x", "https://a.example/x#frag"], user=other_officer)
    services.submit_urls(["https://A.EXAMPLE/x"], user=officer)
    assert dict(Link.objects.values_list("url", "report_count")) == {
        "https://a.example/x": 4,
        "https://b.example/y": 1,
    }


def test_a_batch_costs_a_handful_of_queries_whatever_its_size(
    officer, other_officer, django_assert_max_num_queries
):
    services.submit_urls([f"https://seen.example/{n}" for n in range(500)], user=other_officer)
    officer.roles  # roles are read once per request object  # noqa: B018
    mixed = [f"https://seen.example/{n}" for n in range(500)]
    mixed += [f"https://fresh.example/{n}" for n in range(500)]
    # Permissions (2, once per user), savepoint, INSERT links with their history, first-check
    # schedule, lock and count the known ones, their agencies, INSERT reports, presence for
    # attribution, release: 1,000 URLs.
    with django_assert_max_num_queries(10):
        answers = services.submit_urls(mixed, user=officer)
    assert [a.status for a in answers].count("new") == 500
    with django_assert_max_num_queries(4):
        services.check_urls(mixed, user=officer)


def test_check_is_read_only(officer, other_officer):
    services.submit_urls(["https://known.example/"], user=other_officer)
    answers = services.check_urls(
        ["https://known.example", "https://unknown.example/"], user=officer
    )
    assert [a.status for a in answers] == ["known", "new"]
    assert "link" not in answers[1].as_dict()
    assert Link.objects.count() == 1
    assert Report.objects.count() == 1
    assert Link.objects.get().report_count == 1


def test_confidential_hit_from_another_agency_says_only_whom_to_contact(officer, other_officer):
    officer.agency.contact = "+7 727 000 00 00"
    officer.agency.save()
    services.submit_urls(["https://secret.example/op"], user=officer, confidential=True)
    for answer in (
        services.check_urls(["https://secret.example/op"], user=other_officer)[0],
        services.submit_urls(["https://secret.example/op"], user=other_officer)[0],
    ):
        assert answer.status == "known"
        assert set(answer.as_dict()) == {"line", "status", "confidential", "contact", "message"}
        assert answer.contact.code == officer.agency.code
        assert "+7 727 000 00 00" in answer.message
    assert not ConfidentialRead.objects.exists()


def test_reporting_agency_and_prosecutor_see_confidential_hit_in_full_and_it_is_logged(
    officer, prosecutor
):
    services.submit_urls(["https://secret.example/op"], user=officer, confidential=True)
    for reader in (officer, prosecutor):
        (answer,) = services.check_urls(["https://secret.example/op"], user=reader)
        assert answer.state == LinkState.NEW
        assert answer.first_reported_by.code == officer.agency.code
    assert list(ConfidentialRead.objects.order_by("id").values_list("user", "channel")) == [
        (officer.pk, "deconfliction"),
        (prosecutor.pk, "deconfliction"),
    ]


def test_roles_without_submission_rights_are_refused(make_user):
    from kibernadzor.errors import NotAllowed

    for role in (Role.ANALYST, Role.AUDITOR, Role.ADMIN):
        with pytest.raises(NotAllowed):
            services.submit_urls(["https://a.example/"], user=make_user(role))
    with pytest.raises(NotAllowed):
        services.check_urls(["https://a.example/"], user=make_user(Role.ADMIN))


def test_source_and_line_numbers_from_a_file_are_kept(officer):
    answers = services.submit_urls(
        ["https://a.example/", "mailto:x@y"],
        user=officer,
        source=ReportSource.FILE,
        line_numbers=[7, 9],
    )
    assert [a.line for a in answers] == [7, 9]
    assert Report.objects.get().source == ReportSource.FILE


def test_every_registered_link_has_its_creation_in_history_with_the_submitter(
    officer, other_officer
):
    services.submit_urls(["https://seen.example/1"], user=other_officer)
    answers = services.submit_urls(
        ["https://seen.example/1", "https://fresh.example/1", "https://fresh.example/2"],
        user=officer,
        confidential=True,
    )
    for answer in answers[1:]:
        (record,) = Link.objects.get(pk=answer.link).history.all()
        assert (record.history_type, record.history_user) == ("+", officer)
        assert record.history_change_reason == services.SUBMIT_REASON
        assert (record.url, record.state, record.confidential) == (answer.url, "new", True)
        assert record.history_date == record.first_reported_at
    seen = Link.objects.get(url="https://seen.example/1")
    assert [(r.history_type, r.history_user) for r in seen.history.all()] == [("+", other_officer)]


def test_history_of_a_link_continues_after_its_bulk_creation(officer, prosecutor):
    (answer,) = services.submit_urls(["https://fresh.example/t"], user=officer)
    services.classify(answer.link, actor=prosecutor, classification="extremist")
    records = Link.objects.get(pk=answer.link).history.order_by("history_id")
    assert [(r.history_type, r.classification) for r in records] == [
        ("+", "unclassified"),
        ("~", "extremist"),
    ]
    assert records[0].history_user == officer
