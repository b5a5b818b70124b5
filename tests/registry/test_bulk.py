"""Bulk work on links (registry.bulk): one action on a selection, per link through the same
services and transition table; refusals are per link, never undo the others, and never tell
anything of a link the user may not read."""

import pytest
from django.utils import translation

from accounts.choices import AgencyKind, Role
from kibernadzor.errors import DomainError
from registry import bulk
from registry.choices import LinkClassification, LinkState
from registry.models import Link, StateChange
from tests.factories import AgencyFactory, UserFactory
from tests.factories import region as region_by_code
from tests.registry.factories import LinkFactory


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def supervisor(officer):
    return UserFactory(agency=officer.agency, roles=[Role.SUPERVISOR])


@pytest.fixture
def neighbour(officer):
    """An officer of another agency of the same region (KNB, KZ-75)."""
    agency = AgencyFactory(kind=AgencyKind.KNB, region=region_by_code("KZ-75"))
    return UserFactory(agency=agency, roles=[Role.OFFICER])


def links_of(user, n, **fields):
    return [LinkFactory(first_reported_by=user, **fields) for _ in range(n)]


def states(links):
    return dict(Link.objects.filter(pk__in=[x.pk for x in links]).values_list("pk", "state"))


def test_mixed_selection_moves_what_may_move_and_names_why_the_rest_did_not(officer, supervisor):
    fresh = links_of(officer, 3)
    in_review = links_of(officer, 2, state=LinkState.UNDER_REVIEW)

    outcome = bulk.apply(supervisor, "start_review", ids=[x.pk for x in fresh + in_review])

    assert sorted(outcome.done) == sorted(x.pk for x in fresh)
    assert {r.link for r in outcome.refused} == {x.pk for x in in_review}
    [group] = outcome.reasons
    assert len(group["links"]) == 2 and group["code"] == "transition_not_allowed"
    assert "cannot become" in group["reason"]
    assert set(states(fresh + in_review).values()) == {LinkState.UNDER_REVIEW}
    # One StateChange per link moved, none for the refused ones.
    assert StateChange.objects.filter(link__in=fresh).count() == 3
    assert StateChange.objects.filter(link__in=in_review).count() == 0


def test_a_refusal_in_the_middle_does_not_undo_the_links_around_it(officer, supervisor):
    first, middle, last = links_of(officer, 3, state=LinkState.UNDER_REVIEW)
    Link.objects.filter(pk=middle.pk).update(state=LinkState.BLOCKED)

    outcome = bulk.apply(
        supervisor, "reject", ids=[first.pk, middle.pk, last.pk], params={"reason": "not illegal"}
    )

    assert sorted(outcome.done) == [first.pk, last.pk]
    assert [r.link for r in outcome.refused] == [middle.pk]
    assert states([first, middle, last]) == {
        first.pk: LinkState.REJECTED,
        middle.pk: LinkState.BLOCKED,
        last.pk: LinkState.REJECTED,
    }
    assert StateChange.objects.get(link=first).reason == "not illegal"


def test_an_officer_without_review_rights_changes_nothing(officer):
    links = links_of(officer, 3)

    outcome = bulk.apply(officer, "start_review", ids=[x.pk for x in links])

    assert outcome.done == []
    [group] = outcome.reasons
    assert group["code"] == "not_allowed" and len(group["links"]) == 3
    assert set(states(links).values()) == {LinkState.NEW}


def test_another_agencys_link_is_answered_like_a_link_that_does_not_exist(
    officer, supervisor, other_officer
):
    theirs = LinkFactory(first_reported_by=other_officer)
    ours = LinkFactory(first_reported_by=officer)

    outcome = bulk.apply(supervisor, "start_review", ids=[ours.pk, theirs.pk, 99_999_999])

    assert outcome.done == [ours.pk]
    refused = {r.link: r for r in outcome.refused}
    assert refused[theirs.pk].url == "" and refused[99_999_999].url == ""
    assert refused[theirs.pk].reason == refused[99_999_999].reason
    assert refused[theirs.pk].code == refused[99_999_999].code == "not_found"
    assert Link.objects.get(pk=theirs.pk).state == LinkState.NEW


