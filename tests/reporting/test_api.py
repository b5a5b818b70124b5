"""The report endpoints over HTTP: answers, access scope, formats, errors, pagination, schema."""

import csv
import io

import openpyxl
import pytest
from django.core.management import call_command

from checks.models import LinkStats, RepublicationGroup
from registry.models import LinkOrganization
from tests.materials.factories import OrganizationFactory
from tests.registry.factories import LinkFactory

MARCH = {"date_from": "2025-03-01", "date_to": "2025-03-31"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def get(api_client, user, path, **params):
    api_client.force_authenticate(user)
    return api_client.get(f"/api/v1/reports/{path}", params, HTTP_ACCEPT_LANGUAGE="en")


def test_summary_answers_the_counts_and_echoes_the_filters(world, api_client):
    response = get(api_client, world.users.central, "summary/", **MARCH)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "filters": MARCH,
        "registered": 5, "repeats": 4, "confirmed": 3, "blocked": 2, "removed": 1,
        "reappeared": 1, "pending": 4,
    }  # fmt: skip


def test_the_reports_index_and_the_api_root_list_the_endpoints(world, api_client):
    api_client.force_authenticate(world.users.central)
    assert "reports" in api_client.get("/api/v1/").json()
    index = api_client.get("/api/v1/reports/").json()
    assert {"summary", "time-series", "breakdowns", "breakdowns/agency", "time-to-block",
            "removal-rate", "views", "republications", "republication-groups",
            "yearly-summary"} <= set(index)  # fmt: skip
    assert index["summary"].endswith("/api/v1/reports/summary/")


# --- the access scope of every endpoint ---------------------------------------------------------
# (endpoint, params, figure extracted from the JSON answer, expected per user) — by hand from
# the fixture in conftest.py; the administrator has no access to case content: 403.
def _sum(key):
    return lambda body: sum(row[key] for row in body["results"])


SCOPE_CASES = [
    ("summary/", MARCH, lambda b: (b["registered"], b["blocked"]),
     {"officer75": (4, 1), "officer71": (2, 1), "regional_prosecutor": (5, 1),
      "central": (5, 2), "auditor": (5, 2)}),
    ("time-series/", MARCH, lambda b: (_sum("registered")(b), _sum("blocked")(b)),
     {"officer75": (4, 1), "officer71": (2, 1), "regional_prosecutor": (5, 1),
      "central": (5, 2), "auditor": (5, 2)}),
    ("breakdowns/agency/", MARCH, lambda b: (_sum("links")(b), _sum("blocked")(b)),
     {"officer75": (4, 1), "officer71": (2, 1), "regional_prosecutor": (5, 1),
      "central": (5, 2), "auditor": (5, 2)}),
    ("breakdowns/", {**MARCH, "dimensions": "agency,state"},
     lambda b: sum(r["links"] for r in b["breakdowns"]["state"]),
     {"officer75": 4, "officer71": 2, "regional_prosecutor": 5, "central": 5, "auditor": 5}),
    ("time-to-block/", MARCH, lambda b: b["links"],
     {"officer75": 1, "officer71": 1, "regional_prosecutor": 1, "central": 2, "auditor": 2}),
    ("removal-rate/", {}, lambda b: {r["platform"] for r in b["results"]},
     {"officer75": {"youtube", "telegram"}, "officer71": {"vk", "web"},
      "regional_prosecutor": {"youtube", "telegram"},
      "central": {"youtube", "telegram", "vk", "web"},
      "auditor": {"youtube", "telegram", "vk", "web"}}),
    ("views/", MARCH, lambda b: b["total"]["links_measured"],
     {"officer75": 3, "officer71": 1, "regional_prosecutor": 3, "central": 3, "auditor": 3}),
    ("republications/", MARCH, lambda b: b["total"]["republished_links"],
     # police-71 reads L3 but not L1: for it, L3 is the first publication.
     {"officer75": 1, "officer71": 0, "regional_prosecutor": 1, "central": 1, "auditor": 1}),
    ("republication-groups/", MARCH, lambda b: [g["links_in_scope"] for g in b["results"]],
     {"officer75": [2], "officer71": [1], "regional_prosecutor": [2], "central": [2],
      "auditor": [2]}),
    ("yearly-summary/", {"year": 2025}, lambda b: b["links"][0]["in_year"],
     {"officer75": 4, "officer71": 3, "regional_prosecutor": 5, "central": 6, "auditor": 6}),
]  # fmt: skip


