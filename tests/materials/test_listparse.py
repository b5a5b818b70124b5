"""The importer's parser for the official list of materials (CSV and XLSX). No database."""

import dataclasses
import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from materials.listparse import (
    EXTREMIST,
    TERRORIST,
    MaterialRow,
    guess_kind,
    guess_languages,
    parse_classification,
    parse_decision,
    parse_list,
    short_title,
    write_list,
)

SAMPLES = Path(__file__).parent / "samples"
# The shape of the published list (a copy of the product team's sample).
SHARED_SAMPLE = Path(__file__).resolve().parent / "samples" / "official_list_sample.csv"
TODAY = dt.date(2024, 10, 1)

SAMPLE_CSV = (
    "№,Наименование информационного материала,Решение суда,Категория\n"
    '1,"Брошюра «Демонстрационный материал № 1» на русском языке, 48 страниц",'
    '"решение Алмалинского районного суда г. Алматы от 12.03.2019, вступило в силу 28.03.2019",'
    "экстремистский\n"
    '2,"Видеоролик «Демонстрационный ролик № 2» продолжительностью 05 мин. 32 сек., начинающийся'
    ' словами «…»","решение специализированного межрайонного суда по уголовным делам Атырауской'
    ' области от 04.11.2020",террористический\n'
    '3,"Аудиозапись «Демонстрационная проповедь № 3» на казахском языке","решение Есильского'
    ' районного суда г. Астаны от 15.06.2021 (вступило в законную силу 01.07.2021)",'
    "экстремистский\n"
)


def errors_by_row(result):
    return {(e.row, e.field) for e in result.errors}


def without_position(rows):
    return [dataclasses.replace(r, row=0, sheet="") for r in rows]


# --------------------------------------------------------------------------------------------
# The published shape


def check_sample_rows(rows):
    assert [r.number for r in rows] == [1, 2, 3]
    first, second, third = rows
    assert first.row == 2
    assert first.title == "Демонстрационный материал № 1"
    assert first.description.startswith("Брошюра «Демонстрационный")
    assert first.classification == EXTREMIST
    assert first.kind == "print"
    assert first.languages == ("ru",)
    assert first.court == "Алмалинский районный суд г. Алматы"
    assert first.decision_date == dt.date(2019, 3, 12)
    assert first.entry_into_force == dt.date(2019, 3, 28)
    assert first.decision_text.startswith("решение Алмалинского районного суда")
    assert second.title == "Демонстрационный ролик № 2"
    assert second.classification == TERRORIST
    assert second.kind == "video"
    assert second.court == (
        "Специализированный межрайонный суд по уголовным делам Атырауской области"
    )
    assert second.decision_date == dt.date(2020, 11, 4)
    assert second.entry_into_force is None
    assert third.kind == "audio"
    assert third.languages == ("kk",)
    assert third.court == "Есильский районный суд г. Астаны"
    assert (third.decision_date, third.entry_into_force) == (
        dt.date(2021, 6, 15),
        dt.date(2021, 7, 1),
    )


def test_published_shape():
    result = parse_list(io.BytesIO(SAMPLE_CSV.encode()), "materials.csv", today=TODAY)
    assert result.ok, result.errors
    assert result.warnings == []
    assert (result.format, result.encoding, result.delimiter) == ("csv", "utf-8", ",")
    check_sample_rows(result.rows)


def test_shared_sample_file():
    result = parse_list(SHARED_SAMPLE, today=TODAY)
    assert result.ok, result.errors
    check_sample_rows(result.rows)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251", "utf-16"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_encodings_and_delimiters(encoding, delimiter):
    import csv

    rows = list(csv.reader(io.StringIO(SAMPLE_CSV)))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = buffer.getvalue().encode(encoding)
    result = parse_list(data, "list.csv", today=TODAY)
    assert result.ok, result.errors
    assert result.delimiter == delimiter
    check_sample_rows(result.rows)


