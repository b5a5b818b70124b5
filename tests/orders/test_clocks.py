"""Deadline clocks: the checker re-checks the links of sent orders on a tight schedule, a link
found gone is executed at the time of the check that found it (a real fetch of a local HTTPS
site that stops serving the page), overdue links escalate once to the order's prosecutor."""

from datetime import timedelta

import pytest
from django.utils import timezone

from checks import recording, scheduling
from checks.choices import CheckTrigger, NotificationKind
from checks.models import Check, LinkStats, Notification
from orders import checking, selectors, services
from orders.choices import OrderLinkState, OrderState
from registry import services as registry_services
from registry.choices import LinkState
from tests.checks import sites
from tests.checks.sites import page, register

site_ca, site = sites.site_ca, sites.site  # the local HTTPS site's fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmed_on_site(site, officer, prosecutor):
    """A link to a page the local site serves, registered and confirmed illegal."""

    def make(path="/post"):
        site.serve(path, page("Пропаганда", "Текст публикации " * 20))
        [link] = register(officer, site.url(path))
        registry_services.transition(link.pk, LinkState.UNDER_REVIEW, actor=prosecutor)
        registry_services.transition(
            link.pk,
            LinkState.CONFIRMED,
            actor=prosecutor,
            reason="expert opinion 12",
            classification="extremist",
        )
        return link

    return make


def test_a_page_that_stops_being_served_is_executed_at_the_checks_time(
    site, confirmed_on_site, sent_order, settings
):
    settings.CHECKER_ENQUEUE_ON_COMMIT = False
    link = confirmed_on_site()
    order = sent_order(links=[link])
    order_link = order.order_links.get()

    # Still served: the re-check finds it available, nothing is executed.
    recording.run_checks([link.pk], trigger=CheckTrigger.RECHECK)
    order_link.refresh_from_db()
    assert order_link.state == OrderLinkState.PENDING

    del site.pages["/post"]  # the recipient blocked it: 404 from now on
    [check] = recording.run_checks([link.pk], trigger=CheckTrigger.RECHECK)
    assert check.available is False and check.status_code == 404

    order_link.refresh_from_db()
    order.refresh_from_db()
    link.refresh_from_db()
    assert order_link.state == OrderLinkState.EXECUTED
    assert order_link.executed_at == check.checked_at
    assert order.state == OrderState.EXECUTED
    assert link.state == LinkState.BLOCKED
    assert link.trail.last().actor is None


def test_a_passing_failure_is_not_an_execution(site, confirmed_on_site, sent_order):
    link = confirmed_on_site()
    order = sent_order(links=[link])
    site.serve("/post", b"busy", status=503)
    recording.run_checks([link.pk], trigger=CheckTrigger.RECHECK)
    assert order.order_links.get().state == OrderLinkState.PENDING


def test_sent_links_are_brought_forward_for_rechecks_every_interval(
    site, confirmed_on_site, sent_order, settings
):
    settings.ORDER_RECHECK_MINUTES = 15
    settings.CHECKER_DISPATCH_LEASE_MINUTES = 15
    link = confirmed_on_site()
    recording.run_checks([link.pk], trigger=CheckTrigger.FIRST)
    stats = LinkStats.objects.get(link=link)
    checked = stats.last_checked_at
    assert stats.next_check_at == checked + timedelta(hours=1)  # the state's own schedule

    assert checking.bring_forward_rechecks(now=checked) == 0  # not in an order yet
    sent_order(links=[link])
    assert checking.bring_forward_rechecks(now=checked + timedelta(minutes=1)) == 1
    stats.refresh_from_db()
    assert stats.next_check_at == checked + timedelta(minutes=15)

    # Due: dispatch_due leases it; while leased it is left alone.
    due = scheduling.take_due(now=checked + timedelta(minutes=15))
    assert due.recheck == [link.pk]
    assert checking.bring_forward_rechecks(now=checked + timedelta(minutes=16)) == 0


def test_demo_links_are_never_brought_forward(confirmed_link, sent_order):
    link = confirmed_link(is_demo=True)
    LinkStats.objects.create(link=link, next_check_at=None)
    sent_order(links=[link])
    assert checking.bring_forward_rechecks() == 0
    assert LinkStats.objects.get(link=link).next_check_at is None


def test_overdue_links_escalate_once_to_the_orders_prosecutor(sent_order, prosecutor):
    order = sent_order()
    later = order.sent_at + timedelta(hours=25)
    assert services.escalate_overdue(now=order.sent_at + timedelta(hours=23)) == 0
    assert services.escalate_overdue(now=later) == 2
    assert services.escalate_overdue(now=later + timedelta(hours=1)) == 0  # once per link

    [note] = Notification.objects.filter(kind=NotificationKind.ORDER_OVERDUE)
    assert note.user == prosecutor
    assert order.number in note.message and "2" in note.message
    assert all(ol.escalated_at == later for ol in order.order_links.all())


def test_the_dashboard_counts_overdue_orders_for_whoever_sees_them(
    sent_order, prosecutor, officer, other_region_officer
):
    order = sent_order()
    later = order.sent_at + timedelta(hours=25)
    assert selectors.overdue_orders_count(prosecutor, now=later) == 1
    assert selectors.overdue_orders_count(officer, now=later) == 1  # covers the officer's links
    assert selectors.overdue_orders_count(other_region_officer, now=later) == 0
    assert selectors.overdue_orders_count(prosecutor, now=order.sent_at) == 0
    services.record_link_gone(order.order_links.first(), timezone.now())
    assert selectors.overdue_order_links(prosecutor, now=later).count() == 1


def test_executed_links_do_not_escalate(sent_order):
    order = sent_order()
    for order_link in order.order_links.all():
        services.record_link_gone(order_link, order.sent_at + timedelta(hours=2))
    assert services.escalate_overdue(now=order.sent_at + timedelta(hours=25)) == 0
    assert not Check.objects.exists()  # and nothing was fetched


def test_the_beat_tasks_run(sent_order):
    from orders import tasks

    sent_order()
    assert tasks.escalate_overdue.delay().get() == 0
    assert tasks.bring_forward_rechecks.delay().get() == 0


def test_beat_runs_the_clocks(settings):
    from kibernadzor.celery import app

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"orders.tasks.bring_forward_rechecks", "orders.tasks.escalate_overdue"} <= scheduled
    assert "orders.tasks.escalate_overdue" in app.tasks
