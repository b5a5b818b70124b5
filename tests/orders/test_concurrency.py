"""Two prosecutors at once, or one sending twice: the database decides (the order row is
locked, its state read after the lock), so exactly one succeeds and the other gets a clear
refusal; numbers stay unique. Real PostgreSQL connections in parallel threads."""

import threading

import pytest
from django.db import connection

from orders import services
from orders.errors import OrderConflict
from orders.models import Order
from registry.choices import LinkState
from registry.models import StateChange
from tests.checks.sites import restore_reference_data
from tests.orders.conftest import ARTICLE


@pytest.fixture(scope="module", autouse=True)
def reference_data_after_flush(django_db_blocker):
    """A transactional test's flush empties every table: put back what migrations made
    for the tests after this module (each test here restores it first: race_ready)."""
    yield
    with django_db_blocker.unblock():
        restore_reference_data()


@pytest.fixture
def race_ready(transactional_db):
    restore_reference_data()  # flushed by the test before


def race(*calls):
    """Run the calls at the same moment, each in its own thread and connection."""
    start = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            start.wait()
            outcomes[index] = call()
        except Exception as error:  # the outcome the test checks
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("race_ready")
def test_sending_twice_at_once_sends_once(draft, prosecutor):
    order = draft()
    services.sign_order(prosecutor, order)
    outcomes = race(
        lambda: services.send_order(prosecutor, order),
        lambda: services.send_order(prosecutor, Order.objects.get(pk=order.pk)),
    )
    sent = [o for o in outcomes if isinstance(o, Order)]
    refused = [o for o in outcomes if isinstance(o, OrderConflict)]
    assert (len(sent), len(refused)) == (1, 1), outcomes
    # Each link requested blocking exactly once.
    moves = StateChange.objects.filter(to_state=LinkState.BLOCKING_REQUESTED)
    assert moves.count() == 2
    assert Order.history.filter(history_change_reason="send").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("race_ready")
def test_two_prosecutors_signing_at_once_sign_once(draft, regional_prosecutor, make_user):
    from accounts.choices import Role

    colleague = make_user(Role.PROSECUTOR, agency=regional_prosecutor.agency)
    order = draft(regional_prosecutor)
    outcomes = race(
        lambda: services.sign_order(regional_prosecutor, order),
        lambda: services.sign_order(colleague, order),
    )
    assert sum(isinstance(o, Order) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, OrderConflict) for o in outcomes) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("race_ready")
def test_orders_created_at_once_get_distinct_numbers(
    prosecutor, regional_prosecutor, ministry, confirmed_link
):
    links = [confirmed_link() for _ in range(4)]

    def create(user, link):
        return lambda: services.create_order(
            user, recipient=ministry, links=[link], law_article=ARTICLE
        )

    outcomes = race(
        *(
            create(u, link)
            for u, link in zip([prosecutor, regional_prosecutor] * 2, links, strict=True)
        )
    )
    assert all(isinstance(o, Order) for o in outcomes), outcomes
    numbers = sorted(o.number for o in outcomes)
    assert len(set(numbers)) == 4
    assert [n[-1] for n in numbers] == ["1", "2", "3", "4"]
