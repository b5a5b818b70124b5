""" "Watch now" from a source's page: the source is leased and watched at once (the task runs
eagerly in the tests) against a local feed on 127.0.0.1; its posts then show on the page; a
second press within a minute is refused in words; a failing source shows its failure."""

import pytest
from django.urls import reverse
from django.utils import timezone

from sources.models import Source, SourceItem, SourceWatch
from tests.checks.sites import site_ca  # noqa: F401  (the throwaway CA)
from tests.portal.conftest import browser_for, page, texts
from tests.sources.conftest import feed_site  # noqa: F401  (the local HTTPS site)
from tests.sources.site import posts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


def test_watch_now_reads_the_feed_and_the_page_shows_its_posts(
    feed_site,  # noqa: F811
    officer,
    django_capture_on_commit_callbacks,
):
    from sources import services

    feed_site.serve_feed("/feed.xml", posts("/post", 4))
    source = services.add_source(actor=officer, url=feed_site.url("/feed.xml"), title="Лента")
    client = browser_for(officer)
    action = reverse("portal:source_action", args=[source.pk, "watch"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action)
    assert response.status_code == 302
    assert SourceItem.objects.filter(source=source).count() == 4
    watch = SourceWatch.objects.get(source=source)
    assert (watch.found, watch.new, watch.failure_code) == (4, 4, "")
    source.refresh_from_db()
    assert source.last_watched_at is not None and source.next_watch_at > timezone.now()

    doc = page(client.get(reverse("portal:source", args=[source.pk])))
    assert len(doc.xpath("//ul[contains(@class,'source-items')]/li")) == 4
    assert texts(doc, "//table[contains(@class,'watches')]//tbody/tr/td[4]") == ["4"]
    assert "127.0.0.1" not in " ".join(texts(doc, "//ul[contains(@class,'source-items')]"))

    # Pressed again at once: refused in words, nothing fetched.
    hits = len(feed_site.hits)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action, follow=True)
    assert any("less than a minute ago" in t for t in texts(page(response), "//p"))
    assert len(feed_site.hits) == hits and SourceWatch.objects.filter(source=source).count() == 1


def test_a_failing_source_shows_its_failure_in_the_readers_language(
    feed_site,  # noqa: F811
    officer,
    django_capture_on_commit_callbacks,
):
    from sources import services

    source = services.add_source(actor=officer, url=feed_site.url("/missing.xml"))
    client = browser_for(officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:source_action", args=[source.pk, "watch"]))
    source.refresh_from_db()
    assert source.consecutive_failures == 1 and source.last_error_code
    doc = page(client.get(reverse("portal:source", args=[source.pk])))
    (row,) = doc.xpath("//tr[contains(@class,'watch-row') and contains(@class,'failed')]")
    assert "HTTP 404" in row.text_content()
    assert doc.xpath("//dd[contains(@class,'last-error')]")
    listing = page(client.get(reverse("portal:sources") + "?failing=true"))
    assert len(listing.xpath("//tr[contains(@class,'failing')]")) == 1


def test_watch_now_refuses_a_paused_source(officer):
    from sources import services

    source = services.add_source(actor=officer, url="https://t.me/paused_channel")
    services.pause_source(source.pk, actor=officer)
    before = Source.objects.get(pk=source.pk).next_watch_at
    client = browser_for(officer)
    response = client.post(reverse("portal:source_action", args=[source.pk, "watch"]), follow=True)
    assert any(
        "Only a watched source can be watched now" in t for t in texts(page(response), "//p")
    )
    assert Source.objects.get(pk=source.pk).next_watch_at == before


def test_with_the_broker_away_the_page_says_when_the_source_will_be_watched(officer, monkeypatch):
    """Outside a transaction the task is sent at once; a broker that does not answer is said
    in words, and the lease makes the source due again when it runs out."""
    from sources import on_demand, services

    source = services.add_source(actor=officer, url="https://t.me/some_channel")
    sent = []
    monkeypatch.setattr(on_demand, "send", lambda *args, **kwargs: sent.append(args) or False)
    monkeypatch.setattr(on_demand, "_in_callers_transaction", lambda: False)  # a request's
    response = browser_for(officer).post(
        reverse("portal:source_action", args=[source.pk, "watch"]), follow=True
    )
    monkeypatch.undo()
    assert len(sent) == 1 and sent[0][1][0] == [source.pk]
    assert any("could not be queued" in t for t in texts(page(response), "//p"))
    leased = Source.objects.get(pk=source.pk).next_watch_at
    assert leased > timezone.now()
