"""Reports as tables: what the CSV and XLSX renderers write.

Each report endpoint turns its JSON answer into one or more `Table`s (one sheet each in XLSX).
Columns carry a kind so that the workbook gets real numbers, percentages and dates with formats,
and every text cell passes kibernadzor.tabular.safe_cell (no formula injection).
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from kibernadzor.tabular import safe_cell

# Column kinds and their XLSX number formats.
FORMATS = {
    "text": "@",
    "int": "#,##0",
    "float": "#,##0.00",
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
}


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str = "text"


@dataclass
class Table:
    name: str  # sheet name (≤ 31 characters) and CSV section
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)

    def values(self, row: dict) -> list:
        return [row.get(column.key) for column in self.columns]


def to_csv(tables: list[Table], section_title: str = "section") -> bytes:
    """One table as is; several with the same columns as one table with a leading column
    naming each row's table; several different ones one after another, each under its name."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    same_columns = len({tuple(c.key for c in t.columns) for t in tables}) == 1
    if len(tables) == 1:
        (table,) = tables
        writer.writerow([safe_cell(str(c.title)) for c in table.columns])
        for row in table.rows:
            writer.writerow([_csv_cell(v) for v in table.values(row)])
    elif same_columns:
        writer.writerow([str(section_title), *(safe_cell(str(c.title)) for c in tables[0].columns)])
        for table in tables:
            for row in table.rows:
                writer.writerow(
                    [safe_cell(str(table.name)), *(_csv_cell(v) for v in table.values(row))]
                )
    else:
        for number, table in enumerate(tables):
            if number:
                writer.writerow([])
            writer.writerow([safe_cell(str(table.name))])
            writer.writerow([safe_cell(str(c.title)) for c in table.columns])
            for row in table.rows:
                writer.writerow([_csv_cell(v) for v in table.values(row)])
    # A byte-order mark, so that Excel reads the Cyrillic as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


def _csv_cell(value):
    if isinstance(value, date):
        return value.isoformat()
    return safe_cell(value)


def to_xlsx(tables: list[Table]) -> bytes:
    """A workbook with one sheet per table: bold frozen header, number formats, column widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(str(table.name), used))
        sheet.append([safe_cell(str(c.title)) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        widths = [len(str(c.title)) for c in table.columns]
        for row in table.rows:
            values = [safe_cell(v) for v in table.values(row)]
            sheet.append(values)
            for index, value in enumerate(values):
                widths[index] = max(widths[index], len(_shown(value, table.columns[index].kind)))
        for index, column in enumerate(table.columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = min(max(widths[index - 1] + 2, 8), 60)
            if column.kind != "text":
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = FORMATS[column.kind]
    if not workbook.worksheets:
        workbook.create_sheet("report")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _shown(value, kind: str) -> str:
    if kind == "percent" and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    if kind in ("int", "float") and isinstance(value, int | float):
        return f"{value:,.2f}" if kind == "float" else f"{value:,}"
    return str(value)


def _sheet_title(name: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    title = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(name))[:31] or "sheet"
    candidate, number = title, 2
    while candidate.lower() in used:
        suffix = f" ({number})"
        candidate, number = title[: 31 - len(suffix)] + suffix, number + 1
    used.add(candidate.lower())
    return candidate