def test_excel_sep_line():
    text = (
        "sep=;\n№;Наименование;Решение суда;Категория\n1;Брошюра «А»;решение суда от 01.02.2019;э"
    )
    result = parse_list(text.encode(), "list.csv", today=TODAY)
    assert result.delimiter == ";"
    assert errors_by_row(result) == {(2, "category")}  # rows counted from the line after sep=


# --------------------------------------------------------------------------------------------
# A messy CSV (committed sample: Windows-1251, semicolons, title lines, NBSP, multi-line cell)


def test_messy_csv():
    result = parse_list(SAMPLES / "messy_cp1251_semicolon.csv", today=TODAY)
    assert (result.format, result.encoding, result.delimiter) == ("csv", "cp1251", ";")
    assert errors_by_row(result) == {
        (9, "decision"),  # 31.02.2020
        (10, "category"),  # «экстрем.»
        (11, "number"),  # number 2 again with other content
        (13, "number"),  # «15а»
    }
    messages = {e.row: e.message for e in result.errors}
    # Row 6 spans two lines of the file: the rows after it also name the file's line.
    assert messages[9] == (
        "Строка 9 (строка 10 в файле), поле «Решение суда (дата, наименование суда)»:"
        " некорректная дата «31.02.2020»"
    )
    assert messages[10] == (
        "Строка 10 (строка 11 в файле), поле «Категория»: неизвестная категория «экстрем.»"
    )
    assert messages[11] == (
        "Строка 11 (строка 12 в файле), поле «N п/п»: номер 2 уже использован в строке 6"
    )
    assert "«15а»" in messages[13] and "целым положительным" in messages[13]

    warnings = {(w.row, w.field): w.message for w in result.warnings}
    assert warnings[(12, "")] == (
        "Строка 12 (строка 13 в файле): запись № 1 повторяет строку 5 и пропущена"
    )
    assert "«Примечание»" in warnings[(4, "header")]

    by_number = {r.number: r for r in result.rows}
    assert sorted(by_number) == [1, 2, 3, 7]
    assert [r.row for r in result.rows] == [5, 6, 8, 14]
    one = by_number[1]
    assert one.description == "Брошюра «Путь к свету» на русском языке, 48 страниц"  # NBSP, spaces
    two = by_number[2]
    assert two.description == "Видеоролик «Призыв» продолжительностью 05 мин. 32 сек."
    assert two.decision_date == dt.date(2020, 11, 4)  # d.m.yy
    three = by_number[3]  # the decision is inside the description
    assert three.decision_text == "решение Есильского районного суда г. Астаны от 15 июня 2021 года"
    assert three.court == "Есильский районный суд г. Астаны"
    assert three.decision_date == dt.date(2021, 6, 15)
    assert three.title == "Проповедь"
    assert three.classification == EXTREMIST  # «экстремистские»
    seven = by_number[7]
    assert seven.classification == TERRORIST  # «террористік»
    assert seven.kind == "social_account"


# --------------------------------------------------------------------------------------------
# A messy XLSX built here


