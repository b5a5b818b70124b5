"""No page of the admin shows a live URL (docs/design.md §5.3): a superuser walks every
registered model's changelist, change page, history list, past versions and deletion page, and
the admin's index with its recent actions. The models are taken from admin.site, so a model
registered later is walked too."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.admin_policy import has_history
from accounts.choices import Role
from checks.choices import CheckTrigger, NotificationKind
from checks.models import Check, LinkStats, Notification
from decisions.choices import DecisionOutcome
from decisions.models import CourtDecision
from evidence import custody
from evidence.choices import CaptureReason, CaptureState, CustodyAction
from evidence.models import Capture
from materials.choices import MaterialKind
from materials.models import Material
from organizations.choices import PresencePlatform
from organizations.models import OnlinePresence, Organization
from registry import selectors, services
from registry.choices import LinkState, ReadChannel, ReportSource
from registry.models import Report
from tests.factories import UserFactory
from tests.registry.factories import LinkFactory

HOST = "propaganda-channel.org"
LIVE = f"https://{HOST}/post/1"
# A scheme URL whose host has a bare dot: what a browser, mail client or chat would link.
LIVE_URL = re.compile(r"(?i)\b(?:https?|ftp)://[^\s/\"'<>\[\]]*[a-z0-9-]\.[a-z]")
SKIPPED_TEXT = {"textarea", "script", "style"}  # form values (stored as typed) and code
CHECKED_ATTRIBUTES = {"href", "src", "action", "title", "alt", "formaction"}


class ShownText(HTMLParser):
    """What a reader sees or can follow: text nodes and link-like attributes, not the values
    of form inputs (an editable field keeps the stored value, so saving it does not rewrite
    it)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skipping = [], []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_TEXT:
            self._skipping.append(tag)
        for name, value in attrs:
            if value and (name in CHECKED_ATTRIBUTES or name.startswith("data-")):
                self.parts.append(f"@{name}={value}")

    def handle_endtag(self, tag):
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def live_urls_on(html: str) -> list[str]:
    parser = ShownText()
    parser.feed(html)
    found = []
    for part in parser.parts:
        found += LIVE_URL.findall(part)
        if HOST in part:
            found.append(part.strip()[:200])
    return found


@pytest.fixture
def superuser(central_agency):
    return UserFactory(agency=central_agency, roles=[Role.ADMIN], is_superuser=True)


@pytest.fixture
def live_looking_records(superuser, officer):
    """One record of every kind that holds a URL, each with a live-looking address."""
    link = LinkFactory(raw_url=LIVE, confidential=True, first_reported_by=officer)
    Report.objects.create(
        link=link,
        user=officer,
        agency=officer.agency,
        raw_url=f"http://www.{HOST}/post/1?utm=x",
        source=ReportSource.FORM,
        is_repeat=True,
    )
    services.transition(
        link.pk, LinkState.UNDER_REVIEW, actor=superuser, reason=f"mirror at https://{HOST}/m"
    )
    Check.objects.create(
        link=link,
        trigger=CheckTrigger.FIRST,
        url=LIVE,
        final_url=f"https://www.{HOST}/post/1",
        redirects=[LIVE, f"https://www.{HOST}/post/1"],
        available=True,
        title=f"Post at {LIVE}",
    )
    LinkStats.objects.create(link=link, last_title=f"Post at {LIVE}")
    capture = Capture.objects.create(
        link=link,
        reason=CaptureReason.ON_DEMAND,
        state=CaptureState.DONE,
        finished_at=timezone.now(),
        url=LIVE,
        final_url=f"https://www.{HOST}/post/1",
        manifest={"url": LIVE, "resources": [f"https://cdn.{HOST}/a.js"]},
        manifest_sha256="a" * 64,
        signature="c2ln",
    )
    custody.record(capture, CustodyAction.TAKEN)
    Notification.objects.create(
        user=officer, link=link, kind=NotificationKind.REAPPEARED, message=f"{LIVE} reappeared"
    )
    selectors.read_links(superuser, [link], ReadChannel.LIST)
    decision = CourtDecision.objects.create(
        court="Суд г. Алматы",
        outcome=DecisionOutcome.RECOGNISE_EXTREMIST,
        summary=f"The channel https://{HOST} is extremist.",
    )
    organization = Organization.objects.create(
        name_ru="Организация", description=f"Site: https://{HOST}/about"
    )
    OnlinePresence.objects.create(
        organization=organization, platform=PresencePlatform.WEBSITE, handle=HOST, url=LIVE
    )
    Material.objects.create(
        number=9001,
        title="Видео",
        description=f"Published at {LIVE}",
        kind=MaterialKind.VIDEO,
        decision=decision,
        organization=organization,
    )
    # An entry of the admin's log written before object names were defanged.
    LogEntry.objects.create(
        user=superuser,
        content_type=ContentType.objects.get_for_model(link),
        object_id=str(link.pk),
        object_repr=LIVE,
        action_flag=CHANGE,
        change_message="[]",
    )
    return link


