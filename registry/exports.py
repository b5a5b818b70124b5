"""The registry list as a spreadsheet: its columns, their headers in the reader's language,
and URLs defanged unless live ones were asked for (docs/design.md §5.3).

A file travels: mail, chats, word processors turn a live URL into a link. So an export writes
every URL and host defanged (`hxxps://t[.]me/…`), as the pages show them, and page titles with
the URLs in them defanged. `live=True` writes them as stored; the portal offers it only to the
roles registry.access.may_export_live_urls names and logs every row so handed out. Choice
columns hold the label in the reader's language; the state also keeps its stable code in a
column of its own, for whoever sorts or filters by it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from registry.choices import LinkClassification, LinkPlatform, LinkState
from utilities.defang import defang, defang_text

URL, HOST, TEXT = "url", "host", "text"  # how a column's text is defanged


@dataclass(frozen=True)
class ExportColumn:
    path: str  # the .values() path
    title: Promise
    choices: type | None = None  # shown by label
    defanged: str = ""  # URL, HOST or TEXT


COLUMNS = (
    ExportColumn("id", _("Number")),
    ExportColumn("url", _("URL"), defanged=URL),
    ExportColumn("platform", _("Platform"), choices=LinkPlatform),
    ExportColumn("host", _("Host"), defanged=HOST),
    ExportColumn("state", _("State"), choices=LinkState),
    ExportColumn("state", _("State code")),
    ExportColumn("classification", _("Classification"), choices=LinkClassification),
    ExportColumn("confidential", _("Confidential")),
    ExportColumn("first_reported_at", _("First reported at")),
    ExportColumn("first_reported_agency__code", _("First reporting agency")),
    ExportColumn("report_count", _("Reports")),
    ExportColumn("assigned_agency__code", _("Assigned agency")),
    ExportColumn("due_date", _("Due date")),
    ExportColumn("stats__last_checked_at", _("Last checked at")),
    ExportColumn("stats__last_available", _("Available at the last check")),
    ExportColumn("stats__last_views", _("Views at the last check")),
    ExportColumn("stats__last_title", _("Page title at the last check"), defanged=TEXT),
)
PATHS = tuple(dict.fromkeys(column.path for column in COLUMNS))
SHEET_TITLE = _("Links")


def header() -> list[str]:
    """The column titles in the active language."""
    return [str(column.title) for column in COLUMNS]


def row(values: dict, *, live: bool = False) -> list:
    """One link's `.values(*PATHS)` as the cells of a row."""
    return [_cell(column, values[column.path], live) for column in COLUMNS]


def _cell(column: ExportColumn, value, live: bool):
    if value in (None, ""):
        return value
    if column.choices is not None:
        try:
            return str(column.choices(value).label)
        except ValueError:
            return value
    if column.defanged and not live:
        return defang_text(value) if column.defanged == TEXT else defang(value)
    if isinstance(value, datetime):
        # Spreadsheets have no time zones: local time, as text that sorts.
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    return value
