"""Scheduling: the first check on commit, broker outages, dispatch of due links by queue."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.choices import Role
from checks import recording, scheduling, tasks
from checks.choices import CheckTrigger
from checks.models import Check, LinkStats
from kibernadzor.celery import app as celery_app
from registry.choices import LinkState
from registry.models import Link
from tests.checks import sites
from tests.checks.sites import page, register, reset_broker_connections

site_ca, site = sites.site_ca, sites.site  # the local HTTPS site's fixtures

TEXT = "Текст публикации для проверки очередей и расписания. " * 8


@pytest.fixture
def officer(make_user):
    return make_user(Role.OFFICER)


@pytest.fixture
def sent(monkeypatch):
    """Capture what would go to the broker: [(link ids, queue, trigger)]."""
    calls = []

    def apply_async(args=None, kwargs=None, **options):
        calls.append((args[0], options["queue"], kwargs["trigger"]))

    monkeypatch.setattr(tasks.check_links, "apply_async", apply_async)
    return calls


@pytest.fixture
def broker_down(monkeypatch, settings):
    """Tasks really go to a broker, and the broker is a closed port on loopback."""
    settings.CHECKER_ENQUEUE_ON_COMMIT = True
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:9/0")  # Celery reads it first
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    reset_broker_connections()
    yield
    celery_app.conf.task_always_eager = eager
    reset_broker_connections()


@pytest.mark.django_db
def test_submission_sends_the_first_check_to_the_new_queue_on_commit(
    officer, settings, sent, django_capture_on_commit_callbacks
):
    settings.CHECKER_ENQUEUE_ON_COMMIT = True

    with django_capture_on_commit_callbacks(execute=True):
        [link] = register(officer, "https://127.0.0.1:9/first")
        assert sent == []  # not before the commit

    assert sent == [([link.pk], "checks.new", CheckTrigger.FIRST)]
    stats = LinkStats.objects.get(link=link)
    assert stats.last_checked_at is None and stats.next_check_at is not None


@pytest.mark.django_db
def test_nothing_is_sent_when_the_submission_rolls_back(
    officer, settings, sent, django_capture_on_commit_callbacks
):
    from django.db import transaction

    settings.CHECKER_ENQUEUE_ON_COMMIT = True
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        register(officer, "https://127.0.0.1:9/rolled-back")
        raise RuntimeError

    assert sent == []
    assert not LinkStats.objects.exists()


@pytest.mark.django_db
def test_broker_down_at_submit_loses_nothing(
    site, officer, broker_down, django_capture_on_commit_callbacks, caplog
):
    site.serve("/post", page("Later", TEXT))

    with django_capture_on_commit_callbacks(execute=True):
        [link] = register(officer, site.url("/post"))  # the broker refuses: no exception here

    assert "stay due and are sent later" in caplog.text

    assert Link.objects.filter(pk=link.pk).exists()
    stats = LinkStats.objects.get(link=link)
    assert stats.last_checked_at is None
    assert not Check.objects.exists()

    # Later the broker is back (inline tasks here) and beat's dispatch finds the link due.
    celery_app.conf.task_always_eager = True
    sent = scheduling.dispatch_due(now=timezone.now() + scheduling.FIRST_CHECK_GRACE)

    assert sent == 1
    check = Check.objects.get(link=link)
    assert check.trigger == CheckTrigger.FIRST and check.available


@pytest.mark.django_db
def test_dispatch_sends_new_links_and_rechecks_to_their_queues_in_batches(officer, settings, sent):
    settings.CHECKER_BATCH_SIZE = 2
    links = register(officer, *(f"https://127.0.0.1:9/{n}" for n in range(5)))
    now = timezone.now()
    LinkStats.objects.filter(link__in=links[:3]).update(next_check_at=now)
    LinkStats.objects.filter(link__in=links[3:]).update(
        next_check_at=now, last_checked_at=now - timedelta(days=1)
    )

    assert scheduling.dispatch_due(now=now) == 5

    assert [(len(ids), queue) for ids, queue, _ in sent] == [
        (2, "checks.new"),
        (1, "checks.new"),
        (2, "checks.recheck"),
    ]


@pytest.mark.django_db
def test_dispatched_links_are_leased_not_sent_twice(officer, settings, sent):
    [link] = register(officer, "https://127.0.0.1:9/once")
    now = timezone.now() + timedelta(minutes=5)

    assert scheduling.dispatch_due(now=now) == 1
    assert scheduling.dispatch_due(now=now + timedelta(minutes=1)) == 0
    lease = timedelta(minutes=settings.CHECKER_DISPATCH_LEASE_MINUTES)
    assert scheduling.dispatch_due(now=now + lease) == 1  # the message was lost: sent again


@pytest.mark.django_db
def test_links_without_a_marker_are_picked_up(officer, sent):
    [link] = register(officer, "https://127.0.0.1:9/imported")
    LinkStats.objects.all().delete()  # as if registered before checks existed

    assert scheduling.dispatch_due() == 1
    assert sent[0][0] == [link.pk]


@pytest.mark.django_db
def test_rejected_links_are_not_rechecked(site, officer):
    site.serve("/ok", page("OK", TEXT))
    [link] = register(officer, site.url("/ok"))
    Link.objects.filter(pk=link.pk).update(state=LinkState.REJECTED)

    recording.run_checks([link.pk])

    assert LinkStats.objects.get(link=link).next_check_at is None


@pytest.mark.django_db
def test_check_task_runs_the_service(site, officer):
    site.serve("/ok", page("OK", TEXT))
    [link] = register(officer, site.url("/ok"))

    recorded = tasks.check_links.delay([link.pk], trigger=CheckTrigger.RECHECK).get()

    assert recorded == 1
    assert Check.objects.get(link=link).trigger == CheckTrigger.RECHECK


def test_workers_take_new_links_before_rechecks(settings):
    queues = [q.name for q in settings.CELERY_TASK_QUEUES]
    assert queues.index("checks.new") < queues.index("checks.recheck")
    assert "checks-dispatch-due" in settings.CELERY_BEAT_SCHEDULE


@pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"),
    reason="queue_order_strategy is an option of the Redis transport; this run has no Redis",
)
def test_redis_workers_empty_the_new_queue_first(settings):
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["queue_order_strategy"] == "priority"


@pytest.mark.django_db
def test_a_link_sent_on_commit_is_not_dispatched_again_within_the_grace(
    officer, settings, sent, django_capture_on_commit_callbacks
):
    settings.CHECKER_ENQUEUE_ON_COMMIT = True
    with django_capture_on_commit_callbacks(execute=True):
        [link] = register(officer, "https://127.0.0.1:9/sent")
    sent.clear()

    assert scheduling.dispatch_due() == 0  # its message is in flight
    assert scheduling.dispatch_due(now=timezone.now() + scheduling.FIRST_CHECK_GRACE) == 1
    assert sent == [([link.pk], "checks.new", CheckTrigger.FIRST)]
