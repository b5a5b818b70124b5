"""Pasted lists and uploaded files become numbered lines; wrong files are named as such."""

import io

import pytest
from openpyxl import Workbook

from registry import intake, services
from registry.models import Link


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_pasted_list_keeps_line_numbers_and_blank_lines():
    lines = intake.parse_text("https://a.example/\n\nhttps://b.example/\r\n\n")
    assert lines == [
        intake.Line(1, "https://a.example/"),
        intake.Line(2, ""),
        intake.Line(3, "https://b.example/"),
    ]


def test_a_txt_file_in_windows_1251_is_read():
    data = "https://пример.рф/страница\n".encode("cp1251")
    assert intake.parse_file("list.txt", data) == [intake.Line(1, "https://пример.рф/страница")]


def test_a_csv_file_uses_the_url_column_and_spreadsheet_line_numbers():
    data = "date;ссылка;note\n2026-01-01;https://a.example/;x\n2026-01-02;javascript:1;y\n"
    lines = intake.parse_file("export.csv", data.encode())
    assert lines == [intake.Line(2, "https://a.example/"), intake.Line(3, "javascript:1")]


def test_an_xlsx_workbook_uses_the_url_column():
    data = _xlsx([["N", "URL"], [1, "https://a.example/"], [2, None], [3, "https://b.example/"]])
    lines = intake.parse_file("links.xlsx", data)
    assert lines == [
        intake.Line(2, "https://a.example/"),
        intake.Line(3, ""),
        intake.Line(4, "https://b.example/"),
    ]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("links.xlsx", b"https://a.example/\n"),
        ("links.xlsx", b"PK\x03\x04 not really a zip"),
        ("links.csv", _xlsx([["https://a.example/"]])),
        ("links.txt", b"https://a.example/\x00\x01\x02"),
        ("links.pdf", b"%PDF-1.7"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused_by_name(name, data):
    with pytest.raises(intake.UnreadableFile) as refused:
        intake.parse_file(name, data)
    assert refused.value.field == "file"
    assert refused.value.message


def test_file_lines_go_through_submission_with_their_numbers(officer):
    data = "url\nhttps://a.example/\n\nftp://b.example/\nhttps://c.example/\n"
    urls, numbers = intake.split_lines(intake.parse_file("list.csv", data.encode()))
    answers = services.submit_urls(urls, user=officer, source="file", line_numbers=numbers)
    assert [(a.line, a.status) for a in answers] == [
        (2, "new"),
        (3, "invalid"),
        (4, "invalid"),
        (5, "new"),
    ]
    assert Link.objects.count() == 2
