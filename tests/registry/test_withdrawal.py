"""Withdrawing one's own submission within the window (registry.withdrawal, issue 17)."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from accounts.choices import AgencyKind, Role
from checks.models import LinkStats
from kibernadzor.errors import NotAllowed
from registry import services, withdrawal
from registry.choices import LinkState
from registry.models import Link, Report, StateChange
from reporting import facts
from reporting.models import LinkFact, RepeatFact
from tests.factories import AgencyFactory, UserFactory, region

URL = "https://t.me/mistaken_channel/15"


def submit(user, url=URL):
    [answer] = services.submit_urls([url], user=user)
    return Link.objects.get(pk=answer.link)


def test_the_only_report_of_a_new_link_takes_the_link_out_of_the_registry(officer):
    link = submit(officer)
    report = withdrawal.withdraw_report(actor=officer, link_id=link.pk, reason="wrong channel")

    assert (report.withdrawn_by, report.withdrawal_reason) == (officer, "wrong channel")
    assert report.withdrawn_at is not None
    link.refresh_from_db()
    assert (link.state, link.report_count) == (LinkState.WITHDRAWN, 0)
    step = StateChange.objects.get(link=link)
    assert (step.from_state, step.to_state, step.actor, step.reason) == (
        LinkState.NEW,
        LinkState.WITHDRAWN,
        officer,
        "wrong channel",
    )
    # Nothing deleted: the report and the link's history are all still there.
    assert Report.objects.filter(link=link).count() == 1
    assert link.history.first().history_change_reason == "withdraw: wrong channel"
    assert LinkStats.objects.get(link=link).next_check_at is None


def test_a_link_others_reported_is_kept_and_counts_one_report_less(officer, other_officer):
    link = submit(officer)
    submit(other_officer)
    link.refresh_from_db()
    assert link.report_count == 2

    withdrawal.withdraw_report(actor=other_officer, link_id=link.pk, reason="duplicate")
    link.refresh_from_db()
    assert (link.state, link.report_count) == (LinkState.NEW, 1)
    assert not StateChange.objects.filter(link=link).exists()

    # The first reporter withdraws too: now it was the last live report.
    withdrawal.withdraw_report(actor=officer, link_id=link.pk, reason="not illegal after all")
    link.refresh_from_db()
    assert (link.state, link.report_count) == (LinkState.WITHDRAWN, 0)


def test_past_the_window_the_withdrawal_is_refused_clearly(officer, settings):
    settings.KBZ_WITHDRAW_WINDOW_MINUTES = 60
    link = submit(officer)
    Report.objects.filter(link=link).update(submitted_at=timezone.now() - dt.timedelta(minutes=61))
    with pytest.raises(withdrawal.WithdrawalRefused) as refused:
        withdrawal.withdraw_report(actor=officer, link_id=link.pk, reason="late")
    assert "в течение 60 минут" in refused.value.message  # the user's language (ru by default)
    assert refused.value.http_status == 409
    link.refresh_from_db()
    assert (link.state, link.report_count) == (LinkState.NEW, 1)
    assert not Report.objects.filter(withdrawn_at__isnull=False).exists()


def test_nobody_withdraws_another_officers_report(officer, make_user):
    colleague = make_user(Role.OFFICER, agency=officer.agency)
    link = submit(officer)
    report = Report.objects.get(link=link)
    with pytest.raises(NotAllowed):
        withdrawal.withdraw_report(
            actor=colleague, link_id=link.pk, reason="tidying", report_id=report.pk
        )
    with pytest.raises(withdrawal.WithdrawalRefused):  # and they have none of their own
        withdrawal.withdraw_report(actor=colleague, link_id=link.pk, reason="tidying")
    assert Report.objects.get(pk=report.pk).withdrawn_at is None


def test_an_officer_of_another_agency_cannot_even_find_the_link(officer, other_officer):
    link = submit(officer)
    with pytest.raises(services.LinkNotFound):
        withdrawal.withdraw_report(actor=other_officer, link_id=link.pk, reason="x")


def test_the_only_report_of_a_link_under_review_is_not_withdrawn(officer, supervisor):
    link = submit(officer)
    services.transition(link.pk, LinkState.UNDER_REVIEW, actor=supervisor)
    with pytest.raises(withdrawal.WithdrawalRefused) as refused:
        withdrawal.withdraw_report(actor=officer, link_id=link.pk, reason="oops")
    assert "попросите проверяющего отклонить" in refused.value.message
    link.refresh_from_db()
    assert (link.state, link.report_count) == (LinkState.UNDER_REVIEW, 1)


def test_a_reason_is_required_and_a_report_is_withdrawn_once(officer):
    link = submit(officer)
    with pytest.raises(services.DomainError) as refused:
        withdrawal.withdraw_report(actor=officer, link_id=link.pk, reason="   ")
    assert refused.value.field == "reason"
    report = Report.objects.get(link=link)
    withdrawal.withdraw_report(actor=officer, link_id=link.pk, reason="x", report_id=report.pk)
    with pytest.raises(withdrawal.WithdrawalRefused) as again:
        withdrawal.withdraw_report(actor=officer, link_id=link.pk, reason="x", report_id=report.pk)
    assert again.value.message == "Это сообщение уже отозвано."


def test_an_analyst_or_auditor_withdraws_nothing(officer, make_user, auditor):
    analyst = make_user(Role.ANALYST, agency=officer.agency)
    link = submit(officer)
    for user in (analyst, auditor):
        with pytest.raises(NotAllowed):
            withdrawal.withdraw_report(actor=user, link_id=link.pk, reason="x")


def test_submitting_a_withdrawn_link_again_brings_it_back_as_new(officer, other_officer):
    link = submit(officer)
    withdrawal.withdraw_report(actor=officer, link_id=link.pk, reason="wrong")
    [answer] = services.submit_urls([URL], user=other_officer)
    assert answer.status == "known"
    link.refresh_from_db()
    assert (link.state, link.report_count) == (LinkState.NEW, 1)
    last = StateChange.objects.filter(link=link).latest("at", "id")
    assert (last.from_state, last.to_state, last.actor) == (
        LinkState.WITHDRAWN,
        LinkState.NEW,
        other_officer,
    )
    assert LinkStats.objects.get(link=link).next_check_at is not None
    assert services.selectors.record_disagreements(Link.objects.filter(pk=link.pk)) == []


def test_a_watched_source_finding_a_withdrawn_link_again_brings_it_back_as_new(
    officer, other_officer
):
    link = submit(officer)
    withdrawal.withdraw_report(actor=officer, link_id=link.pk, reason="wrong")

    [found] = services.register_found(
        [services.Found(other_officer.pk, other_officer.agency_id, URL)]
    )

    assert (found.link_id, found.new) == (link.pk, False)
    link.refresh_from_db()
    assert (link.state, link.report_count) == (LinkState.NEW, 1)
    last = StateChange.objects.filter(link=link).latest("at", "id")
    assert (last.from_state, last.to_state, last.actor) == (
        LinkState.WITHDRAWN,
        LinkState.NEW,
        other_officer,
    )
    assert services.selectors.record_disagreements(Link.objects.filter(pk=link.pk)) == []


def test_withdrawn_links_and_reports_leave_the_report_facts(officer, other_officer):
    kept = submit(officer, "https://kept.example/a")
    submit(other_officer, "https://kept.example/a")  # a repeat
    gone = submit(officer, "https://gone.example/b")
    facts.refresh()
    assert set(LinkFact.objects.values_list("link_id", flat=True)) == {kept.pk, gone.pk}
    assert RepeatFact.objects.filter(link_id=kept.pk).count() == 1

    withdrawal.withdraw_report(actor=officer, link_id=gone.pk, reason="wrong")
    withdrawal.withdraw_report(actor=other_officer, link_id=kept.pk, reason="duplicate")
    facts.refresh()
    assert set(LinkFact.objects.values_list("link_id", flat=True)) == {kept.pk}
    assert not RepeatFact.objects.exists()


def test_a_mistaken_blocked_is_corrected_by_a_recorded_move(officer, prosecutor, supervisor):
    link = submit(officer)
    services.transition(link.pk, LinkState.UNDER_REVIEW, actor=prosecutor)
    services.transition(
        link.pk, LinkState.CONFIRMED, actor=prosecutor, reason="r", classification="terrorist"
    )
    services.transition(
        link.pk,
        LinkState.BLOCKING_REQUESTED,
        actor=prosecutor,
        document_number="Б-1",
        document_date=dt.date(2026, 3, 1),
    )
    services.transition(link.pk, LinkState.BLOCKED, actor=prosecutor, reason="gone")
    with pytest.raises(NotAllowed):  # a prosecutor's move
        services.transition(link.pk, LinkState.BLOCKING_REQUESTED, actor=supervisor, reason="x")
    with pytest.raises(services.RequirementMissing) as refused:
        services.transition(link.pk, LinkState.BLOCKING_REQUESTED, actor=prosecutor)
    assert refused.value.field == "reason"

    services.transition(
        link.pk, LinkState.BLOCKING_REQUESTED, actor=prosecutor, reason="still available"
    )
    trail = list(StateChange.objects.filter(link=link).order_by("at", "id"))
    assert [(s.to_state, s.is_correction) for s in trail][-2:] == [
        (LinkState.BLOCKED, False),
        (LinkState.BLOCKING_REQUESTED, True),
    ]
    assert len(trail) == 5  # the mistaken step is still on record
    assert services.selectors.record_disagreements(Link.objects.filter(pk=link.pk)) == []


def test_confirming_without_a_classification_is_refused_naming_the_field(officer, prosecutor):
    link = submit(officer)
    services.transition(link.pk, LinkState.UNDER_REVIEW, actor=prosecutor)
    with pytest.raises(services.RequirementMissing) as refused:
        services.transition(link.pk, LinkState.CONFIRMED, actor=prosecutor, reason="r")
    assert refused.value.field == "classification"
    assert "классификация" in refused.value.message  # named, in the default language (ru)
    with pytest.raises(services.DomainError) as unknown:
        services.transition(
            link.pk,
            LinkState.CONFIRMED,
            actor=prosecutor,
            reason="r",
            classification="unclassified",
        )
    assert unknown.value.field == "classification"
    with pytest.raises(services.RequirementMissing):
        services.transition_many([link.pk], LinkState.CONFIRMED, actor=prosecutor, reason="r")
    link.refresh_from_db()
    assert (link.state, link.classification) == (LinkState.UNDER_REVIEW, "unclassified")

    services.classify(link.pk, actor=prosecutor, classification="extremist")
    services.transition(link.pk, LinkState.CONFIRMED, actor=prosecutor, reason="r")
    link.refresh_from_db()
    assert link.state == LinkState.CONFIRMED


def test_a_classification_given_with_the_confirmation_is_set_with_it(officer, prosecutor):
    link = submit(officer)
    services.transition(link.pk, LinkState.UNDER_REVIEW, actor=prosecutor)
    services.transition(
        link.pk, LinkState.CONFIRMED, actor=prosecutor, reason="r", classification="separatist"
    )
    link.refresh_from_db()
    assert (link.state, link.classification) == (LinkState.CONFIRMED, "separatist")
    assert link.history.first().classification == "separatist"


def _race(first, second, url) -> list[str]:
    """`first` withdraws their only report of `url` while `second` reports it, at once."""
    link = submit(first, url)
    start = threading.Barrier(2)
    errors = []

    def run(call):
        try:
            start.wait()
            call()
        except Exception as error:  # noqa: BLE001 - the assertion reports it
            errors.append(repr(error))
        finally:
            connection.close()

    calls = [
        lambda: withdrawal.withdraw_report(actor=first, link_id=link.pk, reason="race"),
        lambda: services.submit_urls([url], user=second),
    ]
    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_and_a_second_report_at_the_same_moment_agree():
    """Whichever commits first, the link ends counting exactly its live reports, and is
    withdrawn only if none is left: the row lock orders the two."""
    first = UserFactory(
        agency=AgencyFactory(kind=AgencyKind.POLICE, region=region("KZ-75")), roles=[Role.OFFICER]
    )
    second = UserFactory(
        agency=AgencyFactory(kind=AgencyKind.KNB, region=region("KZ-71")), roles=[Role.OFFICER]
    )
    for round_ in range(6):
        url = f"https://race.example/{round_}"
        assert _race(first, second, url) == []
        link = Link.objects.get(url=url)
        live = Report.objects.filter(link=link, withdrawn_at__isnull=True).count()
        assert live == 1 and link.report_count == 1
        assert link.state == LinkState.NEW  # the second report keeps (or brings back) the link
        assert services.selectors.record_disagreements(Link.objects.filter(pk=link.pk)) == []
