"""Links stored under older canonical rules are found, never silently moved
(`manage.py check_canon` lists them, and which link already holds the new key)."""

import hashlib

import pytest
from django.core.management import CommandError, call_command

from registry.choices import ReportSource
from registry.models import Report
from registry.selectors import canon_drift
from tests.registry.factories import LinkFactory

QUIET = {"stdout": open("/dev/null", "w"), "stderr": open("/dev/null", "w")}  # noqa: SIM115


def stored_under_old_rules(url: str, platform: str = "ok", platform_id: str = ""):
    """A link as an older canon stored it: the URL as its own canonical form."""
    return LinkFactory(
        raw_url="https://example.com/placeholder",
        url=url,
        key=hashlib.sha256(url.encode()).hexdigest(),
        platform=platform,
        platform_id=platform_id,
    )


def test_links_stored_under_todays_rules_agree(db):
    LinkFactory(raw_url="https://ok.ru/video/123")
    LinkFactory(raw_url="https://www.facebook.com/somepage")
    assert canon_drift() == []
    call_command("check_canon", **QUIET)


def test_a_link_stored_under_older_rules_is_listed_with_its_form_today(db):
    old = stored_under_old_rules("https://ok.ru/video/123-0")
    assert canon_drift() == [
        f"link #{old.pk}: https://ok.ru/video/123-0 is now https://ok.ru/video/123, "
        "which no link holds yet"
    ]
    with pytest.raises(CommandError, match="1 record"):
        call_command("check_canon", **QUIET)


def test_two_links_that_now_meet_are_listed_not_merged(db):
    old = stored_under_old_rules("https://ok.ru/videoembed/123-0")
    new = LinkFactory(raw_url="https://ok.ru/video/123")
    assert canon_drift() == [
        f"link #{old.pk}: https://ok.ru/videoembed/123-0 is now https://ok.ru/video/123, "
        f"which link #{new.pk} holds"
    ]
    old.refresh_from_db()
    assert old.url == "https://ok.ru/videoembed/123-0"


def test_a_video_filed_as_its_account_through_an_old_route_is_listed(db):
    account = LinkFactory(raw_url="https://www.facebook.com/somepage")
    report = Report.objects.create(
        link=account,
        user=account.first_reported_by,
        agency=account.first_reported_agency,
        raw_url="https://facebook.com/SomePage#!/photo.php?v=1234567890",
        source=ReportSource.API,
        is_repeat=True,
    )
    assert canon_drift() == [
        f"report #{report.pk} of link #{account.pk}: "
        "https://facebook.com/SomePage#!/photo.php?v=1234567890 now meets "
        "https://www.facebook.com/watch/?v=1234567890, which no link holds yet"
    ]
