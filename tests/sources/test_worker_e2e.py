"""End to end with a real Celery worker, a real broker and a local HTTPS site: beat's dispatch
leases the due source and sends the watch to the broker; a `celery worker` subprocess fetches
the feed, registers the new posts as links of the source's agency with source "monitor",
attributes the post re-using a banned material's text and tells the agency; a second watch
finds nothing new."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from checks.choices import NotificationKind
from checks.models import Notification
from materials.models import Material, MaterialFingerprint
from registry.choices import AttributionSource, ReportSource
from registry.models import Link, LinkMaterial, Report
from sources import watching
from sources.models import Source, SourceItem, SourceWatch
from tests.checks.sites import restore_reference_data
from tests.checks.test_worker_e2e import (
    empty_broker,
    tasks_to_broker,  # noqa: F401  (fixture)
    worker_database_url,
)
from tests.checks.test_worker_e2e import pytestmark as needs_broker
from tests.sources.site import posts
from utilities import fingerprints

pytestmark = needs_broker

ROOT = Path(__file__).resolve().parents[2]
BANNED = (
    "Призыв к насильственному захвату власти: текст брошюры, признанной судом экстремистской, "
    "переписанный в канал слово в слово."
)


@pytest.fixture(scope="module", autouse=True)
def reference_data_after_flush(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        restore_reference_data()


@pytest.fixture
def sources_worker(site_ca, feed_site):
    empty_broker()
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "DB_CONN_MAX_AGE": "0",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CHECKER_ALLOW_NETWORKS": "127.0.0.1/32",
        "CHECKER_CA_BUNDLE": site_ca[1],
        "CHECKER_PER_HOST_RATE": "0",
        "SOURCES_WATCH_SECONDS": "20",
    }
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A", "kibernadzor", "worker", "--pool=solo", "--queues=celery",
        "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    yield process
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    print(output.decode(errors="replace")[-4000:])  # shown by pytest when the test fails


def wait_for(condition, what, worker, seconds=90):
    deadline = time.monotonic() + seconds
    while not condition():
        assert worker.poll() is None, "the worker exited"
        assert time.monotonic() < deadline, f"{what}: not within {seconds} s"
        time.sleep(0.25)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_watches_a_source_registers_matches_and_notifies(
    feed_site,
    sources_worker,
    tasks_to_broker,  # noqa: F811
    make_user,
):
    restore_reference_data()  # a transactional test before this one may have flushed them
    from sources import services

    officer = make_user("officer")
    material = Material.objects.create(number=1234, title="Брошюра", kind="print")
    fp = fingerprints.text_fingerprints(BANNED)
    MaterialFingerprint.objects.create(
        material=material, kind="text", sha256=fp.sha256, md5=fp.md5, text_sha256=fp.text_sha256
    )
    entries = posts("/post", 4)
    entries[2]["text"] = BANNED
    feed_site.serve_feed("/feed.xml", entries)
    source = services.add_source(actor=officer, url=feed_site.url("/feed.xml"), title="Канал X")

    assert watching.dispatch_due() == 1  # leased and sent to the broker
    wait_for(
        lambda: SourceWatch.objects.filter(source=source).exists(), "first watch", sources_worker
    )

    watch = SourceWatch.objects.get(source=source)
    assert (watch.found, watch.new, watch.registered, watch.matched) == (4, 4, 4, 1)
    links = Link.objects.filter(source_items__source=source)
    assert links.count() == 4
    assert {link.first_reported_agency_id for link in links} == {officer.agency_id}
    assert set(Report.objects.filter(link__in=links).values_list("source", flat=True)) == {
        ReportSource.MONITOR
    }
    copy = Link.objects.get(url=feed_site.url("/post/2"))
    attribution = LinkMaterial.objects.get(link=copy)
    assert attribution.material == material and attribution.source == AttributionSource.AUTOMATIC
    assert copy.priority > 0
    [note] = Notification.objects.filter(kind=NotificationKind.SOURCE_MATCH)
    assert note.agency_id == officer.agency_id and "1234" in note.message

    # The next cycle: nothing new, repeats counted, nobody told again.
    Source.objects.filter(pk=source.pk).update(next_watch_at=timezone.now() - timedelta(seconds=1))
    assert watching.dispatch_due() == 1
    wait_for(
        lambda: SourceWatch.objects.filter(source=source).count() == 2, "second", sources_worker
    )
    second = SourceWatch.objects.filter(source=source).order_by("-started_at").first()
    assert (second.found, second.new, second.repeats, second.matched) == (4, 0, 4, 0)
    assert SourceItem.objects.filter(source=source).count() == 4
    assert Notification.objects.filter(kind=NotificationKind.SOURCE_MATCH).count() == 1
    assert feed_site.hits == ["/feed.xml", "/feed.xml"]
