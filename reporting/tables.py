"""Reports as tables: what the CSV and XLSX renderers write.

Each report endpoint turns its JSON answer into one or more `Table`s (one sheet each in XLSX).
Columns carry a kind so that the workbook gets real numbers, percentages and dates with formats,
and every text cell passes utilities.tabular.safe_cell (no formula injection).
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from utilities.tabular import CellWriter, new_workbook, safe_cell

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
    """A workbook with one sheet per table: bold frozen header, number formats, column widths.
    Written with XlsxWriter row by row (utilities.tabular); text is always written as text,
    never as a formula."""
    buffer = io.BytesIO()
    workbook = new_workbook(buffer)
    cells = CellWriter(workbook)
    bold = cells.format({"bold": True})
    formats = {kind: cells.format({"num_format": f}) for kind, f in FORMATS.items()}
    used: set[str] = set()
    for table in tables or [Table("report", [])]:
        sheet = workbook.add_worksheet(_sheet_title(str(table.name), used))
        sheet.freeze_panes(1, 0)
        rows = [[safe_cell(v) for v in table.values(row)] for row in table.rows]
        for index, column in enumerate(table.columns):
            width = max(
                [len(str(column.title)), *(_shown_width(r[index], column.kind) for r in rows)]
            )
            sheet.set_column(index, index, min(max(width + 2, 8), 60))
            sheet.write_string(0, index, str(safe_cell(str(column.title))), bold)
        for number, row in enumerate(rows, start=1):
            for index, (value, column) in enumerate(zip(row, table.columns, strict=True)):
                cells.write(sheet, number, index, value, formats.get(column.kind))
    workbook.close()
    return buffer.getvalue()


def _shown_width(value, kind: str) -> int:
    """About how many characters a value takes in the sheet (for the column width)."""
    if value is None:
        return 0
    if kind == "percent":
        return 6
    text = str(value)
    if kind in ("int", "float") and isinstance(value, int | float):
        return len(text) + len(text) // 3 + (3 if kind == "float" else 0)
    return len(text)


def _sheet_title(name: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    title = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(name))[:31] or "sheet"
    candidate, number = title, 2
    while candidate.lower() in used:
        suffix = f" ({number})"
        candidate, number = title[: 31 - len(suffix)] + suffix, number + 1
    used.add(candidate.lower())
    return candidate
