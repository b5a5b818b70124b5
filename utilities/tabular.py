"""Tables in and out of spreadsheets: CSV and XLSX files safe to open, and the one formula
neutraliser every writer uses.

A text cell that begins with = + - @ (or a tab or carriage return, which some spreadsheets skip
before such a character) would run as a formula when the file is opened: CSV/formula injection
(OWASP). Such text is prefixed with an apostrophe, which shows it as typed. Numbers, dates and
booleans are left alone, so they stay numbers in the sheet.

XLSX files are written with XlsxWriter (row by row, about three times faster than openpyxl for
report sizes) and every text cell is written as a string, never as a formula; openpyxl is only
used to read workbooks (see ``utilities.uploads``). Only :func:`file_response` imports Django,
so pure parsers and writers (``materials.listparse``) can use the rest.
"""

import csv
import datetime as dt
import io
import numbers
from collections.abc import Iterable, Sequence
from decimal import Decimal

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXPORT_FORMATS = tuple(CONTENT_TYPES)

# The number formats a date or time gets when its column names none (openpyxl's defaults, which
# the exports used before they were written with XlsxWriter).
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd h:mm:ss"
TIME_FORMAT = "h:mm:ss"


def safe_cell(value) -> object:
    """The value to write into a cell: None as empty, risky text neutralised."""
    if value is None:
        return ""
    if isinstance(value, str):
        stripped = value.lstrip(" ")
        if stripped[:1] in FORMULA_TRIGGERS:
            return "'" + value
    return value


def new_workbook(buffer: io.BytesIO, *, constant_memory: bool = True):
    """An XlsxWriter workbook writing into `buffer`. With `constant_memory` rows must be written
    in order, one after another (each is flushed when the next begins)."""
    import xlsxwriter  # noqa: PLC0415 - CSV-only callers do not need it

    return xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": constant_memory})


class CellWriter:
    """Writes values into XlsxWriter sheets by type: numbers as numbers, dates and times with a
    number format, booleans as booleans, None and "" as blanks, and anything else as a string
    (never a formula, whatever it starts with). Text passes through `safe_cell` first."""

    def __init__(self, workbook):
        self.workbook = workbook
        self._formats = {}

    def format(self, properties: dict | None = None):
        """One workbook format per set of properties (XlsxWriter wants them shared)."""
        if not properties:
            return None
        key = tuple(sorted(properties.items()))
        if key not in self._formats:
            self._formats[key] = self.workbook.add_format(properties)
        return self._formats[key]

    def write(
        self, sheet, row: int, column: int, value, number_format=None, text_format=None
    ) -> None:
        """`number_format` (a workbook format) applies to numbers, dates and times only,
        `text_format` to text only."""
        value = safe_cell(value)
        if value is None or value == "":
            sheet.write_blank(row, column, None)
        elif isinstance(value, bool):
            sheet.write_boolean(row, column, value)
        elif isinstance(value, numbers.Real | Decimal):
            sheet.write_number(row, column, value, number_format)
        elif isinstance(value, dt.datetime | dt.date | dt.time):
            if number_format is None:
                number_format = self.format({"num_format": _default_date_format(value)})
            sheet.write_datetime(row, column, value, number_format)
        else:
            sheet.write_string(row, column, str(value), text_format)


def _default_date_format(value) -> str:
    if isinstance(value, dt.datetime):
        return DATETIME_FORMAT
    if isinstance(value, dt.date):
        return DATE_FORMAT
    return TIME_FORMAT


def sheet_name(title) -> str:
    """A title as an XLSX sheet name: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title)).strip()
    return cleaned[:31] or "Sheet"


def write_table(
    header: Sequence[str], rows: Iterable[Sequence], fmt: str, sheet: str = "Sheet"
) -> bytes:
    """A header and rows as a CSV (UTF-8 with a byte-order mark, so that Excel reads the
    Cyrillic) or as a one-sheet XLSX whose sheet is named `sheet` (in the reader's language)."""
    if fmt == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([safe_cell(v) for v in header])
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
        return buffer.getvalue().encode("utf-8-sig")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        workbook = new_workbook(buffer)
        worksheet = workbook.add_worksheet(sheet_name(sheet))
        cells = CellWriter(workbook)
        for number, row in enumerate(_with_header(header, rows)):
            for index, value in enumerate(row):
                cells.write(worksheet, number, index, value)
        workbook.close()
        return buffer.getvalue()
    raise ValueError(f"unknown format {fmt!r}")


def _with_header(header, rows):
    yield header
    yield from rows


def file_response(content: bytes, fmt: str, basename: str):
    """The file as a download named `basename`.`fmt` (an HttpResponse)."""
    from django.http import HttpResponse  # noqa: PLC0415 - the rest of the module is Django-free

    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{basename}.{fmt}"'
    return response