def messy_workbook() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Материалы"
    ws["A1"] = "Перечень информационных материалов, признанных экстремистскими"
    ws.merge_cells("A1:E1")
    ws.append([])
    ws.append(["№", "Наименование информационного материала", "Решение суда", "Категория",
               "Дата вступления в силу"])  # fmt: skip
    ws.append([1, 2, 3, 4, 5])  # the column-numbering row
    ws.append([1, "Брошюра «Первая» на русском языке", "решение Алмалинского районного суда"
               " г. Алматы от 12.03.2019", "экстремистский", dt.datetime(2019, 3, 28)])  # fmt: skip
    ws.append(["2.", "Книга «Вторая» на казахском и русском языках", None, None, None])
    ws.append([3, "Журнал «Третий»", None, None, None])
    ws.append([4, "Листовка «Четвёртая»",
               "решение Медеуского районного суда от 32.01.2019", None, None])  # fmt: skip
    ws.merge_cells("C5:C7")  # one decision for rows 5–7
    ws.merge_cells("D5:D8")  # one category for rows 5–8
    ws.append([])  # row 9
    ws.append(["Террористические материалы"])  # row 10: a section heading
    ws.merge_cells("A10:E10")
    ws.append([1, "Видеоролик «Б» на арабском языке", "решение Есильского районного суда г. Астаны"
               " от 1 июня 2020 года", None, None])  # fmt: skip
    ws.append([1, "Видеоролик «Другой»",
               "решение Есильского районного суда от 02.06.2020", None, None])  # fmt: skip
    ws.append([2, "Изображение «Г»", "решение Есильского районного суда г. Астаны от 03.06.2020",
               "неизвестно", None])  # fmt: skip
    ws.append([3.0, "Аккаунт «В» в Instagram на казахском и русском языках",
               "решение Есильского районного суда г. Астаны от 04.06.2020", "террористический",
               "05.05.2020"])  # fmt: skip
    ws.append([None, "Пояснение без номера", None, None, None])  # row 15
    ws.append([16, None, None, None, None])  # a pre-numbered empty template row
    notes = wb.create_sheet("Примечания")
    notes["A1"] = "Служебные пометки"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_messy_xlsx():
    result = parse_list(io.BytesIO(messy_workbook()), "Перечень.xlsx", today=TODAY)
    assert result.format == "xlsx"
    assert errors_by_row(result) == {
        (8, "decision"),  # 32.01.2019
        (12, "number"),  # 1 again in the same section
        (13, "category"),  # «неизвестно»
        (14, "entry_into_force"),  # 05.05.2020 is before the decision of 04.06.2020
        (15, "number"),  # no number
    }
    messages = {e.row: e.message for e in result.errors}
    # Two sheets have content, so messages name the sheet.
    assert messages[8] == (
        "Лист «Материалы», строка 8, поле «Решение суда»: некорректная дата «32.01.2019»"
    )
    assert messages[12].endswith("номер 1 уже использован в строке 11")
    assert all(e.sheet == "Материалы" for e in result.errors)
    assert any(w.sheet == "Примечания" and w.row == 0 for w in result.warnings)
    assert any(w.row == 16 and "пуста" in w.message for w in result.warnings)

    rows = {(r.classification, r.number): r for r in result.rows}
    assert sorted(rows) == [(EXTREMIST, 1), (EXTREMIST, 2), (EXTREMIST, 3), (TERRORIST, 1)]
    first, second, third = rows[EXTREMIST, 1], rows[EXTREMIST, 2], rows[EXTREMIST, 3]
    assert (first.row, second.row, third.row) == (5, 6, 7)
    # The merged decision and category cells apply to every row they span.
    for row in (first, second, third):
        assert row.court == "Алмалинский районный суд г. Алматы"
        assert row.decision_date == dt.date(2019, 3, 12)
    assert first.entry_into_force == dt.date(2019, 3, 28)  # a date cell
    assert second.entry_into_force is None
    assert second.languages == ("kk", "ru")
    heading = rows[TERRORIST, 1]  # category from the section heading; numbering restarted
    assert heading.row == 11
    assert heading.decision_date == dt.date(2020, 6, 1)
    assert heading.kind == "video" and heading.languages == ("ar",)


def test_xlsx_without_merges_and_header_on_first_row():
    wb = openpyxl.Workbook()
    wb.active.append(["N", "Title", "Court decision", "Category"])
    wb.active.append([1, "Video «X» in English", "решение Алмалинского районного суда г. Алматы"
                      " от 12.03.2019", "terrorist"])  # fmt: skip
    buffer = io.BytesIO()
    wb.save(buffer)
    result = parse_list(buffer.getvalue(), "list.xlsx", today=TODAY)
    assert result.ok, result.errors
    (row,) = result.rows
    assert (row.row, row.number, row.classification, row.title) == (2, 1, TERRORIST, "X")
    assert row.sheet == "Sheet"
    assert not any("Лист" in e.message for e in result.warnings)