@pytest.mark.parametrize(
    "path, params, figure, expected", SCOPE_CASES, ids=[case[0] for case in SCOPE_CASES]
)
def test_every_endpoint_answers_within_the_callers_scope(
    world, api_client, path, params, figure, expected
):
    for name, value in expected.items():
        response = get(api_client, getattr(world.users, name), path, **params)
        assert response.status_code == 200, (name, response.content)
        assert figure(response.json()) == value, name
    response = get(api_client, world.users.admin, path, **params)
    assert response.status_code == 403, path


def test_a_group_is_counted_and_its_first_publication_named_over_readable_links(world, api_client):
    central = get(api_client, world.users.central, "republication-groups/", **MARCH).json()
    assert (central["results"][0]["first_link"], central["results"][0]["link_count"]) == (
        world.links.L1.pk,
        2,
    )
    officer = get(api_client, world.users.officer71, "republication-groups/", **MARCH).json()
    # L1 is police-75's: police-71 reads only L3 (through its repeat).
    assert (officer["results"][0]["first_link"], officer["results"][0]["link_count"]) == (
        world.links.L3.pk,
        1,
    )


# --- parameters and errors ----------------------------------------------------------------------
def test_agency_and_region_take_codes_as_well_as_ids(world, api_client):
    agency = world.agencies.police75
    by_code = get(api_client, world.users.central, "summary/", agency=agency.code)
    by_id = get(api_client, world.users.central, "summary/", agency=agency.pk)
    assert by_code.json()["registered"] == by_id.json()["registered"] == 3
    assert (
        get(api_client, world.users.central, "summary/", region="KZ-71").json()["registered"] == 3
    )


@pytest.mark.parametrize(
    "params, field",
    [
        ({"date_from": "2025-13-01"}, "date_from"),
        ({"date_from": "2025-03-10", "date_to": "2025-03-01"}, "date_from"),
        ({"platform": "myspace"}, "platform"),
        ({"agency": "no-such-agency"}, "agency"),
        ({"region": "KZ-99"}, "region"),
        ({"material": "-4"}, "material"),
        ({"agnecy": "1"}, "agnecy"),
    ],
)
def test_a_bad_parameter_is_refused_with_its_name(world, api_client, params, field):
    response = get(api_client, world.users.central, "summary/", **params)
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_errors_are_json_even_when_a_file_was_asked_for(world, api_client):
    response = get(api_client, world.users.central, "summary/", date_to="soon", format="csv")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["field"] == "date_to"


def test_bad_bucket_dimension_and_year(world, api_client):
    user = world.users.central
    assert get(api_client, user, "time-series/", bucket="hour").json()["field"] == "bucket"
    assert get(api_client, user, "breakdowns/colour/").json()["field"] == "dimension"
    assert get(api_client, user, "breakdowns/", dimensions="agency,x").json()["field"] == (
        "dimension"
    )
    assert get(api_client, user, "yearly-summary/", year="last").json()["field"] == "year"


def test_time_series_takes_the_bucket(world, api_client):
    body = get(api_client, world.users.central, "time-series/", bucket="month", **MARCH).json()
    assert body["bucket"] == "month"
    assert body["results"] == [
        {"period": "2025-03-01", "registered": 5, "repeats": 4, "blocked": 2, "removed": 1}
    ]


# --- formats ------------------------------------------------------------------------------------
def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_summary_as_csv(world, api_client):
    response = get(api_client, world.users.central, "summary/", format="csv", **MARCH)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="kibernadzor-summary-2025-03-01_2025-03-31.csv"'
    )
    rows = _csv(response)
    assert rows[1] == ["5", "4", "3", "2", "1", "1", "4"]
    assert len(rows[0]) == 7


def test_csv_by_the_accept_header(world, api_client):
    api_client.force_authenticate(world.users.central)
    response = api_client.get("/api/v1/reports/time-series/", MARCH, HTTP_ACCEPT="text/csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert len(rows) == 1 + 31
    assert rows[3][0] == "2025-03-03"


def test_several_breakdowns_in_one_csv_name_their_dimension(world, api_client):
    params = {**MARCH, "dimensions": "platform,state", "format": "csv"}
    rows = _csv(get(api_client, world.users.central, "breakdowns/", **params))
    assert {row[0] for row in rows[1:]} == {"platform", "state"}
    assert rows[0][1:4] == ["key", "name", "links"]


def test_breakdowns_as_xlsx_have_a_sheet_per_dimension_with_formats(world, api_client):
    api_client.force_authenticate(world.users.central)
    response = api_client.get(
        "/api/v1/reports/breakdowns/", MARCH, HTTP_ACCEPT=XLSX, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "agency", "region", "platform", "state", "classification", "organization", "material"
    ]  # fmt: skip
    sheet = workbook["platform"]
    assert [c.value for c in sheet[1]][:3] == ["key", "name", "links"]
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    youtube = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "youtube")
    assert youtube[2].value == 2 and youtube[2].number_format == "#,##0"
    assert sheet.column_dimensions["B"].width >= len("YouTube")


