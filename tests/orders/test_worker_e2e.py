"""End to end with a real Celery worker and broker: a sent order's link on a local HTTPS site is
re-checked by the worker, the site stops serving the page, and the order link is executed at
the time of the worker's check (the link blocked); an overdue one escalates."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.choices import Role
from checks import scheduling
from checks.choices import NotificationKind
from checks.models import Check, Notification
from orders import checking, services
from orders.choices import OrderLinkState, OrderState
from registry import services as registry_services
from registry.choices import LinkState
from tests.checks import sites
from tests.checks.sites import page, register, restore_reference_data
from tests.checks.test_worker_e2e import pytestmark as needs_broker
from tests.checks.test_worker_e2e import tasks_to_broker, worker  # noqa: F401  (fixtures)
from tests.orders.conftest import ARTICLE

site_ca, site = sites.site_ca, sites.site  # the local HTTPS site's fixtures

pytestmark = needs_broker


@pytest.fixture(scope="module", autouse=True)
def reference_data_after_flush(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        restore_reference_data()


def wait_for(condition, what, worker, seconds=60):  # noqa: F811
    deadline = time.monotonic() + seconds
    while not condition():
        assert worker.poll() is None, "the worker exited"
        assert time.monotonic() < deadline, f"{what}: not within {seconds} s"
        time.sleep(0.25)


@pytest.mark.django_db(transaction=True)
def test_the_worker_finds_the_page_gone_and_the_order_is_executed(
    site,
    worker,  # noqa: F811
    tasks_to_broker,  # noqa: F811
    make_user,
    settings,
):
    restore_reference_data()  # a transactional test before this one may have flushed them
    from orders.models import Recipient

    officer = make_user(Role.OFFICER)
    prosecutor = make_user(Role.PROSECUTOR, kind="prosecutor", region="KZ-75")
    ministry = Recipient.objects.create(name_ru="Министерство", kind="ministry", deadline_hours=24)
    site.serve("/post", page("Пропаганда", "Текст публикации для проверки воркером. " * 10))

    [link] = register(officer, site.url("/post"))
    wait_for(lambda: Check.objects.filter(link=link).exists(), "first check", worker)
    registry_services.transition(link.pk, LinkState.UNDER_REVIEW, actor=prosecutor)
    registry_services.transition(
        link.pk, LinkState.CONFIRMED, actor=prosecutor, reason="ok", classification="terrorist"
    )
    order = services.create_order(prosecutor, recipient=ministry, links=[link], law_article=ARTICLE)
    services.sign_order(prosecutor, order)
    services.send_order(prosecutor, order)

    del site.pages["/post"]  # blocked: the site answers 404 from now on
    settings.ORDER_RECHECK_MINUTES = 0
    now = timezone.now()
    assert checking.bring_forward_rechecks(now=now) == 1
    assert scheduling.dispatch_due(now=now) == 1  # to the broker; the worker checks it

    order_link = order.order_links.get()
    wait_for(
        lambda: order.order_links.filter(state=OrderLinkState.EXECUTED).exists(),
        "execution",
        worker,
    )
    order_link.refresh_from_db()
    order.refresh_from_db()
    link.refresh_from_db()
    last = Check.objects.filter(link=link).order_by("-checked_at").first()
    assert not last.available and last.status_code == 404
    assert order_link.executed_at == last.checked_at
    assert order.state == OrderState.EXECUTED
    assert link.state == LinkState.BLOCKED
    assert site.hits == ["/post", "/post"]


@pytest.mark.django_db(transaction=True)
def test_an_overdue_link_escalates_to_the_prosecutor(
    site,
    worker,  # noqa: F811
    tasks_to_broker,  # noqa: F811
    make_user,
):
    restore_reference_data()
    from orders.models import Recipient

    officer = make_user(Role.OFFICER)
    prosecutor = make_user(Role.PROSECUTOR, kind="prosecutor", region="KZ-75")
    ministry = Recipient.objects.create(name_ru="Министерство", kind="ministry", deadline_hours=24)
    site.serve("/still", page("Всё ещё здесь", "Материал не удалён. " * 20))
    [link] = register(officer, site.url("/still"))
    wait_for(lambda: Check.objects.filter(link=link).exists(), "first check", worker)
    registry_services.transition(link.pk, LinkState.UNDER_REVIEW, actor=prosecutor)
    registry_services.transition(
        link.pk, LinkState.CONFIRMED, actor=prosecutor, reason="ok", classification="terrorist"
    )
    order = services.create_order(prosecutor, recipient=ministry, links=[link], law_article=ARTICLE)
    services.sign_order(prosecutor, order)
    services.send_order(prosecutor, order, now=timezone.now() - timedelta(hours=25))

    assert services.escalate_overdue() == 1
    note = Notification.objects.get(kind=NotificationKind.ORDER_OVERDUE)
    assert note.user == prosecutor and order.number in note.message
    repeated = services.create_repeated_order(prosecutor, order)
    assert list(repeated.order_links.values_list("link_id", flat=True)) == [link.pk]
