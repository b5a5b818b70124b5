"""The registry export travels by mail and chat: URLs defanged, headers and sheet in the
reader's language, state labels beside their stable codes; live URLs only for the roles that
may ask for them, every row so handed out logged."""

import csv
import io

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse

from accounts.choices import Role
from registry.choices import ReadChannel
from registry.models import ConfidentialRead
from tests.portal.conftest import browser_for, page, texts
from tests.registry.factories import LinkFactory

URL = "https://propaganda-channel.org/post/7"


def export(user, fmt, language="en", **params):
    client = browser_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client, client.get(reverse("portal:links_export", args=[fmt]), params)


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_urls_and_hosts_are_defanged_by_default(officer):
    LinkFactory(raw_url=URL, first_reported_by=officer)
    _client, response = export(officer, "csv")
    (row,) = csv_rows(response)
    assert row["URL"] == "hxxps://propaganda-channel[.]org/post/7"
    assert row["Host"] == "propaganda-channel[.]org"
    assert "propaganda-channel.org" not in response.content.decode("utf-8-sig")


def test_headers_sheet_and_labels_are_in_the_readers_language_with_the_code_kept(officer):
    LinkFactory(raw_url=URL, first_reported_by=officer)
    _client, response = export(officer, "xlsx", language="ru")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Ссылки"]
    header, row = list(book.active.iter_rows(values_only=True))
    cells = dict(zip(header, row, strict=True))
    assert cells["Статус"] == "новая"
    assert cells["Код статуса"] == "new"
    assert cells["URL"] == "hxxps://propaganda-channel[.]org/post/7"

    _client, response = export(officer, "csv", language="kk")
    (row,) = csv_rows(response)
    assert row["Күй коды"] == "new"


def test_an_officer_asking_for_live_urls_is_refused_and_nothing_is_written(officer):
    link = LinkFactory(raw_url=URL, first_reported_by=officer)
    client, response = export(officer, "csv", live_urls="1")
    assert response.status_code == 302
    assert not ConfidentialRead.objects.filter(link=link).exists()
    messages = texts(page(client.get(response["Location"])), "//div[@id='messages']/p")
    assert "Your role may not export live URLs; export them defanged." in " ".join(messages)


def test_a_prosecutor_gets_live_urls_and_every_row_is_logged(prosecutor, officer):
    open_link = LinkFactory(raw_url=URL, first_reported_by=officer)
    secret = LinkFactory(raw_url=URL + "/secret", first_reported_by=officer, confidential=True)
    _client, response = export(prosecutor, "csv", live_urls="1")
    assert {r["URL"] for r in csv_rows(response)} == {open_link.url, secret.url}
    logged = ConfidentialRead.objects.filter(user=prosecutor, channel=ReadChannel.EXPORT_LIVE)
    assert sorted(logged.values_list("link_id", flat=True)) == sorted([open_link.pk, secret.pk])


def test_the_live_export_is_offered_only_to_the_roles_that_may(prosecutor, officer):
    LinkFactory(raw_url=URL, first_reported_by=officer)
    offered = "live_urls=1"
    assert offered in browser_for(prosecutor).get(reverse("portal:links")).content.decode()
    assert offered not in browser_for(officer).get(reverse("portal:links")).content.decode()


def test_submission_results_give_the_result_in_the_readers_language_and_its_code(officer):
    client = browser_for(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    started = client.post(reverse("portal:submit"), {"mode": "list", "list-urls": URL})
    batch = started["Location"].rstrip("/").rsplit("/", 1)[-1]
    response = client.get(reverse("portal:submit_results", args=[batch]))
    (row,) = csv_rows(response)
    assert row["результат"] == "новая"
    assert row["код результата"] == "new"
    assert row["канонический URL"] == "hxxps://propaganda-channel[.]org/post/7"


@pytest.mark.parametrize("role", [Role.ANALYST, Role.AUDITOR, Role.OFFICER])
def test_roles_without_the_right_get_no_live_file(role, make_user, officer):
    LinkFactory(raw_url=URL, first_reported_by=officer)
    reader = make_user(role, agency=officer.agency)
    _client, response = export(reader, "csv", live_urls="1")
    assert response.status_code == 302
    assert not ConfidentialRead.objects.filter(channel=ReadChannel.EXPORT_LIVE).exists()


def test_a_live_file_holds_only_what_the_reader_may_see(
    regional_prosecutor, supervisor, officer, make_user
):
    """A regional prosecutor's and a supervisor's live files stop at their region, as the list."""
    ours = LinkFactory(raw_url=URL, first_reported_by=officer)
    elsewhere = make_user(Role.OFFICER, region="KZ-71")
    LinkFactory(raw_url=URL + "/far", first_reported_by=elsewhere)
    for reader in (regional_prosecutor, supervisor):
        _client, response = export(reader, "csv", live_urls="1")
        assert [r["URL"] for r in csv_rows(response)] == [ours.url]
    logged = ConfidentialRead.objects.filter(channel=ReadChannel.EXPORT_LIVE)
    assert set(logged.values_list("link_id", flat=True)) == {ours.pk}
