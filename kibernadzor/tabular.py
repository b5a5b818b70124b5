"""Cells safe to open in a spreadsheet, shared by every CSV/XLSX export.

A text cell that begins with = + - @ (or a tab or carriage return, which some spreadsheets skip
before such a character) would run as a formula when the file is opened: CSV/formula injection
(OWASP). Such text is prefixed with an apostrophe, which shows it as typed. Numbers, dates and
booleans are left alone, so they stay numbers in the sheet.
"""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value) -> object:
    """The value to write into a cell: None as empty, risky text neutralised."""
    if value is None:
        return ""
    if isinstance(value, str):
        stripped = value.lstrip(" ")
        if stripped[:1] in FORMULA_TRIGGERS:
            return "'" + value
    return value