def admin_pages(model, model_admin, user):
    """The changelist, and for up to three objects the user may see there their change,
    history, past-version and deletion pages."""
    info = (model._meta.app_label, model._meta.model_name)
    yield reverse("admin:{}_{}_changelist".format(*info))
    request = RequestFactory().get("/admin/")
    request.user = user
    for obj in model_admin.get_queryset(request).order_by("pk")[:3]:
        yield reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
        yield reverse("admin:{}_{}_history".format(*info), args=[obj.pk])
        yield reverse("admin:{}_{}_delete".format(*info), args=[obj.pk])
        if has_history(model):
            for version in obj.history.order_by("history_id")[:3]:
                try:
                    yield reverse(
                        "admin:{}_{}_simple_history".format(*info),
                        args=[obj.pk, version.history_id],
                    )
                except NoReverseMatch:
                    break


def test_no_admin_page_shows_a_live_url(client_for, superuser, live_looking_records):
    client = client_for(superuser)
    walked, offending = [], {}
    pages = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        pages += list(admin_pages(model, model_admin, superuser))
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)
        if response.status_code != 200:
            continue
        walked.append(url)
        found = live_urls_on(response.content.decode())
        if found:
            offending[url] = found[:3]
    assert not offending, offending
    # The walk reached the pages that show the records (not just empty lists).
    link_pk = live_looking_records.pk
    for name in ("change", "history"):
        assert reverse(f"admin:registry_link_{name}", args=[link_pk]) in walked
    assert any("/simple_history/" in url or "/history/" in url for url in walked)
    for shown in ("evidence/capture", "checks/check", "registry/report", "registry/statechange"):
        assert any(f"/admin/{shown}/" in url and url.endswith("/change/") for url in walked)
    assert len(walked) > 60


def test_the_walk_would_see_a_live_url():
    """The detector itself: a live URL as text or as an href is found, defanged ones not, and
    a form's stored value is not a shown link."""
    assert live_urls_on(f"<td>{LIVE}</td>")
    assert live_urls_on(f'<a href="{LIVE}">x</a>')
    assert live_urls_on(f"<p>{HOST}</p>")
    assert not live_urls_on("<td>hxxps://propaganda-channel[.]org/post/1</td>")
    assert not live_urls_on(f'<input value="{LIVE}"><textarea>{LIVE}</textarea>')
    assert not live_urls_on('<a href="/admin/registry/link/1/change/">1</a>')


def test_a_changelist_column_holding_a_url_is_defanged(
    client_for, superuser, live_looking_records, monkeypatch
):
    """Any column a future admin adds (here the checks' fetched and final URLs) passes the
    changelist template's defanging, not only the objects' names."""
    from checks.admin import CheckAdmin

    monkeypatch.setattr(CheckAdmin, "list_display", ["link", "url", "final_url", "redirects"])
    page = client_for(superuser).get(reverse("admin:checks_check_changelist")).content.decode()
    assert "hxxps://www[.]propaganda-channel[.]org/post/1" in page
    assert not live_urls_on(page)
