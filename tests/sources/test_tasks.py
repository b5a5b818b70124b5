"""Beat's task leases the due sources and sends their watch by name; with the broker away
the sources stay leased (nothing is lost: they come due again when the lease runs out)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from kibernadzor.celery import app
from sources import tasks, watching
from sources.models import Source, SourceWatch
from tests.sources.site import posts

pytestmark = pytest.mark.django_db


def test_beat_runs_the_dispatch_and_the_watch_task_is_registered():
    entry = settings.CELERY_BEAT_SCHEDULE["sources-dispatch-due"]
    assert entry["task"] == "sources.tasks.dispatch_due"
    assert watching.WATCH_TASK in app.tasks and entry["task"] in app.tasks


def test_dispatch_sends_batches_and_inline_tasks_watch_them(feed_site, add, settings):
    settings.SOURCES_BATCH_SIZE = 2
    for n in range(3):
        feed_site.serve_feed(f"/{n}.xml", posts(f"/{n}/p", 1))
    sources = [add(feed_site.url(f"/{n}.xml")) for n in range(3)]

    assert tasks.dispatch_due.apply().get() == 3

    assert SourceWatch.objects.filter(source__in=sources).count() == 3
    assert watching.dispatch_due() == 0  # watched: due again only after their interval


def test_with_the_broker_away_the_sources_stay_leased(add, monkeypatch):
    source = add("https://t.me/some_channel")
    monkeypatch.setattr("checks.sending.send", lambda *args, **kwargs: False)

    assert watching.dispatch_due() == 0

    source.refresh_from_db()
    lease = settings.SOURCES_LEASE_SECONDS
    assert source.next_watch_at > timezone.now() + timedelta(seconds=lease - 60)
    assert not SourceWatch.objects.exists()
    assert Source.objects.get(pk=source.pk).state == "active"