def test_kazakh_headers_and_decision():
    text = (
        "Р/с;Ақпараттық материалдың атауы;Сот шешімі;Санаты\n"
        "1;Кітапша «Бірінші» орыс тілінде;Алматы қаласы Алмалы аудандық сотының 2019 жылғы"
        " 12 наурыздағы шешімі;экстремистік\n"
    )
    result = parse_list(text.encode(), "tizim.csv", today=TODAY)
    assert result.ok, result.errors
    (row,) = result.rows
    assert row.classification == EXTREMIST
    assert row.court == "Алматы қаласы Алмалы аудандық соты"
    assert row.decision_date == dt.date(2019, 3, 12)
    assert row.languages == ("ru",)
    assert row.kind == "print"


def test_header_variations_and_extra_columns():
    text = (
        "\ufeffСписок\n\n"
        "Номер;Дата внесения;№ решения;Информационный материал;Судебный акт;Классификация\n"
        "1;01.01.2024;2-123/2019;Брошюра «А»;решение Алмалинского районного суда от 12.03.2019;"
        "экстремистский\n"
    )
    result = parse_list(text.encode(), "list.csv", today=TODAY)
    assert result.ok, result.errors
    (row,) = result.rows
    assert row.row == 4
    assert row.decision_date == dt.date(2019, 3, 12)
    assert row.court == "Алмалинский районный суд"
    assert row.included_on == dt.date(2024, 1, 1)  # «Дата внесения» is the date of inclusion
    ignored = sorted(w.message for w in result.warnings if w.field == "header")
    assert len(ignored) == 1
    assert any("«№ решения»" in m for m in ignored)


def test_identical_duplicate_is_a_warning_and_different_one_an_error():
    header = "№,Наименование,Решение суда,Категория\n"
    line = (
        "5,Брошюра «А»,решение Алмалинского районного суда г. Алматы от 12.03.2019,экстремистский\n"
    )
    same = parse_list((header + line + line).encode(), "a.csv", today=TODAY)
    assert same.ok and len(same.rows) == 1
    assert [(w.row, w.field) for w in same.warnings] == [(3, "")]
    other = line.replace("«А»", "«Б»")
    differing = parse_list((header + line + other).encode(), "a.csv", today=TODAY)
    assert [(e.row, e.field) for e in differing.errors] == [(3, "number")]
    assert "строке 2" in differing.errors[0].message


def test_dates_in_the_future_and_entry_before_decision_are_errors():
    text = (
        "№,Наименование,Решение суда,Категория\n"
        "1,Брошюра «А»,решение Алмалинского районного суда г. Алматы от 12.03.2030,экстремистский\n"
        '2,Брошюра «Б»,"решение Алмалинского районного суда г. Алматы от 12.03.2019,'
        ' вступило в силу 01.03.2019",экстремистский\n'
        "3,Брошюра «В»,решение Алмалинского районного суда г. Алматы,экстремистский\n"
    )
    result = parse_list(text.encode(), "a.csv", today=TODAY)
    assert errors_by_row(result) == {(2, "decision"), (3, "decision")}
    assert "ещё не наступила" in result.errors[0].message
    assert "раньше даты решения" in result.errors[1].message
    (row,) = result.rows  # no date at all: imported, with a warning
    assert row.number == 3 and row.decision_date is None
    assert any(w.row == 4 and "не найдена дата" in w.message for w in result.warnings)


