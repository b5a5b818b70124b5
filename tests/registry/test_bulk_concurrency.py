"""Two supervisors start the review of overlapping selections at the same moment (real
PostgreSQL connections in parallel): every link moves exactly once, one StateChange each,
the other's action refuses those links with the state's reason, and nobody gets an error."""

import threading

import pytest
from django.db import connection

from accounts.choices import AgencyKind, Role
from registry import bulk
from registry.choices import LinkState
from registry.models import StateChange
from tests.factories import AgencyFactory, UserFactory, region
from tests.registry.factories import LinkFactory


@pytest.mark.django_db(transaction=True)
def test_overlapping_bulk_actions_move_each_link_once():
    agency = AgencyFactory(kind=AgencyKind.POLICE, region=region("KZ-75"))
    officer = UserFactory(agency=agency, roles=[Role.OFFICER])
    supervisors = [UserFactory(agency=agency, roles=[Role.SUPERVISOR]) for _ in range(2)]
    ids = [LinkFactory(first_reported_by=officer).pk for _ in range(120)]
    selections = [ids[:80], ids[40:]]  # 40 links in both
    start = threading.Barrier(2)
    outcomes, errors = {}, []

    def act(number):
        try:
            start.wait()
            outcomes[number] = bulk.apply(
                supervisors[number], "start_review", ids=selections[number]
            )
        except Exception as error:  # noqa: BLE001 - the assertion reports it
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    done = outcomes[0].done + outcomes[1].done
    assert sorted(done) == sorted(ids)  # each link once, by one of them
    refused = {r.link for o in outcomes.values() for r in o.refused}
    assert refused == set(ids[40:80]) and not refused & set(done) - set(ids[40:80])
    assert {r.code for o in outcomes.values() for r in o.refused} == {"transition_not_allowed"}
    assert (
        StateChange.objects.filter(link_id__in=ids, to_state=LinkState.UNDER_REVIEW).count() == 120
    )
