"""Adding, pausing, resuming and ending sources; bad input gets a clear error naming the
field, and nothing is half-saved."""

import threading

import pytest
from django.db import connection

from kibernadzor.errors import Conflict, DomainError
from organizations.models import OnlinePresence, Organization
from registry.choices import ReportSource
from sources import services
from sources.choices import SourceKind, SourceState
from sources.models import Source

pytestmark = pytest.mark.django_db


def test_the_kind_is_detected_and_the_address_read_is_the_public_preview(add, police):
    source = add("https://t.me/some_channel")
    assert source.kind == SourceKind.TELEGRAM
    assert source.watch_url == "https://t.me/s/some_channel"
    assert source.agency_id == police.agency_id and source.created_by == police
    assert source.state == SourceState.ACTIVE and source.interval_minutes == 60
    assert source.history.count() == 1
    assert add("https://example.org/news/feed").kind == SourceKind.RSS
    assert add("https://example.org/sitemap.xml").kind == SourceKind.SITEMAP


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"url": ""}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "https://example.org/about"}, "url"),  # kind cannot be told
        ({"url": "https://www.youtube.com/@handle"}, "url"),  # needs the channel id
        ({"url": "https://t.me/ok_channel", "kind": "podcast"}, "kind"),
        ({"url": "https://example.org/", "kind": "pattern"}, "pattern"),
        ({"url": "https://example.org/", "kind": "pattern", "pattern": "(a+)+$"}, "pattern"),
        ({"url": "https://example.org/", "pattern": "("}, "pattern"),
        ({"url": "https://t.me/ok_channel", "kind": "telegram", "pattern": "/p/"}, "pattern"),
        ({"url": "https://t.me/ok_channel", "interval_minutes": 1}, "interval_minutes"),
        ({"url": "https://t.me/ok_channel", "interval_minutes": "often"}, "interval_minutes"),
        ({"url": "https://t.me/ok_channel", "title": "x" * 301}, "title"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(police, fields, field):
    with pytest.raises(DomainError) as error:
        services.add_source(actor=police, **fields)
    assert error.value.field == field and error.value.message
    assert not Source.objects.exists()


def test_a_pattern_source_keeps_its_pattern(add):
    source = add("https://example.org/news", kind="pattern", pattern=r"/news/\d+")
    assert source.kind == SourceKind.PATTERN and source.pattern == r"/news/\d+"


def test_an_agency_watches_an_address_once_another_agency_may_too(add, make_user):
    first = add("https://t.me/some_channel")
    with pytest.raises(Conflict) as error:
        add("https://t.me/s/some_channel")  # the same preview page
    assert error.value.field == "url" and str(first.pk) in error.value.message
    other = make_user("officer", kind="knb", region="KZ-75")
    assert add("https://t.me/some_channel", actor=other).pk != first.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_adds_of_the_same_address_meet_the_constraint(police):
    from tests.checks.sites import restore_reference_data

    outcomes = []

    def attempt():
        try:
            outcomes.append(services.add_source(actor=police, url="https://t.me/race_channel"))
        except Conflict as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(isinstance(o, Source) for o in outcomes) == 1
    assert sum(isinstance(o, Conflict) for o in outcomes) == 3
    assert Source.objects.count() == 1
    restore_reference_data()


def test_pause_resume_and_gone_move_the_state_with_history(add, police):
    source = add("https://t.me/some_channel")
    services.pause_source(source.pk, actor=police)
    with pytest.raises(services.SourceStateConflict):
        services.pause_source(source.pk, actor=police)
    services.mark_gone(source.pk, actor=police)
    resumed = services.resume_source(source.pk, actor=police)
    assert resumed.state == SourceState.ACTIVE and resumed.consecutive_failures == 0
    reasons = [h.history_change_reason for h in source.history.order_by("history_date")]
    assert reasons == ["add", "pause", "gone", "resume"]


def test_a_demo_source_is_paused_and_cannot_be_resumed(add, police):
    source = add("https://t.me/demo_channel", demo=True)
    assert source.state == SourceState.PAUSED and source.is_demo
    with pytest.raises(services.SourceStateConflict):
        services.resume_source(source.pk, actor=police)


def test_an_organizations_presence_becomes_a_source_in_one_action(police):
    organization = Organization.objects.create(name_ru="Организация", classification="extremist")
    presence = OnlinePresence.objects.create(
        organization=organization, platform="telegram", handle="@org_channel"
    )
    source = services.source_from_presence(presence, actor=police)
    assert source.organization == organization and source.presence == presence
    assert source.watch_url == "https://t.me/s/org_channel"
    instagram = OnlinePresence.objects.create(
        organization=organization, platform="instagram", handle="org"
    )
    with pytest.raises(DomainError) as error:
        services.source_from_presence(instagram, actor=police)
    assert error.value.field == "presence"


def test_the_channel_itself_is_registered_as_a_link_once(add, police):
    source = add("https://t.me/some_channel")
    link = services.register_channel_as_link(source.pk, actor=police)
    assert link.url == "https://t.me/some_channel"
    assert link.reports.get().source == ReportSource.MONITOR
    assert services.register_channel_as_link(source.pk, actor=police) == link
    source.refresh_from_db()
    assert source.channel_link == link
    assert link.reports.count() == 1