# --------------------------------------------------------------------------------------------
# Round trip


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip(fmt):
    source = parse_list(io.BytesIO(messy_workbook()), "a.xlsx", today=TODAY).rows
    source += parse_list(SAMPLES / "messy_cp1251_semicolon.csv", today=TODAY).rows
    source.append(
        MaterialRow(
            row=1,
            number=99,
            title="=HYPERLINK()",
            description="=HYPERLINK() «формула»",
            classification=TERRORIST,
            kind="other",
            languages=(),
            court="Суд без текста решения",
            decision_date=dt.date(2020, 1, 2),
            entry_into_force=None,
            decision_text="",
        )
    )
    source = [dataclasses.replace(r, title=short_title(r.description)) for r in source]
    # Numbers repeat across the sources' sections: renumber so one list holds them all.
    source = [dataclasses.replace(r, number=i) for i, r in enumerate(source, start=1)]
    data = write_list(source, fmt)
    again = parse_list(data, f"export.{fmt}", today=TODAY)
    assert again.ok, again.errors
    assert without_position(again.rows) == without_position(source)
    assert [r.row for r in again.rows] == list(range(2, len(source) + 2))


def test_export_keeps_the_published_columns():
    rows = parse_list(SAMPLE_CSV.encode(), "a.csv", today=TODAY).rows
    text = write_list(rows, "csv").decode("utf-8-sig")
    assert text.splitlines()[0] == "№,Наименование информационного материала,Решение суда,Категория"
    sheet = openpyxl.load_workbook(io.BytesIO(write_list(rows, "xlsx"))).active
    assert [c.value for c in sheet[1]] == [
        "№",
        "Наименование информационного материала",
        "Решение суда",
        "Категория",
    ]
    assert sheet["D2"].value == "экстремистский"
    with pytest.raises(ValueError):
        write_list(rows, "pdf")


# --------------------------------------------------------------------------------------------
# Files that are not what they claim


def single_file_error(result):
    assert result.rows == []
    assert len(result.errors) == 1
    (error,) = result.errors
    assert (error.row, error.field) == (0, "file")
    return error.message


def test_xlsx_that_is_really_text():
    message = single_file_error(parse_list(SAMPLE_CSV.encode(), "list.xlsx"))
    assert message.startswith("Файл «list.xlsx»:") and "текстовым" in message


def test_csv_that_is_really_a_workbook():
    message = single_file_error(parse_list(messy_workbook(), "list.csv"))
    assert "ZIP" in message


def test_csv_with_binary_garbage():
    garbage = bytes(range(256)) * 20
    assert "двоичные" in single_file_error(parse_list(garbage, "list.csv"))
    assert single_file_error(parse_list(b"\x01\x02\x03\x04\x05\x06" * 50, "list.csv"))


def test_other_wrong_files():
    assert "XLS" in single_file_error(parse_list(b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old.xls"))
    assert "PDF" in single_file_error(parse_list(b"%PDF-1.4 ...", "list.csv"))
    assert "«.pdf»" in single_file_error(parse_list(b"%PDF-1.4 ...", "list.pdf"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<doc/>")
    assert "другого формата" in single_file_error(parse_list(buffer.getvalue(), "list.xlsx"))
    broken = messy_workbook()[:300]
    assert single_file_error(parse_list(broken, "list.xlsx"))
    assert "заголовка" in single_file_error(parse_list(b"", "empty.csv"))
    assert "заголовка" in single_file_error(parse_list(b"a,b\n1,2\n", "t.csv"))
    missing = parse_list(Path("/nonexistent/list.csv"))
    assert single_file_error(missing)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2000), ext=st.sampled_from(["csv", "xlsx", ""]))
def test_arbitrary_bytes_never_crash(data, ext):
    result = parse_list(data, f"upload.{ext}" if ext else "upload")
    assert result.errors or result.rows or result.warnings or result.ok


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=40), min_size=4, max_size=4))
def test_arbitrary_cells_never_crash(cells):
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["№", "Наименование", "Решение суда", "Категория"])
    writer.writerow(cells)
    result = parse_list(buffer.getvalue().encode("utf-8"), "list.csv", today=TODAY)
    for row in result.rows:
        assert row.number > 0 and row.classification in (EXTREMIST, TERRORIST)


