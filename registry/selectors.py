"""Reads of the link registry shared by the API, the admin, the portal and the services."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import policy
from accounts.choices import Role
from accounts.models import Agency
from registry import canon, transitions
from registry.choices import ReadChannel
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


def links_by_url(queryset: QuerySet, term: str, *, hosts: bool = True) -> QuerySet | None:
    """The links of `queryset` that a URL in any surface form names, on indexed columns only.

    The one way the registry is searched by address (the API's and the portal's `url` filter,
    the portal's search box, the admin's search): the term is canonicalized and its key looked
    up. With `hosts`, a bare host or domain name (nothing after it but a slash) also finds every
    link on that host or under that registrable domain. None when the term is no URL at all, so
    that each caller decides what that means (nothing found, or another kind of search)."""
    term = term.strip()
    try:
        canonical = canon.canonicalize(term)
    except canon.InvalidURL:
        return None
    condition = Q(key=canonical.key)
    if hosts and "/" not in term.split("://", 1)[-1].rstrip("/"):
        condition |= Q(host=canonical.host) | Q(registrable_domain=canonical.host)
    return queryset.filter(condition)


def confidential_visible_ids(user, links: Iterable[Link]) -> set[int]:
    """Of these links, the confidential ones whose full record the user may read."""
    ids = [link.pk for link in links if link.confidential]
    if not ids:
        return set()
    return set(Link.objects.restrict(user, "view").filter(pk__in=ids).values_list("pk", flat=True))


def links_for(user, action: str = "view"):
    """The links the user may take `action` on, ready for lists."""
    return Link.objects.restrict(user, action).select_related(
        "first_reported_agency", "assigned_agency", "assigned_user"
    )


def assignable_agencies(actor) -> QuerySet:
    """The agencies the actor may assign links to: the active ones of their territory (their
    own for an officer's reach, their region's, or every one for the country). The assign
    service and the link page's picker both ask this."""
    decision = policy.scope_of(actor).q(agency_field="pk", region_field="region")
    if decision is False:
        return Agency.objects.none()
    agencies = Agency.objects.filter(is_active=True)
    return agencies if decision is True else agencies.filter(decision)


# Roles whose holders work on links and so may be named on an assignment.
_ASSIGNEE_ROLES = (Role.OFFICER, Role.SUPERVISOR, Role.PROSECUTOR)


