"""The demo's sources are paused and never fetched (they name real platforms); the
watch_sources command runs one cycle by hand."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sources import watching
from sources.choices import SourceState
from sources.models import Source, SourceItem, SourceWatch
from tests.sources.site import posts

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("watch_sources", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_has_paused_demo_sources_with_items_once(monkeypatch):
    call_command("seed_demo", stdout=io.StringIO())
    sources = Source.objects.filter(is_demo=True)
    assert sources.count() == 4
    assert {s.state for s in sources} == {SourceState.PAUSED}
    assert SourceItem.objects.filter(source__is_demo=True).exists()
    assert SourceItem.objects.filter(source__is_demo=True).exclude(match_kind="").exists()
    call_command("seed_demo", stdout=io.StringIO())
    assert Source.objects.filter(is_demo=True).count() == 4

    def no_fetching(*args, **kwargs):
        raise AssertionError("a demo source was fetched")

    monkeypatch.setattr(watching, "Fetcher", no_fetching)
    sources.update(state=SourceState.ACTIVE)  # even made active by hand
    watches = SourceWatch.objects.count()
    output = run("--source", *[str(s.pk) for s in sources])
    assert output.count("demo source: not fetched") == 4
    assert "0 source(s) watched" in output
    assert run().endswith("0 source(s) watched.\n")
    assert SourceWatch.objects.count() == watches


def test_the_command_watches_due_sources_and_named_ones(feed_site, add):
    feed_site.serve_feed("/feed.xml", posts("/post", 3))
    source = add(feed_site.url("/feed.xml"))

    output = run()
    assert f"source {source.pk}: 1 page(s), found 3, new 3, repeats 0, matched 0" in output
    assert run().endswith("0 source(s) watched.\n")  # not due again yet
    again = run("--source", str(source.pk))
    assert "found 3, new 0, repeats 3" in again


def test_the_command_names_unknown_and_paused_sources(add, police):
    from sources import services

    source = add("https://t.me/some_channel")
    services.pause_source(source.pk, actor=police)
    assert "paused: not watched" in run("--source", str(source.pk))
    with pytest.raises(CommandError, match="No source with id 999999"):
        run("--source", "999999")
