"""Turning what an officer pastes or uploads into numbered lines for registry.services.

A pasted list, a TXT file (one URL a line), a CSV file (the column named url/link/ссылка/
сілтеме, else the first column) or an XLSX workbook (the same, on the first sheet) become
`Line(number, text)` with the number people see in their editor or spreadsheet. Blank lines
are kept, so the submission answers them as invalid with their line number. A file that is not
what its name claims (a "CSV" that is a zip, an "XLSX" that is text, a text file with NUL bytes)
raises UnreadableFile, which names the problem, and nothing is submitted.
"""

import csv
import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

from kibernadzor.errors import DomainError
from utilities import uploads

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_LINES = 100_000  # portal.submissions takes at most this many lines at a time
MAX_XLSX_COLUMNS = 1024
URL_HEADERS = {"url", "urls", "link", "links", "ссылка", "ссылки", "сілтеме", "адрес", "address"}
_TEXT_ENCODINGS = ("utf-8-sig", "cp1251")


class UnreadableFile(DomainError):
    code = "unreadable_file"


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    text: str


def split_lines(lines: list[Line]) -> tuple[list[str], list[int]]:
    """(urls, line numbers) as registry.services.submit_urls / check_urls take them."""
    return [line.text for line in lines], [line.number for line in lines]


def parse_text(text: str) -> list[Line]:
    """A pasted list: one URL a line; trailing empty lines are not lines."""
    rows = text.splitlines()
    while rows and not rows[-1].strip():
        rows.pop()
    return [Line(number, row) for number, row in enumerate(rows, start=1)]


def parse_file(name: str, data: bytes, *, max_lines: int = MAX_LINES) -> list[Line]:
    """The lines of an uploaded TXT, CSV or XLSX file, by its extension, checked against its
    content. An XLSX past ``max_lines`` rows is refused as soon as that shows (its declared
    dimensions, else the row after the limit), never read whole."""
    try:
        return _parse_file(name, data, max_lines)
    except uploads.UnsafeUpload as error:
        raise UnreadableFile(error.message, field="file") from None


def _parse_file(name: str, data: bytes, max_lines: int) -> list[Line]:
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile(
            _("The file is larger than %(limit)d MB.") % {"limit": MAX_FILE_BYTES // 2**20},
            field="file",
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension == "xlsx":
        return _parse_xlsx(data, max_lines)
    if extension in ("csv", "txt", ""):
        if data.startswith(b"PK\x03\x04") or b"\x00" in data[:4096]:
            raise UnreadableFile(
                _("The file is named .%(ext)s but is not text (a spreadsheet or binary file?).")
                % {"ext": extension or "txt"},
                field="file",
            )
        text = _decode(data)
        return _parse_csv(text) if extension == "csv" else parse_text(text)
    raise UnreadableFile(
        _("Upload a .txt, .csv or .xlsx file, not .%(ext)s.") % {"ext": extension}, field="file"
    )


def _decode(data: bytes) -> str:
    for encoding in _TEXT_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(_("The file is neither UTF-8 nor Windows-1251 text."), field="file")


def _url_column(header: list[str]) -> int | None:
    for index, cell in enumerate(header):
        if str(cell or "").strip().lower() in URL_HEADERS:
            return index
    return None


def _rows_to_lines(rows) -> list[Line]:
    """Rows (line number, cells) → lines of the URL column; a header row is recognised."""
    rows = list(rows)
    column, start = 0, 0
    if rows:
        found = _url_column(rows[0][1])
        if found is not None:
            column, start = found, 1
    lines = []
    for number, cells in rows[start:]:
        value = cells[column] if column < len(cells) else ""
        lines.append(Line(number, "" if value is None else str(value)))
    while lines and not lines[-1].text.strip():
        lines.pop()
    return lines


def _parse_csv(text: str) -> list[Line]:
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        return _rows_to_lines((reader.line_num, row) for row in reader)
    except csv.Error as error:
        raise UnreadableFile(
            _("The CSV file is malformed at line %(line)d: %(error)s")
            % {"line": reader.line_num, "error": error},
            field="file",
        ) from None


def _parse_xlsx(data: bytes, max_lines: int) -> list[Line]:
    """The first sheet's rows, streamed, after utilities.uploads has checked the archive
    (declared sizes, compression ratio, no DOCTYPE) and the sheet's declared dimensions."""
    from openpyxl import load_workbook

    if not data.startswith(b"PK\x03\x04"):
        raise UnreadableFile(
            _("The file is named .xlsx but is not an Excel workbook."), field="file"
        )
    max_rows = max_lines + 1  # a header row may come first
    limits = uploads.Limits.from_settings()
    with uploads.open_zip(data, limits, max_rows=max_rows, max_columns=MAX_XLSX_COLUMNS):
        pass  # refused, if at all, by what the archive and its sheets declare
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as error:
        raise UnreadableFile(
            _("The file is not a readable Excel workbook: %(error)s") % {"error": error},
            field="file",
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = (
            (number, list(cells)) for number, cells in uploads.sheet_rows(sheet, max_rows=max_rows)
        )
        return _rows_to_lines(rows)
    except (ValueError, SyntaxError, KeyError) as error:  # ParseError is a SyntaxError
        raise UnreadableFile(
            _("The file is not a readable Excel workbook: %(error)s") % {"error": error},
            field="file",
        ) from None
    finally:
        workbook.close()