def assignable_officers(actor) -> QuerySet:
    """The active people of the assignable agencies who work on links (officers, supervisors,
    prosecutors), by agency and name: the picker's list, filtered by agency in the browser."""
    from accounts.models import User

    return (
        User.objects.filter(
            is_active=True,
            agency__in=assignable_agencies(actor).values("pk"),
            groups__name__in=_ASSIGNEE_ROLES,
        )
        .distinct()
        .select_related("agency")
        .order_by("agency__code", "last_name", "first_name", "username")
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


def canon_drift(*, chunk_size: int = 5000) -> list[str]:
    """Where the stored record disagrees with today's canonical rules (registry.canon), one
    line per disagreement (empty: none).

    When canon learns a new form of some content (issue 18: embeds, players, locale hosts),
    links stored under the older rules keep their old key: a link whose canonical URL now
    canonicalizes to another key, and a report whose URL as entered now meets another key
    than its link's (an old Facebook ``#!/photo.php?v=`` route filed as the account it was
    opened over). Nothing is changed here: moving a report or merging two links changes a
    legal record, which is a person's decision; each line says whether a link already holds
    the new key. Two passes in chunks: the links, then the reports ordered by link.
    """
    from registry.models import Report

    moves: list[tuple[str, str, str]] = []  # (what, canonical URL now, key now)

    def now(url: str) -> canon.Canonical | None:
        try:
            return canon.canonicalize(url)
        except canon.InvalidURL:
            return None

    link_rows = Link.objects.order_by("pk").values_list("pk", "url", "key")
    for pk, url, key in link_rows.iterator(chunk_size=chunk_size):
        found = now(url)
        if found is None:
            moves.append((f"link #{pk}: {url} is no longer a valid link", "", ""))
        elif found.key != key:
            moves.append((f"link #{pk}: {url} is now {found.url}", found.url, found.key))

    report_rows = Report.objects.order_by("link_id", "pk").values_list(
        "pk", "link_id", "raw_url", "link__url"
    )
    link_id, link_key = None, ""
    for pk, owner, raw_url, owner_url in report_rows.iterator(chunk_size=chunk_size):
        if owner != link_id:
            link_id, owner_now = owner, now(owner_url)
            link_key = owner_now.key if owner_now is not None else ""
        found = now(raw_url)
        if found is not None and link_key and found.key != link_key:
            what = f"report #{pk} of link #{owner}: {raw_url} now meets {found.url}"
            moves.append((what, found.url, found.key))

    holders: dict[str, int] = {}
    keys = sorted({key for _what, _url, key in moves if key})
    for start in range(0, len(keys), chunk_size):
        chunk = keys[start : start + chunk_size]
        holders.update(Link.objects.filter(key__in=chunk).values_list("key", "pk"))
    lines = []
    for what, _url, key in moves:
        if not key:
            lines.append(what)
        elif key in holders:
            lines.append(f"{what}, which link #{holders[key]} holds")
        else:
            lines.append(f"{what}, which no link holds yet")
    return lines


def read_links(user, rows: Iterable, channel: ReadChannel) -> list:
    """The rows of links about to be shown to `user`, as a list; the confidential ones among
    them are logged as read through `channel` (docs/design.md §5.3).

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


def handed_out_live(user, rows: Iterable) -> list:
    """Rows about to be written with their live URLs (an export asked for them): every one
    is logged, confidential or not, as ReadChannel.EXPORT_LIVE, in one INSERT."""
    rows = list(rows)
    ConfidentialRead.objects.record(user, (_row_id(row) for row in rows), ReadChannel.EXPORT_LIVE)
    return rows


def _row_id(row) -> int:
    return row["id"] if isinstance(row, Mapping) else row.pk


def _row_confidential(row) -> bool:
    return row["confidential"] if isinstance(row, Mapping) else row.confidential


# --- a link's history, field by field -----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field a history record changed, as people read it (labels, names, yes/no)."""

    field: str  # the field's verbose name
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    record: object  # a registry.HistoricalLink
    changes: list[FieldChange]


# The codes services write as a history record's change reason (registry.services), besides
# the transitions' names: "<code>: <the officer's words>", several codes joined by "/".
_REASON_CODES = {
    "submit": gettext_lazy("submitted"),
    "assign": gettext_lazy("assigned"),
    "classify": gettext_lazy("classified"),
    "detach": gettext_lazy("attribution removed"),
}


def change_reason_label(text: str | None) -> str:
    """A history record's change reason as people read it: "start_review: duplicate" becomes
    "Start review: duplicate" in the reader's language; words that are not a code are kept."""
    if not text:
        return ""
    code, sep, words = text.partition(": ")
    labels = []
    for name in code.split("/"):
        move = transitions.BY_NAME.get(name)
        label = move.label if move else _REASON_CODES.get(name)
        if label is None:
            return text  # not a code: the officer's own words
        labels.append(str(label))
    return ", ".join(labels) + (f": {words}" if sep else "")


# History fields naming an agency or a user, shown by name rather than by id.
_AGENCY_FIELDS = ("assigned_agency", "first_reported_agency")
_USER_FIELDS = ("assigned_user", "first_reported_by")


def history_diff(link: Link, limit: int) -> list[HistoryEntry]:
    """The link's latest `limit` history records (django-simple-history), newest first, each
    with the fields it changed against the record before it, readable. Changes of state are
    left to the trail (registry.StateChange), which says more (reason, documents), so a record
    that changed nothing else is left out. The caller decides who may see history
    (registry.view_historicallink); this reads the records without asking."""
    from accounts.models import User

    records = list(
        link.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    skip = {"state", "state_changed_at"}
    agency_ids, user_ids = set(), set()
    pending = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        if newer is records[-1] and len(records) > limit:
            break  # the extra record was fetched only to diff the last one shown
        if older is None:
            pending.append((newer, []))
            continue
        delta = newer.diff_against(older)
        changes = [c for c in delta.changes if c.field not in skip]
        if not changes and newer.history_type == "~":
            continue
        for change in changes:
            if change.field in _AGENCY_FIELDS:
                agency_ids.update(v for v in (change.old, change.new) if v)
            if change.field in _USER_FIELDS:
                user_ids.update(v for v in (change.old, change.new) if v)
        pending.append((newer, changes))

    names = {("agency", a.pk): str(a) for a in Agency.objects.filter(pk__in=agency_ids)}
    names.update(
        {("user", u.pk): u.username for u in User.objects.filter(pk__in=user_ids).only("username")}
    )

    def show(value, kind, model_field) -> str:
        if value in (None, ""):
            return "—"
        if kind:
            return names.get((kind, value), str(value))
        if model_field.choices:
            return str(dict(model_field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return str(value)

    entries = []
    for record, changes in pending:
        shown = []
        for change in changes:
            model_field = Link._meta.get_field(change.field)
            kind = "agency" if change.field in _AGENCY_FIELDS else None
            if kind is None and change.field.endswith(("_user", "_by")):
                kind = "user"
            shown.append(
                FieldChange(
                    str(model_field.verbose_name),
                    show(change.old, kind, model_field),
                    show(change.new, kind, model_field),
                )
            )
        entries.append(HistoryEntry(record.history_date, record, shown))
    return entries
