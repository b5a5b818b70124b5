"""Reads of the link registry shared by the API, the admin, the portal and the services."""

from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _

from accounts.models import Agency
from registry.choices import ReadChannel, SubmissionStatus
from registry.models import ConfidentialRead, Link

_ANSWER_FIELDS = (
    "id",
    "key",
    "url",
    "state",
    "confidential",
    "first_reported_at",
    "report_count",
    "first_reported_agency__id",
    "first_reported_agency__code",
    "first_reported_agency__name_ru",
    "first_reported_agency__name_kk",
    "first_reported_agency__name_en",
    "first_reported_agency__contact",
)


def links_by_key(keys: list[str]) -> list[Link]:
    """The links with these canonical keys, with what a deconfliction answer shows."""
    if not keys:
        return []
    return list(
        Link.objects.filter(key__in=keys)
        .select_related("first_reported_agency")
        .only(*_ANSWER_FIELDS)
    )


def confidential_visible_ids(user, links: Iterable[Link]) -> set[int]:
    """Of these links, the confidential ones whose full record the user may read."""
    ids = [link.pk for link in links if link.confidential]
    if not ids:
        return set()
    return set(Link.objects.restrict(user, "view").filter(pk__in=ids).values_list("pk", flat=True))


def agency_ref(agency: Agency) -> dict:
    return {"code": agency.code, "name": agency.name}


def known_answer(entry, link: Link, visible_confidential: set[int]) -> dict:
    """The deconfliction answer for a known link.

    A confidential link the caller may not see answers only that it is known and whom to
    contact (DESIGN §4.2): nothing about the content, its state or its history."""
    agency = link.first_reported_agency
    if link.confidential and link.pk not in visible_confidential:
        contact = f"{agency.name} ({agency.contact})" if agency.contact else agency.name
        return {
            "line": entry.line,
            "status": SubmissionStatus.KNOWN.value,
            "confidential": True,
            "contact": {"code": agency.code, "name": agency.name, "contact": agency.contact},
            "message": _("Known; contact %(agency)s.") % {"agency": contact},
        }
    return {
        "line": entry.line,
        "status": SubmissionStatus.KNOWN.value,
        "url": link.url,
        "link": link.pk,
        "known_since": link.first_reported_at,
        "first_reported_by": agency_ref(agency),
        "state": link.state,
        "report_count": link.report_count,
        "confidential": link.confidential,
    }


def links_for(user, action: str = "view"):
    """The links the user may take `action` on, ready for lists."""
    return Link.objects.restrict(user, action).select_related(
        "first_reported_agency", "assigned_agency", "assigned_user"
    )


def record_disagreements(links=None, *, chunk_size: int = 2000) -> list[str]:
    """Where a link's record disagrees with itself, one line per disagreement (empty: none).

    The record is three accounts of one link: its row, its trail (StateChange) and its history.
    They agree when the trail's last step ends in the link's state (a link with no trail is
    still new) and the latest historical record holds the row's values in every tracked field.
    A history page that saved a POST, or a raw UPDATE, would break them apart. Reads in chunks:
    one query for the links and one for their latest records per chunk.
    """
    from django.db.models import OuterRef, Subquery

    from registry.choices import LinkState
    from registry.models import StateChange

    links = Link.objects.all() if links is None else links
    history = Link.history.model
    tracked = [
        f.attname
        for f in Link._meta.concrete_fields
        if f.attname in {h.attname for h in history._meta.concrete_fields}
    ]
    last_step = StateChange.objects.filter(link=OuterRef("pk")).order_by("-at", "-id")
    latest = history.objects.filter(id=OuterRef("pk")).order_by("-history_date", "-history_id")
    rows = (
        links.order_by("pk")
        .annotate(
            trail_state=Subquery(last_step.values("to_state")[:1]),
            latest_history_id=Subquery(latest.values("history_id")[:1]),
        )
        .values(*tracked, "trail_state", "latest_history_id")
    )
    problems = []
    chunk = []

    def compare(chunk):
        records = history.objects.in_bulk([row["latest_history_id"] for row in chunk])
        for row in chunk:
            link = f"link #{row['id']}"
            expected_state = row["trail_state"] or LinkState.NEW
            if row["state"] != expected_state:
                problems.append(f"{link}: state {row['state']}, trail ends in {expected_state}")
            record = records.get(row["latest_history_id"])
            if record is None:
                problems.append(f"{link}: no history")
                continue
            differ = [name for name in tracked if getattr(record, name) != row[name]]
            if differ:
                problems.append(f"{link}: latest history differs in {', '.join(differ)}")

    for row in rows.iterator(chunk_size=chunk_size):
        chunk.append(row)
        if len(chunk) == chunk_size:
            compare(chunk)
            chunk = []
    if chunk:
        compare(chunk)
    return problems


def read_links(user, rows: Iterable, channel: ReadChannel) -> list:
    """The rows of links about to be shown to `user`, as a list; the confidential ones among
    them are logged as read through `channel` (DESIGN §5).

    Every page, list, export, admin view and API answer that shows links passes the rows it
    shows through here, and only those: the page of a paginated list, every row an export
    writes. A row is a Link, or a mapping with "id" and "confidential" (an export's
    `.values()`). One INSERT for all the confidential rows, none when there are none; a link
    shown twice on one page is logged once."""
    rows = list(rows)
    ConfidentialRead.objects.record(
        user, (_row_id(row) for row in rows if _row_confidential(row)), channel
    )
    return rows


def _row_id(row) -> int:
    return row["id"] if isinstance(row, Mapping) else row.pk


def _row_confidential(row) -> bool:
    return row["confidential"] if isinstance(row, Mapping) else row.confidential