def test_the_yearly_summary_as_xlsx_has_three_sheets(world, api_client):
    response = get(api_client, world.users.central, "yearly-summary/", year=2025, format="xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 3
    links = workbook.worksheets[2]
    assert [c.value for c in links[1]][1] == "2025"
    assert [c.value for c in links[2]][1:] == [6, 7]


def test_time_series_dates_and_rates_are_typed_in_xlsx(world, api_client):
    series = get(api_client, world.users.central, "time-series/", format="xlsx", **MARCH)
    sheet = openpyxl.load_workbook(io.BytesIO(series.content)).active
    assert sheet["A2"].is_date and sheet["A2"].number_format == "yyyy-mm-dd"
    rates = get(api_client, world.users.central, "removal-rate/", format="xlsx", **MARCH)
    sheet = openpyxl.load_workbook(io.BytesIO(rates.content)).active
    assert sheet["F2"].number_format == "0.0%"
    assert isinstance(sheet["F2"].value, int | float)


def test_every_endpoint_answers_in_csv_and_xlsx(world, api_client):
    for path, params, *_ in SCOPE_CASES:
        for fmt in ("csv", "xlsx"):
            response = get(api_client, world.users.central, path, format=fmt, **params)
            assert response.status_code == 200, (path, fmt, response.content[:200])
            assert response.content


def test_text_that_looks_like_a_formula_is_neutralised_in_csv_and_xlsx(world, api_client):
    formula = '=HYPERLINK("http://evil.example","x")'
    evil = OrganizationFactory(name_ru=formula, name_kk=formula, name_en=formula)
    LinkOrganization.objects.create(link=world.links.L3, organization=evil)
    params = {**MARCH, "format": "csv"}
    rows = _csv(get(api_client, world.users.central, "breakdowns/organization/", **params))
    labels = [row[1] for row in rows[1:]]
    assert "'" + evil.name_ru in labels
    assert not any(label.startswith(("=", "+", "-", "@")) for label in labels)
    params["format"] = "xlsx"
    response = get(api_client, world.users.central, "breakdowns/organization/", **params)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    evil_cell = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert evil_cell.data_type == "s" and evil_cell.value.startswith("'=")


# --- cursor pagination --------------------------------------------------------------------------
def test_republication_groups_are_cursor_paginated(world, api_client):
    for number in range(3):
        link = LinkFactory(
            first_reported_by=world.users.officer75,
            first_reported_at=world.links.L1.first_reported_at,
        )
        group = RepublicationGroup.objects.create(content_sha256=f"{number}" * 64, first_link=link)
        LinkStats.objects.create(link=link, republication_group=group)
    api_client.force_authenticate(world.users.central)
    seen, url = (
        [],
        "/api/v1/reports/republication-groups/?page_size=2&"
        + "&".join(f"{k}={v}" for k, v in MARCH.items()),
    )
    while url:
        body = api_client.get(url).json()
        assert "count" not in body
        assert len(body["results"]) <= 2
        seen += [group["id"] for group in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 4


def test_the_link_list_is_cursor_paginated(world, api_client):
    api_client.force_authenticate(world.users.central)
    first = api_client.get("/api/v1/links/", {"page_size": 4}).json()
    assert len(first["results"]) == 4 and first["next"] and "count" not in first
    second = api_client.get(first["next"]).json()
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(ids) == len(set(ids)) == 7
    dates = [r["first_reported_at"] for r in first["results"] + second["results"]]
    assert dates == sorted(dates, reverse=True)


# --- the schema ---------------------------------------------------------------------------------
def test_the_openapi_schema_documents_the_reports_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in ("summary", "time-series", "breakdowns/{dimension}", "time-to-block",
                 "removal-rate", "views", "republications", "republication-groups",
                 "yearly-summary"):  # fmt: skip
        assert f"/api/v1/reports/{path}/:" in schema
    assert "March 2025" in schema  # the examples
    assert "text/csv" in schema