def test_a_filter_never_reaches_a_confidential_link_the_user_may_not_read(
    officer, supervisor, neighbour
):
    secret = LinkFactory(first_reported_by=neighbour, confidential=True)
    open_one = LinkFactory(first_reported_by=neighbour)
    ours = LinkFactory(first_reported_by=officer)

    outcome = bulk.apply(supervisor, "start_review", queryset=Link.objects.all())

    assert sorted(outcome.done) == sorted([open_one.pk, ours.pk])
    assert outcome.refused == []  # not counted, not named
    assert Link.objects.get(pk=secret.pk).state == LinkState.NEW
    # Named by id, it is "no such link" like any unknown id.
    by_id = bulk.apply(
        supervisor, "classify", ids=[secret.pk], params={"classification": "terrorist"}
    )
    assert [(r.code, r.url) for r in by_id.refused] == [("not_found", "")]
    assert Link.objects.get(pk=secret.pk).classification == LinkClassification.UNCLASSIFIED


def test_a_selection_over_the_limit_is_refused_before_anything_is_written(
    officer, supervisor, monkeypatch
):
    monkeypatch.setattr(bulk, "MAX_SELECTION", 3)
    links = links_of(officer, 4)

    for selection in ({"ids": [x.pk for x in links]}, {"queryset": Link.objects.all()}):
        with pytest.raises(bulk.SelectionTooLarge, match="at most 3"):
            bulk.apply(supervisor, "start_review", **selection)
    assert set(states(links).values()) == {LinkState.NEW}


def test_moves_that_need_a_reason_are_refused_without_one(officer, supervisor):
    links = links_of(officer, 2, state=LinkState.UNDER_REVIEW)

    with pytest.raises(DomainError) as refused:
        bulk.apply(supervisor, "reject", ids=[x.pk for x in links], params={"reason": "  "})

    assert refused.value.field == "reason"
    assert set(states(links).values()) == {LinkState.UNDER_REVIEW}


def test_unknown_action_is_refused(officer, supervisor):
    link = LinkFactory(first_reported_by=officer)
    with pytest.raises(DomainError, match="Unknown bulk action"):
        bulk.apply(supervisor, "delete", ids=[link.pk])


def test_confirm_is_for_prosecutors_and_follows_the_table(officer, supervisor, prosecutor):
    review = links_of(officer, 2, state=LinkState.UNDER_REVIEW)
    fresh = LinkFactory(first_reported_by=officer)
    ids = [x.pk for x in [*review, fresh]]

    by_supervisor = bulk.apply(supervisor, "confirm", ids=ids, params={"reason": "court"})
    assert by_supervisor.done == [] and len(by_supervisor.refused) == 3

    outcome = bulk.apply(
        prosecutor, "confirm", ids=ids, params={"reason": "court", "classification": "extremist"}
    )
    assert sorted(outcome.done) == sorted(x.pk for x in review)
    assert [r.link for r in outcome.refused] == [fresh.pk]


def test_confirm_after_an_expert_examination_takes_the_opinion(officer, prosecutor):
    examined = LinkFactory(first_reported_by=officer, state=LinkState.EXPERT_EXAMINATION)

    without = bulk.apply(prosecutor, "confirm", ids=[examined.pk], params={"reason": "r"})
    assert without.refused[0].code == "required"
    outcome = bulk.apply(
        prosecutor,
        "confirm",
        ids=[examined.pk],
        params={
            "reason": "r",
            "expert_opinion": "No. 12 of 01.12.2026",
            "classification": "extremist",
        },
    )
    assert outcome.done == [examined.pk]
    assert StateChange.objects.get(link=examined).expert_opinion == "No. 12 of 01.12.2026"


def test_confirm_without_any_classification_is_refused_naming_the_field(officer, prosecutor):
    review = links_of(officer, 2, state=LinkState.UNDER_REVIEW)

    outcome = bulk.apply(prosecutor, "confirm", ids=[x.pk for x in review], params={"reason": "r"})

    assert outcome.done == [] and len(outcome.refused) == 2
    assert "classification" in outcome.refused[0].reason.lower()


