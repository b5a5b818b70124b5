"""Report files in the reader's language: a breakdown's sheets are named by the dimension's
name in that language (the stable key stays in the `key` column)."""

import io

import openpyxl

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_breakdown_sheets_are_named_in_the_readers_language(prosecutor, api_client):
    api_client.force_authenticate(prosecutor)
    response = api_client.get(
        "/api/v1/reports/breakdowns/",
        {"dimensions": "platform,state"},
        HTTP_ACCEPT=XLSX,
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["платформа", "статус"]
    assert [c.value for c in workbook["платформа"][1]][:2] == ["ключ", "наименование"]
