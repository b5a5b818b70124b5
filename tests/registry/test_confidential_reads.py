"""Confidential reads are logged where rows are read (registry.selectors.read_links): every
page, list, export, admin view and API answer logs the confidential links it shows, only those
it shows, once each, with its channel; a page costs the same queries however many it logs."""

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import html

from registry import selectors
from registry.admin import LinkAdmin
from registry.choices import LinkState, ReadChannel
from registry.models import ConfidentialRead, Link
from tests.portal.conftest import browser_for
from tests.registry.factories import LinkFactory


def reads() -> list[tuple[int, int, str]]:
    """The log as (reader, link, channel), in the order written."""
    return list(ConfidentialRead.objects.order_by("id").values_list("user", "link", "channel"))


def shown_link_ids(response) -> set[int]:
    """The links a portal page links to (each row's link to the link's page)."""
    doc = html.fromstring(response.content.decode())
    return {
        int(match[1])
        for href in doc.xpath("//main//a/@href")
        if (match := re.fullmatch(r"/links/(\d+)/", href))
    }


@pytest.fixture
def secret(officer):
    """A confidential link of the officer's agency, and an open one beside it."""
    LinkFactory(raw_url="https://t.me/open/1", first_reported_by=officer)
    return LinkFactory(
        raw_url="https://t.me/secret/1", first_reported_by=officer, confidential=True
    )


# --- the portal -------------------------------------------------------------------------------
@pytest.mark.parametrize("work_list", ["mine", "overdue", "reappeared"])
def test_each_dashboard_list_logs_the_confidential_links_it_shows(work_list, officer, prosecutor):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    fields = {
        "mine": {"assigned_agency": prosecutor.agency, "assigned_user": prosecutor},
        "overdue": {"assigned_agency": officer.agency, "due_date": yesterday},
        "reappeared": {"state": LinkState.REAPPEARED},
    }[work_list]
    secret = LinkFactory(first_reported_by=officer, confidential=True)
    plain = LinkFactory(first_reported_by=officer)
    Link.objects.filter(pk__in=[secret.pk, plain.pk]).update(**fields)

    response = browser_for(prosecutor).get(reverse("portal:home"))

    assert {link.pk for link in response.context[work_list]} == {plain.pk, secret.pk}
    assert reads() == [(prosecutor.pk, secret.pk, ReadChannel.LIST)]


def test_a_link_in_two_dashboard_lists_is_logged_once(officer, prosecutor):
    secret = LinkFactory(first_reported_by=officer, confidential=True)
    Link.objects.filter(pk=secret.pk).update(
        assigned_agency=prosecutor.agency,
        assigned_user=prosecutor,
        due_date=timezone.localdate() - dt.timedelta(days=1),
    )
    response = browser_for(prosecutor).get(reverse("portal:home"))
    assert response.context["mine"] == response.context["overdue"] == [secret]
    assert reads() == [(prosecutor.pk, secret.pk, ReadChannel.LIST)]


def test_the_dashboard_logs_only_the_rows_its_lists_show(officer, prosecutor, monkeypatch):
    from portal.views import dashboard

    monkeypatch.setattr(dashboard, "LIST_LENGTH", 1)
    secrets = LinkFactory.create_batch(3, first_reported_by=officer, confidential=True)
    Link.objects.filter(pk__in=[s.pk for s in secrets]).update(state=LinkState.REAPPEARED)
    response = browser_for(prosecutor).get(reverse("portal:home"))
    (shown,) = response.context["reappeared"]
    assert reads() == [(prosecutor.pk, shown.pk, ReadChannel.LIST)]


def test_the_registry_list_logs_the_page_it_shows_not_the_whole_list(
    officer, prosecutor, monkeypatch
):
    from portal.views import link_list as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    LinkFactory.create_batch(3, first_reported_by=officer, confidential=True)
    LinkFactory(first_reported_by=officer)
    client = browser_for(prosecutor)

    first = shown_link_ids(client.get(reverse("portal:links")))
    assert len(first) == 2
    assert set(ConfidentialRead.objects.values_list("link", flat=True)) <= first
    logged_first = reads()

    second = shown_link_ids(client.get(reverse("portal:links"), {"page": 2}))
    logged_second = reads()[len(logged_first) :]
    confidential = set(Link.objects.filter(confidential=True).values_list("pk", flat=True))
    assert {link for _user, link, _channel in logged_first} == first & confidential
    assert {link for _user, link, _channel in logged_second} == second & confidential
    assert len(logged_first) + len(logged_second) == 3
    assert {channel for _user, _link, channel in reads()} == {ReadChannel.LIST}


