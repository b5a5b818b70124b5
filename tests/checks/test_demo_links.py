"""Demo links are made-up ids on real platforms: the checker never hands one to the fetcher."""

import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.choices import Role
from checks import recording, scheduling
from checks.choices import CheckTrigger
from checks.models import Check, LinkStats
from registry import services as registry_services
from registry.choices import ReportSource
from registry.models import Link
from tests.checks import sites
from tests.checks.sites import page, register

site_ca, site = sites.site_ca, sites.site  # the local HTTPS site's fixtures

pytestmark = pytest.mark.django_db

DEMO_URL = "https://t.me/demo_channel_3/1234"


@pytest.fixture
def officer(make_user):
    return make_user(Role.OFFICER)


@pytest.fixture
def demo_link(officer):
    registry_services.submit_urls([DEMO_URL], user=officer, source=ReportSource.DEMO, demo=True)
    return Link.objects.get(is_demo=True)


@pytest.fixture
def fetched(monkeypatch):
    """Every URL handed to the fetcher, in order. Only the local site's are really fetched:
    were a demo link handed over, it must not leave the machine."""
    urls = []
    real_fetch = recording.fetch

    def spy(items, config=None):
        urls.extend(url for _pk, url in items)
        local = [(pk, url) for pk, url in items if url.startswith("https://127.0.0.1:")]
        return real_fetch(local, config)

    monkeypatch.setattr(recording, "fetch", spy)
    return urls


def test_a_demo_submission_gets_no_due_marker(demo_link):
    assert LinkStats.objects.get(link=demo_link).next_check_at is None
    assert scheduling.take_due().first == []


def test_run_checks_leaves_a_demo_link_out_and_says_so(site, officer, demo_link, fetched, caplog):
    site.serve("/real", page("Real", "текст " * 50))
    [real] = register(officer, site.url("/real"))

    with caplog.at_level(logging.INFO, logger="checks.recording"):
        checks = recording.run_checks([demo_link.pk, real.pk], trigger=CheckTrigger.MANUAL)

    assert fetched == [site.url("/real")]
    assert [check.link_id for check in checks] == [real.pk]
    assert not Check.objects.filter(link=demo_link).exists()
    assert f"link {demo_link.pk}: demo link: not fetched" in caplog.messages


def test_a_demo_link_due_from_before_is_never_dispatched_and_stops_being_due(
    officer, demo_link, fetched
):
    # A database seeded before demo links were left out: their markers are due.
    LinkStats.objects.filter(link=demo_link).update(next_check_at=timezone.now())

    output = StringIO()
    call_command("check_links", "--due", stdout=output)

    assert fetched == []
    assert "0 link(s) checked." in output.getvalue()
    assert LinkStats.objects.get(link=demo_link).next_check_at is None
    assert scheduling.dispatch_due() == 0


def test_check_links_on_a_demo_link_fetches_nothing_and_says_why(demo_link, fetched):
    output = StringIO()
    call_command("check_links", "--link", str(demo_link.pk), stdout=output)

    assert fetched == []
    assert f"link {demo_link.pk}: demo link: not fetched" in output.getvalue()
    assert not Check.objects.filter(link=demo_link).exists()


def test_seeded_demo_links_are_never_due(fetched):
    call_command("seed_demo", stdout=StringIO())
    assert Link.objects.filter(is_demo=True).count() > 100

    scheduling.dispatch_due(now=timezone.now() + timedelta(days=1))

    assert fetched == []
    assert not Check.objects.exists()
    assert not LinkStats.objects.filter(next_check_at__isnull=False).exists()