def test_assign_in_bulk_through_the_service(officer, supervisor, other_officer):
    links = links_of(officer, 3)

    outcome = bulk.apply(
        supervisor,
        "assign",
        ids=[x.pk for x in links],
        params={"agency": officer.agency.code, "user": officer.username, "due_date": "2026-12-31"},
    )
    assert sorted(outcome.done) == sorted(x.pk for x in links)
    assert set(
        Link.objects.filter(pk__in=outcome.done).values_list("assigned_agency", "assigned_user")
    ) == {(officer.agency_id, officer.pk)}

    # Another region's agency is outside the supervisor's territory: every link refused.
    away = bulk.apply(
        supervisor,
        "assign",
        ids=[x.pk for x in links],
        params={"agency": other_officer.agency.code},
    )
    assert away.done == [] and away.reasons[0]["code"] == "not_allowed"
    assert len(away.reasons[0]["links"]) == 3


def test_assign_with_bad_parameters_names_the_field(officer, supervisor):
    link = LinkFactory(first_reported_by=officer)
    for params, field in (
        ({"agency": "no-such"}, "agency"),
        ({"user": officer.username}, "agency"),
        ({"agency": officer.agency.code, "user": "ghost"}, "user"),
        ({"agency": officer.agency.code, "due_date": "31.12"}, "due_date"),
    ):
        with pytest.raises(DomainError) as refused:
            bulk.apply(supervisor, "assign", ids=[link.pk], params=params)
        assert refused.value.field == field


def test_classify_in_bulk(officer, supervisor):
    links = links_of(officer, 2)
    outcome = bulk.apply(
        supervisor, "classify", ids=[x.pk for x in links], params={"classification": "terrorist"}
    )
    assert len(outcome.done) == 2
    assert set(
        Link.objects.filter(pk__in=outcome.done).values_list("classification", flat=True)
    ) == {LinkClassification.TERRORIST}
    with pytest.raises(DomainError):
        bulk.apply(supervisor, "classify", ids=[links[0].pk], params={"classification": "bad"})


def test_five_hundred_links_start_review_in_a_bounded_number_of_queries(
    officer, supervisor, django_assert_max_num_queries
):
    links = LinkFactory.create_batch(500, first_reported_by=officer)
    ids = [x.pk for x in links]

    with django_assert_max_num_queries(20):
        outcome = bulk.apply(supervisor, "start_review", ids=ids)

    assert len(outcome.done) == 500
    assert StateChange.objects.filter(link__in=ids, to_state=LinkState.UNDER_REVIEW).count() == 500


def test_five_hundred_links_assign_and_classify_in_a_bounded_number_of_queries(
    officer, supervisor, django_assert_max_num_queries
):
    ids = [x.pk for x in LinkFactory.create_batch(500, first_reported_by=officer)]

    with django_assert_max_num_queries(20):
        assigned = bulk.apply(supervisor, "assign", ids=ids, params={"agency": officer.agency.code})
    with django_assert_max_num_queries(20):
        classified = bulk.apply(
            supervisor, "classify", ids=ids, params={"classification": "separatist"}
        )

    assert len(assigned.done) == len(classified.done) == 500
    assert (
        Link.objects.filter(assigned_agency=officer.agency, classification="separatist").count()
        == 500
    )
    # One history record per link and change, as the single services write.
    assert Link.history.filter(history_change_reason="assign").count() == 500
    assert Link.history.filter(history_change_reason="classify").count() == 500


def test_a_bulk_assignment_tells_the_officer_once_with_the_count(officer, supervisor):
    from checks.choices import NotificationKind
    from checks.models import Notification

    ids = [x.pk for x in LinkFactory.create_batch(30, first_reported_by=officer)]
    bulk.apply(
        supervisor,
        "assign",
        ids=ids,
        params={"agency": officer.agency.code, "user": officer.username},
    )

    notices = Notification.objects.filter(user=officer, kind=NotificationKind.ASSIGNED)
    assert notices.count() == 1
    assert "30 links were assigned to you" in notices.get().message
    # The supervisor who assigned them is not told of their own work.
    assert not Notification.objects.filter(user=supervisor, kind=NotificationKind.ASSIGNED)


def test_a_state_the_table_refuses_is_refused_for_all_its_links_at_once(
    officer, supervisor, django_assert_max_num_queries
):
    ids = [x.pk for x in LinkFactory.create_batch(300, first_reported_by=officer)]

    with django_assert_max_num_queries(20):
        outcome = bulk.apply(supervisor, "reject", ids=ids, params={"reason": "no"})

    assert outcome.done == [] and len(outcome.refused) == 300
    [group] = outcome.reasons
    assert group["code"] == "transition_not_allowed" and "cannot become" in group["reason"]
    assert not StateChange.objects.filter(link__in=ids).exists()
