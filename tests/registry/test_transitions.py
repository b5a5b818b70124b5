"""The state machine (docs/design.md §4.3): who may make each move, what it needs, what it
records."""

import datetime as dt

import pytest

from kibernadzor.errors import NotAllowed
from registry import services, transitions
from registry.choices import LinkState as S
from registry.models import StateChange
from tests.registry.factories import LinkFactory


@pytest.fixture
def link(officer):
    return LinkFactory(first_reported_by=officer)


def test_a_link_goes_from_new_to_blocked_with_every_step_on_record(link, prosecutor):
    services.transition(link.pk, S.UNDER_REVIEW, actor=prosecutor)
    services.transition(link.pk, S.EXPERT_EXAMINATION, actor=prosecutor, reason="needs expert")
    services.transition(
        link.pk,
        S.CONFIRMED,
        actor=prosecutor,
        reason="ok",
        expert_opinion="Opinion №5: extremist",
        classification="extremist",
    )
    services.transition(
        link.pk,
        S.BLOCKING_REQUESTED,
        actor=prosecutor,
        document_number="ГП-12/345",
        document_date=dt.date(2026, 3, 1),
    )
    services.transition(link.pk, S.BLOCKED, actor=prosecutor, reason="blocked by the ministry")
    link.refresh_from_db()
    assert link.state == S.BLOCKED
    trail = list(StateChange.objects.filter(link=link).values_list("from_state", "to_state"))
    assert trail == [
        (S.NEW, S.UNDER_REVIEW),
        (S.UNDER_REVIEW, S.EXPERT_EXAMINATION),
        (S.EXPERT_EXAMINATION, S.CONFIRMED),
        (S.CONFIRMED, S.BLOCKING_REQUESTED),
        (S.BLOCKING_REQUESTED, S.BLOCKED),
    ]
    request = StateChange.objects.get(to_state=S.BLOCKING_REQUESTED)
    assert (request.actor, request.document_number) == (prosecutor, "ГП-12/345")
    assert link.history.first().history_change_reason.startswith("mark_blocked")


def test_an_illegal_transition_is_refused_with_the_possible_moves(link, prosecutor):
    with pytest.raises(services.TransitionNotAllowed) as refused:
        services.transition(link.pk, S.BLOCKED, actor=prosecutor)
    assert refused.value.details["allowed"] == [S.UNDER_REVIEW]
    assert str(S.UNDER_REVIEW.label) in refused.value.message  # the possible move, named
    assert not StateChange.objects.exists()


def test_supervisor_may_review_but_not_confirm(link, supervisor):
    services.transition(link.pk, S.UNDER_REVIEW, actor=supervisor)
    with pytest.raises(NotAllowed):
        services.transition(link.pk, S.CONFIRMED, actor=supervisor, reason="x")
    services.transition(link.pk, S.REJECTED, actor=supervisor, reason="not illegal")


def test_officer_may_not_move_a_link_at_all(link, officer):
    with pytest.raises(NotAllowed):
        services.transition(link.pk, S.UNDER_REVIEW, actor=officer)


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({}, "document_number"),
        ({"document_number": "12"}, "document_date"),
    ],
)
def test_blocking_request_needs_its_number_and_date(link, prosecutor, fields, missing):
    link.state = S.CONFIRMED
    link.save()
    with pytest.raises(services.RequirementMissing) as refused:
        services.transition(link.pk, S.BLOCKING_REQUESTED, actor=prosecutor, **fields)
    assert refused.value.field == missing


def test_confirming_after_expert_examination_needs_the_opinion(link, prosecutor):
    link.state = S.EXPERT_EXAMINATION
    link.save()
    with pytest.raises(services.RequirementMissing) as refused:
        services.transition(link.pk, S.CONFIRMED, actor=prosecutor, reason="yes")
    assert refused.value.field == "expert_opinion"


def test_a_check_may_mark_a_blocked_link_reappeared_and_review_resumes(link, supervisor):
    link.state = S.BLOCKED
    link.save()
    services.transition(link.pk, S.REAPPEARED, actor=None, reason="available again")
    assert StateChange.objects.get().actor is None
    services.transition(link.pk, S.UNDER_REVIEW, actor=supervisor)
    link.refresh_from_db()
    assert link.state == S.UNDER_REVIEW


def test_the_system_may_make_only_automatic_moves(link):
    with pytest.raises(NotAllowed):
        services.transition(link.pk, S.UNDER_REVIEW, actor=None)


def test_regional_supervisor_may_not_move_another_regions_link(other_officer, supervisor):
    link = LinkFactory(first_reported_by=other_officer)
    with pytest.raises(services.LinkNotFound):
        services.transition(link.pk, S.UNDER_REVIEW, actor=supervisor)


def test_every_state_is_reachable_and_every_move_names_its_roles():
    reachable = {S.NEW} | {t.target for t in transitions.TRANSITIONS}
    assert reachable == set(S.values)
    # Internal moves (withdrawal, resubmission) are made by their own services only.
    assert all(t.roles or t.internal for t in transitions.TRANSITIONS)
    assert not any(t.internal and t.allows(None) for t in transitions.TRANSITIONS)
