"""The demo has orders in every state, its recipients, and never fetches a demo link."""

from django.core.management import call_command

from checks.models import Check
from orders import checking
from orders.choices import OrderKind, OrderState
from orders.models import Order, Recipient


def test_seed_demo_has_orders_in_every_state_once(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    orders = Order.objects.filter(is_demo=True)
    assert {o.state for o in orders} == set(OrderState.values)
    assert {o.kind for o in orders} == set(OrderKind.values)
    assert not Order.objects.filter(is_demo=False).exists()
    assert Recipient.objects.filter(is_demo=True, deadline_hours=24).count() >= 4
    assert Recipient.objects.filter(deadline_hours__isnull=True).exists()
    count = orders.count()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Order.objects.filter(is_demo=True).count() == count

    # Sent demo orders are never brought forward for a fetch, and nothing was fetched.
    assert checking.bring_forward_rechecks() == 0
    assert not Check.objects.exists()