# --------------------------------------------------------------------------------------------
# Helpers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("решение Алмалинского районного суда г. Алматы от 12.03.2019",
         ("Алмалинский районный суд г. Алматы", dt.date(2019, 3, 12), None)),
        ("Решением Верховного Суда Республики Казахстан от «5» октября 2015 года, вступившим в"
         " законную силу 20 октября 2015 г.",
         ("Верховный Суд Республики Казахстан", dt.date(2015, 10, 5), dt.date(2015, 10, 20))),
        ("решение Алматинского городского суда от 1.3.19 по делу № 2-12-15",
         ("Алматинский городской суд", dt.date(2019, 3, 1), None)),
        ("решение, вынесенное Медеуским районным судом г. Алматы 2019-03-12",
         ("Медеуский районный суд г. Алматы", dt.date(2019, 3, 12), None)),
        ("Алмалинский районный суд г. Алматы, 12.03.2019",
         ("Алмалинский районный суд г. Алматы", dt.date(2019, 3, 12), None)),
        ("12.03.2019", ("", dt.date(2019, 3, 12), None)),
        ("Решение суда от 01.02.2019", ("", dt.date(2019, 2, 1), None)),
    ],
)  # fmt: skip
def test_parse_decision(text, expected):
    assert parse_decision(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("экстремистский", EXTREMIST),
        ("Экстремистские материалы", EXTREMIST),
        ("экстремистік", EXTREMIST),
        ("Extremist", EXTREMIST),
        ("террористический", TERRORIST),
        ("террористік", TERRORIST),
        ("terrorist", TERRORIST),
        ("экстрем.", None),
        ("экстремистский, террористический", None),
        ("", None),
    ],
)
def test_parse_classification(text, expected):
    classification, problem = parse_classification(text)
    assert classification == expected
    assert (problem is None) == (expected is not None)


@pytest.mark.parametrize(
    ("description", "kind"),
    [
        ("Брошюра «А»", "print"),
        ("Книга «Б», 200 страниц", "print"),
        ("Видеозапись «В», размещённая на сайте", "video"),
        ("Аудиозапись «Г»", "audio"),
        ("Изображение с надписью", "image"),
        ("Интернет-ресурс www.example.kz с видеороликами", "web_page"),
        ("Веб-страница «Д»", "web_page"),
        ("Аккаунт «Е» в Instagram", "social_account"),
        ("Telegram-канал «Ж»", "social_account"),
        ("Страница «З» в социальной сети ВКонтакте", "social_account"),
        ("Предмет неизвестного вида", "other"),
    ],
)
def test_guess_kind(description, kind):
    assert guess_kind(description) == kind


def test_guess_languages():
    assert guess_languages("на русском и казахском языках") == ("ru", "kk")
    assert guess_languages("на арабском языке с переводом на русский") == ("ar", "ru")
    assert guess_languages("на английском, узбекском, кыргызском, таджикском и турецком") == (
        "en",
        "uz",
        "ky",
        "tg",
        "tr",
    )
    assert guess_languages("Книга «О русском характере»") == ()


def test_short_title():
    assert short_title("Брошюра «Книга «Вложенная» часть 1», 40 с.") == "Книга «Вложенная» часть 1"
    assert short_title("Видеоролик, начинающийся словами «Во имя», 5 мин.") == (
        "Видеоролик, начинающийся словами «Во имя», 5 мин"
    )
    assert short_title("Листовка с призывами на русском языке. Изъята в г. Алматы.") == (
        "Листовка с призывами на русском языке"
    )
    assert short_title(
        "Листовка без названия, решение Алмалинского районного суда от 12.03.2019"
    ) == ("Листовка без названия")
    assert len(short_title("слово " * 300)) <= 500