def test_the_htmx_results_of_the_list_are_logged_too(officer, secret):
    browser_for(officer).get(
        reverse("portal:links"), headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert reads() == [(officer.pk, secret.pk, ReadChannel.LIST)]


def test_a_link_page_is_logged_as_a_page_read(officer, secret):
    assert browser_for(officer).get(reverse("portal:link", args=[secret.pk])).status_code == 200
    assert reads() == [(officer.pk, secret.pk, ReadChannel.PAGE)]


def test_a_link_page_logs_the_confidential_republications_it_lists(officer):
    from checks.models import LinkStats, RepublicationGroup

    link = LinkFactory(first_reported_by=officer)
    twin = LinkFactory(first_reported_by=officer, confidential=True)
    plain_twin = LinkFactory(first_reported_by=officer)
    group = RepublicationGroup.objects.create(
        content_sha256="b" * 64, first_link=link, link_count=3
    )
    for member in (link, twin, plain_twin):
        LinkStats.objects.create(link=member, republication_group=group)
    response = browser_for(officer).get(reverse("portal:link", args=[link.pk]))
    assert {twin.pk, plain_twin.pk} <= shown_link_ids(response)
    assert reads() == [(officer.pk, twin.pk, ReadChannel.PAGE)]


def test_opening_the_original_is_logged_as_opened(officer, secret):
    client = browser_for(officer)
    url = reverse("portal:link_open", args=[secret.pk])
    client.get(url)
    assert reads() == [(officer.pk, secret.pk, ReadChannel.PAGE)]
    assert client.post(url).context["live_url"] == secret.url
    assert reads()[1:] == [(officer.pk, secret.pk, ReadChannel.OPEN)]


def test_open_links_are_never_logged_anywhere_in_the_portal(officer):
    link = LinkFactory(first_reported_by=officer)
    Link.objects.filter(pk=link.pk).update(
        state=LinkState.REAPPEARED, assigned_agency=officer.agency, assigned_user=officer
    )
    client = browser_for(officer)
    for url in (
        reverse("portal:home"),
        reverse("portal:links"),
        reverse("portal:link", args=[link.pk]),
        reverse("portal:link_open", args=[link.pk]),
        reverse("portal:links_export", args=["csv"]),
    ):
        assert client.get(url).status_code == 200, url
    client.post(reverse("portal:link_open", args=[link.pk]))
    assert reads() == []


def test_a_csv_export_logs_every_confidential_row_it_writes(officer):
    secrets = LinkFactory.create_batch(3, first_reported_by=officer, confidential=True)
    LinkFactory(first_reported_by=officer)
    response = browser_for(officer).get(reverse("portal:links_export", args=["csv"]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 4
    assert sorted(reads()) == sorted((officer.pk, s.pk, ReadChannel.EXPORT) for s in secrets)


def test_an_xlsx_export_logs_every_confidential_row_it_writes(officer, secret):
    response = browser_for(officer).get(
        reverse("portal:links_export", args=["xlsx"]), {"confidential": "true"}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [secret.pk]
    assert reads() == [(officer.pk, secret.pk, ReadChannel.EXPORT)]


def test_a_register_page_logs_the_confidential_links_it_lists(officer, secret):
    from organizations.models import Organization
    from registry.models import LinkOrganization

    organization = Organization.objects.create(name_ru="Организация", name_kk="", name_en="")
    for link in Link.objects.all():
        LinkOrganization.objects.create(link=link, organization=organization, added_by=officer)
    response = browser_for(officer).get(reverse("portal:organization", args=[organization.pk]))
    assert secret.pk in shown_link_ids(response)
    assert reads() == [(officer.pk, secret.pk, ReadChannel.LIST)]


# --- the admin --------------------------------------------------------------------------------
def test_the_admin_changelist_logs_the_page_it_shows(client_for, officer, prosecutor, monkeypatch):
    monkeypatch.setattr(LinkAdmin, "list_per_page", 2)
    secrets = LinkFactory.create_batch(3, first_reported_by=officer, confidential=True)
    response = client_for(prosecutor).get("/admin/registry/link/")
    shown = [link.pk for link in response.context["cl"].result_list]
    assert len(shown) == 2 and set(shown) <= {s.pk for s in secrets}
    assert sorted(reads()) == sorted((prosecutor.pk, pk, ReadChannel.ADMIN) for pk in shown)


def test_the_admin_change_page_logs_the_link(client_for, prosecutor, secret):
    response = client_for(prosecutor).get(f"/admin/registry/link/{secret.pk}/change/")
    assert response.status_code == 200
    assert reads() == [(prosecutor.pk, secret.pk, ReadChannel.ADMIN)]


def test_the_admin_history_and_transition_pages_log_the_link(client_for, prosecutor, secret):
    client = client_for(prosecutor)
    record = secret.history.latest()
    for url in (
        f"/admin/registry/link/{secret.pk}/history/",
        f"/admin/registry/link/{secret.pk}/history/{record.history_id}/",
        f"/admin/registry/link/{secret.pk}/transition/",
    ):
        assert client.get(url).status_code == 200, url
    assert reads() == [(prosecutor.pk, secret.pk, ReadChannel.ADMIN)] * 3


@pytest.mark.parametrize("model", ["report", "statechange"])
def test_admin_lists_of_a_links_records_log_the_links_they_show(
    model, client_for, officer, prosecutor, secret
):
    from registry import services

    services.transition(secret.pk, LinkState.UNDER_REVIEW, actor=prosecutor)
    row = {"report": secret.reports, "statechange": secret.trail}[model].get()
    client = client_for(prosecutor)
    assert client.get(f"/admin/registry/{model}/").status_code == 200
    assert client.get(f"/admin/registry/{model}/{row.pk}/change/").status_code == 200
    assert reads() == [(prosecutor.pk, secret.pk, ReadChannel.ADMIN)] * 2


@pytest.mark.parametrize("model", ["check", "linkstats"])
def test_the_checks_admin_logs_the_links_it_shows(model, client_for, prosecutor, secret):
    from checks.models import Check, LinkStats

    row = {
        "check": lambda: Check.objects.create(
            link=secret, trigger="first", url=secret.url, available=True
        ),
        "linkstats": lambda: LinkStats.objects.update_or_create(link=secret)[0],
    }[model]()
    client = client_for(prosecutor)
    assert client.get(f"/admin/checks/{model}/").status_code == 200
    assert client.get(f"/admin/checks/{model}/{row.pk}/change/").status_code == 200
    assert reads() == [(prosecutor.pk, secret.pk, ReadChannel.ADMIN)] * 2


def test_the_admin_logs_no_open_link(client_for, officer, prosecutor):
    link = LinkFactory(first_reported_by=officer)
    client = client_for(prosecutor)
    for url in (
        "/admin/registry/link/",
        f"/admin/registry/link/{link.pk}/change/",
        f"/admin/registry/link/{link.pk}/history/",
        f"/admin/registry/link/{link.pk}/transition/",
    ):
        assert client.get(url).status_code == 200, url
    assert reads() == []


# --- the API ----------------------------------------------------------------------------------
def test_the_api_list_logs_the_page_it_answers(api_client, officer, prosecutor):
    secrets = LinkFactory.create_batch(3, first_reported_by=officer, confidential=True)
    LinkFactory(first_reported_by=officer)
    api_client.force_authenticate(prosecutor)
    answered = [row["id"] for row in api_client.get("/api/v1/links/?page_size=2").json()["results"]]
    confidential = {s.pk for s in secrets}
    assert sorted(reads()) == sorted(
        (prosecutor.pk, pk, ReadChannel.API) for pk in answered if pk in confidential
    )


def test_the_api_retrieve_and_trail_log_the_link(api_client, prosecutor, secret):
    api_client.force_authenticate(prosecutor)
    assert api_client.get(f"/api/v1/links/{secret.pk}/").status_code == 200
    assert api_client.get(f"/api/v1/links/{secret.pk}/trail/").status_code == 200
    assert reads() == [(prosecutor.pk, secret.pk, ReadChannel.API)] * 2


def test_the_api_logs_no_open_link(api_client, officer, prosecutor):
    link = LinkFactory(first_reported_by=officer)
    api_client.force_authenticate(prosecutor)
    api_client.get("/api/v1/links/")
    api_client.get(f"/api/v1/links/{link.pk}/")
    assert reads() == []


# --- cost -------------------------------------------------------------------------------------
def test_logging_a_page_is_one_insert_whatever_its_size(officer, django_assert_num_queries):
    LinkFactory.create_batch(50, first_reported_by=officer, confidential=True)
    rows = list(Link.objects.all())
    with django_assert_num_queries(1):
        assert selectors.read_links(officer, rows, ReadChannel.LIST) == rows
    assert ConfidentialRead.objects.filter(channel=ReadChannel.LIST).count() == 50
    with django_assert_num_queries(0):
        selectors.read_links(officer, [r for r in rows if not r.confidential], ReadChannel.LIST)


def test_a_list_page_of_50_rows_costs_the_same_queries_as_a_page_of_one(
    officer, prosecutor, monkeypatch
):
    from portal.views import link_list as views

    client = browser_for(prosecutor)
    url = reverse("portal:links")
    LinkFactory(first_reported_by=officer, confidential=True)
    client.get(url)  # warm the session and the caches
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    LinkFactory.create_batch(49, first_reported_by=officer, confidential=True)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(url)
    assert len(response.context["links"]) == 50 == views.PAGE_SIZE
    assert len(fifty) == len(one)
    inserts = [q["sql"] for q in fifty if q["sql"].startswith("INSERT INTO registry_confidential")]
    assert len(inserts) == 1
    assert ConfidentialRead.objects.filter(user=prosecutor).count() == 1 + 1 + 50


# --- the auditors' view -----------------------------------------------------------------------
@pytest.fixture
def logged(officer, prosecutor, secret):
    other = LinkFactory(first_reported_by=officer, confidential=True)
    selectors.read_links(prosecutor, [secret], ReadChannel.PAGE)
    selectors.read_links(officer, [secret, other], ReadChannel.EXPORT)
    return secret, other


def changelist_rows(response) -> list[tuple[int, int, str]]:
    return [(r.user_id, r.link_id, r.channel) for r in response.context["cl"].result_list]


def test_auditors_filter_the_log_by_channel_reader_link_and_date(
    client_for, auditor, officer, prosecutor, logged
):
    secret, other = logged
    client = client_for(auditor)
    url = "/admin/registry/confidentialread/"
    assert len(changelist_rows(client.get(url))) == 3
    assert sorted(changelist_rows(client.get(url, {"channel__exact": "export"}))) == sorted(
        [(officer.pk, secret.pk, "export"), (officer.pk, other.pk, "export")]
    )
    assert changelist_rows(client.get(url, {"user__id__exact": prosecutor.pk})) == [
        (prosecutor.pk, secret.pk, "page")
    ]
    assert changelist_rows(client.get(url, {"q": str(other.pk)})) == [
        (officer.pk, other.pk, "export")
    ]
    assert changelist_rows(client.get(url, {"q": prosecutor.username})) == [
        (prosecutor.pk, secret.pk, "page")
    ]
    today = timezone.localdate()
    by_day = {"at__year": today.year, "at__month": today.month, "at__day": today.day}
    assert len(changelist_rows(client.get(url, by_day))) == 3
    # The date filter's own links ("Today" and so on) send aware bounds like these.
    midnight = timezone.make_aware(dt.datetime.combine(today, dt.time()))
    tomorrow = (midnight + dt.timedelta(days=1)).isoformat()
    assert len(changelist_rows(client.get(url, {"at__gte": midnight.isoformat()}))) == 3
    assert changelist_rows(client.get(url, {"at__gte": tomorrow})) == []


def test_the_log_is_read_only_for_everyone(client_for, auditor, admin_user, logged):
    read = ConfidentialRead.objects.first()
    for user in (auditor, admin_user):
        client = client_for(user)
        assert client.get(f"/admin/registry/confidentialread/{read.pk}/change/").status_code in (
            200,
            403,
        )
        assert client.get("/admin/registry/confidentialread/add/").status_code == 403
        response = client.post(f"/admin/registry/confidentialread/{read.pk}/delete/", {"post": 1})
        assert response.status_code == 403
        client.post(
            f"/admin/registry/confidentialread/{read.pk}/change/",
            {"channel": "api", "user": user.pk, "link": read.link_id},
        )
    read.refresh_from_db()
    assert ConfidentialRead.objects.count() == 3 and read.channel != "api"
