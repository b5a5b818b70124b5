"""CSV/XLSX export of the filtered registry: the same policy and filters as the list, cells
that cannot run as spreadsheet formulas, and a clear refusal when too large."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from checks.models import LinkStats
from registry import services
from registry.choices import ReadChannel
from registry.models import ConfidentialRead
from tests.portal.conftest import browser_for, page, texts
from tests.registry.factories import LinkFactory
from utilities.defang import defang


def export(user, fmt, **params):
    return browser_for(user).get(reverse("portal:links_export", args=[fmt]), params)


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def links(officer, other_officer):
    first = LinkFactory(raw_url="https://t.me/export/1", first_reported_by=officer)
    second = LinkFactory(raw_url="https://vk.com/wall-5_6", first_reported_by=officer)
    LinkStats.objects.create(
        link=second, last_title='=HYPERLINK("http://evil.example","click")', last_views=77
    )
    foreign = LinkFactory(raw_url="https://t.me/export/2", first_reported_by=other_officer)
    return first, second, foreign


def test_csv_holds_only_the_visible_filtered_rows(officer, links):
    first, second, _foreign = links
    response = export(officer, "csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="kibernadzor-links-')
    rows = csv_rows(response)
    assert {int(r["Number"]) for r in rows} == {first.pk, second.pk}
    assert {r["URL"] for r in rows} == {defang(first.url), defang(second.url)}
    assert rows[0]["State"] == "new"  # labels, in the active language
    assert rows[0]["State code"] == "new"

    only_vk = csv_rows(export(officer, "csv", platform="vk"))
    assert [int(r["Number"]) for r in only_vk] == [second.pk]


def test_cells_cannot_run_as_formulas(officer, links):
    rows = csv_rows(export(officer, "csv", platform="vk"))
    assert (
        rows[0]["Page title at the last check"] == '\'=HYPERLINK("hxxp://evil[.]example","click")'
    )
    assert rows[0]["Views at the last check"] == "77"

    response = export(officer, "xlsx", platform="vk")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, row = list(sheet.iter_rows(values_only=True))
    cells = dict(zip(header, row, strict=True))
    assert cells["Page title at the last check"].startswith("'=")
    assert cells["Views at the last check"] == 77
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in row)


def test_an_export_past_the_cap_is_refused_with_a_message(officer, links, monkeypatch):
    from portal.views import link_list as views

    monkeypatch.setattr(views, "EXPORT_MAX_ROWS", 1)
    client = browser_for(officer)
    response = client.get(
        reverse("portal:links_export", args=["csv"]), {"platform": ["telegram", "vk"]}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:links") + "?platform=telegram&platform=vk"
    doc = page(client.get(response["Location"]))
    assert "More than 1 links match; an export holds at most 1." in " ".join(
        texts(doc, "//div[@id='messages']/p")
    )


def test_an_export_with_a_bad_filter_is_refused(officer, links):
    response = export(officer, "csv", reported_after="yesterday-ish")
    assert response.status_code == 302


def test_unknown_formats_are_404(officer):
    assert export(officer, "pdf").status_code == 404


def test_exporting_confidential_links_is_logged(officer):
    services.submit_urls(["https://t.me/secret/export"], user=officer, confidential=True)
    export(officer, "xlsx")
    assert ConfidentialRead.objects.get().channel == ReadChannel.EXPORT
