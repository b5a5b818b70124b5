"""Writes for the link registry: submission, deconfliction check, transitions, assignment.

Submission is set-based: whatever the size of a batch (up to MAX_BATCH URLs) it costs a
handful of queries, and it relies on the database for uniqueness:

1. INSERT the batch's distinct canonical keys, sorted, ON CONFLICT (key) DO NOTHING
   RETURNING id, key — the rows returned are the links this call registered; the same
   statement writes each new link's history record (created, by the submitter);
2. INSERT the new links' LinkStats (due for their first check: checks.scheduling);
3. lock the other keys' links FOR NO KEY UPDATE in id order and UPDATE their report counts,
   RETURNING what the answers show (one statement), and read their agencies;
4. INSERT one Report per valid input line.

Concurrent submitters of the same content meet at step 1: one INSERT wins, the others wait
for it and then find the row in step 3. Inserting in key order and locking in id order keeps
concurrent batches from deadlocking; FOR NO KEY UPDATE does not block the foreign-key checks
of step 4. Everything runs in one transaction, so nothing is ever half-saved. Arrays travel
in binary (psycopg's %b): for 10,000 strings that is several times cheaper than as text.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import NamedTuple

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from kibernadzor.errors import Conflict, DomainError, NotAllowed
from registry import attribution, canon, queues, selectors, transitions
from registry.answers import SubmissionAnswer, invalid_url_message
from registry.choices import (
    AttributionSource,
    LinkState,
    ReadChannel,
    ReportSource,
)
from registry.models import Link, Report, StateChange
from registry.signals import link_assigned, links_assigned
from utilities.cursors import array_cursor

MAX_BATCH = 10_000
# The change reason of a link's first history record, written when a submission registers it.
SUBMIT_REASON = "submit"


class LinkNotFound(DomainError):
    http_status = 404
    code = "not_found"


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"


class RequirementMissing(DomainError):
    code = "required"


# --- parsing a batch ------------------------------------------------------------------------
class Entry(NamedTuple):
    """One valid input line: its position in the batch, its line number, what was typed, and
    its canonical identity (registry.canon.Canonical's fields).

    Flat and cheap to build: a batch makes 10,000 of them, and every object that outlives
    the parse is one more for the garbage collector to scan."""

    index: int
    line: int
    raw: str
    key: str
    url: str
    platform: str
    platform_id: str
    host: str
    registrable_domain: str


def parse_batch(
    urls: Sequence, line_numbers: Sequence[int] | None = None
) -> tuple[list[SubmissionAnswer | None], list[Entry]]:
    """Canonicalize every input. Returns the answers so far (invalid lines filled in, None for
    valid ones) and the valid entries. Lines past MAX_BATCH are answered as invalid."""
    answers: list[SubmissionAnswer | None] = [None] * len(urls)
    entries: list[Entry] = []
    canonicalize = canon.canonicalize
    for index, raw in enumerate(urls):
        line = line_numbers[index] if line_numbers is not None else index + 1
        if index >= MAX_BATCH:
            answers[index] = SubmissionAnswer.invalid(
                line,
                raw,
                "over_limit",
                _("A batch holds at most %(limit)d URLs; this line was not processed.")
                % {"limit": MAX_BATCH},
            )
            continue
        if not isinstance(raw, str):
            answers[index] = SubmissionAnswer.invalid(
                line, raw, "not_text", _("Each entry must be a string.")
            )
            continue
        try:
            c = canonicalize(raw)
        except canon.InvalidURL as error:
            answers[index] = SubmissionAnswer.invalid(
                line, raw, error.reason, invalid_url_message(error)
            )
            continue
        entries.append(
            Entry(index, line, raw, c.key, c.url, c.platform, c.platform_id, c.host,
                  c.registrable_domain)
        )  # fmt: skip
    return answers, entries


# --- check: read-only deconfliction ---------------------------------------------------------
def check_urls(
    urls: Sequence, *, user, line_numbers: Sequence[int] | None = None
) -> list[SubmissionAnswer]:
    """Answer, for each URL, whether it is known (and what the caller may learn about it).

    Read-only apart from the log of confidential records shown. A handful of queries."""
    if not policy.can(user, "view", model=Link):
        raise NotAllowed(_("You may not check links."))
    answers, entries = parse_batch(urls, line_numbers)
    if not entries:
        return answers
    keys = list(dict.fromkeys(e.key for e in entries))
    known = {link.key: link for link in selectors.links_by_key(keys)}
    visible = selectors.confidential_visible_ids(user, known.values())
    for entry in entries:
        link = known.get(entry.key)
        answers[entry.index] = (
            SubmissionAnswer.known(entry.line, link, visible)
            if link is not None
            else SubmissionAnswer.new(entry.line, entry.url, entry.platform)
        )
    selectors.read_links(
        user, [link for link in known.values() if link.pk in visible], ReadChannel.DECONFLICTION
    )
    return answers


# --- submit: register new, report known -----------------------------------------------------
def submit_urls(
    urls: Sequence,
    *,
    user,
    source: str = ReportSource.API,
    line_numbers: Sequence[int] | None = None,
    confidential: bool = False,
    demo: bool = False,
) -> list[SubmissionAnswer]:
    """Register the URLs not yet known and report the known ones, one Report per valid line.

    Returns one answer per input, in input order: `new` (registered by this call, yours),
    `known` (since when, by which agency, its state and report count; or only whom to
    contact, for a confidential link the caller may not see) or `invalid` (why). A URL that
    appears twice in one batch is new once and known (`duplicate_of_line`) after that.
    `confidential` marks the links this call registers as confidential.
    """
    if not policy.can(user, "add", model=Report):
        raise NotAllowed(_("You may not submit links."))
    if user.agency_id is None:
        raise NotAllowed(_("Only officers of an agency can submit links."))
    if source not in ReportSource.values:
        raise DomainError(_("Unknown source %(source)r.") % {"source": source}, field="source")
    answers, entries = parse_batch(urls, line_numbers)
    if not entries:
        return answers

    first_entry: dict[str, Entry] = {}
    for entry in entries:
        first_entry.setdefault(entry.key, entry)
    counts = Counter(e.key for e in entries)
    now = timezone.now()

    with transaction.atomic():
        fresh = sorted(first_entry.values(), key=lambda e: e.key)
        new_ids = _insert_links(fresh, counts, user, now, confidential=confidential, demo=demo)
        if new_ids:
            from checks.scheduling import schedule_first_check

            # The first check is sent when this transaction commits (docs/design.md §4.4).
            schedule_first_check(new_ids.values(), demo=demo)
        known = _report_known({key: counts[key] for key in first_entry if key not in new_ids})
        _resubmit_withdrawn(known.values(), user)
        seen: set[str] = set()
        rows = []
        for entry in entries:
            key = entry.key
            link_id = new_ids[key] if key in new_ids else known[key].pk
            registered_here = key in new_ids and key not in seen
            seen.add(key)
            rows.append((link_id, entry.raw, not registered_here))
        _insert_reports(rows, user, now, source)
        attribute_new_links([(new_ids[key], first_entry[key]) for key in new_ids])

    visible = selectors.confidential_visible_ids(user, known.values())
    first_line = {key: e.line for key, e in first_entry.items()}
    answered: set[str] = set()
    for entry in entries:
        key = entry.key
        if key in new_ids and key not in answered:
            answers[entry.index] = SubmissionAnswer.new(
                entry.line, entry.url, entry.platform, new_ids[key]
            )
        elif key in new_ids:
            answers[entry.index] = SubmissionAnswer.repeated(
                entry.line,
                url=entry.url,
                link=new_ids[key],
                since=now,
                agency=user.agency,
                report_count=counts[key],
                first_line=first_line[key],
            )
        else:
            answers[entry.index] = SubmissionAnswer.known(entry.line, known[key], visible)
        answered.add(key)
    selectors.read_links(
        user, [link for link in known.values() if link.pk in visible], ReadChannel.DECONFLICTION
    )
    return answers


_LINK_COLUMNS = (
    "key",
    "url",
    "platform",
    "platform_id",
    "host",
    "registrable_domain",
    "report_count",
    "state",
    "state_changed_at",
    "classification",
    "confidential",
    "first_reported_at",
    "first_reported_by_id",
    "first_reported_agency_id",
    "is_demo",
)


def _insert_links(fresh: list[Entry], counts, user, now, *, confidential, demo) -> dict[str, int]:
    """INSERT … ON CONFLICT (key) DO NOTHING RETURNING id, key: {key: id} of the new links."""
    if not fresh:
        return {}
    table = Link._meta.db_table
    columns = ", ".join(_LINK_COLUMNS)
    constant = [LinkState.NEW.value, now, "unclassified", confidential, now]
    constant += [user.pk, user.agency_id, demo]
    created: dict[str, int] = {}
    with array_cursor() as cursor:
        # One statement whatever the batch size: the rows travel as seven arrays, and the
        # history rows of the links inserted are written by the same statement.
        arrays = list(zip(*(_link_values(e, counts) for e in fresh), strict=True))
        history_sql, history_params = _history_insert("inserted", user, now)
        cursor.execute(
            f"WITH inserted AS (INSERT INTO {table} ({columns}) "  # noqa: S608 - names ours
            "SELECT k, u, p, pid, h, d, n, %s, %s, %s, %s, %s, %s, %s, %s "
            "FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[], %b::text[], "
            "%b::text[], %b::int[]) WITH ORDINALITY AS t(k, u, p, pid, h, d, n, o) "
            "ORDER BY o ON CONFLICT (key) DO NOTHING RETURNING *), "
            f"history AS ({history_sql}) "
            "SELECT id, key FROM inserted",
            [*constant, *(list(a) for a in arrays), *history_params],
        )
        created.update((key, pk) for pk, key in cursor.fetchall())
    return created


def _history_insert(source: str, user, now) -> tuple[str, list]:
    """INSERT into Link's historical table of one '+' row per row of `source` (a CTE
    RETURNING the links' columns), by `user` at `now`: what simple-history would write for
    each link saved one by one. The columns follow the historical model, so a field added
    to Link (and to its history) is carried without touching this."""
    history = Link.history.model
    link_columns = {f.column for f in Link._meta.concrete_fields}
    given = {
        "history_date": now,
        "history_change_reason": SUBMIT_REASON,
        "history_type": "+",
        "history_user_id": user.pk,
    }
    columns, values, params = [], [], []
    for field in history._meta.concrete_fields:
        if field.column == "history_id":
            continue  # an identity column
        columns.append(field.column)
        if field.column in given:
            values.append("%s")
            params.append(given[field.column])
        elif field.column in link_columns:
            values.append(f"{source}.{field.column}")
        else:
            raise ImproperlyConfigured(f"No value for {history.__name__}.{field.column}.")
    sql = (
        f"INSERT INTO {history._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM {source}"
    )
    return sql, params


def _link_values(e: Entry, counts) -> tuple:
    return (e.key, e.url, e.platform, e.platform_id, e.host, e.registrable_domain, counts[e.key])


@dataclass(slots=True)
class KnownLink:
    """What a deconfliction answer shows of a known link (registry.answers.SubmissionAnswer.known),
    read back from the statement that counted the new reports: lighter than a Link."""

    pk: int
    key: str
    url: str
    state: str
    confidential: bool
    first_reported_at: datetime
    report_count: int
    first_reported_agency: object


def _report_known(increments: dict[str, int]) -> dict:
    """Lock the known links of a batch in id order, add their new reports to report_count
    and read back what the answers show: {key: KnownLink}.

    One statement: a CTE takes the row locks in id order (concurrent batches
    cannot deadlock; FOR NO KEY UPDATE does not block the reports' foreign-key checks) and
    the UPDATE … RETURNING of the same rows gives the counts after this batch. Then one
    small query for the few agencies that first reported them."""
    from accounts.models import Agency

    if not increments:
        return {}
    table = Link._meta.db_table
    with array_cursor() as cursor:
        cursor.execute(
            f"WITH locked AS (SELECT l.id, t.n FROM {table} AS l "  # noqa: S608 - names ours
            "JOIN unnest(%b::text[], %b::int[]) AS t(k, n) ON l.key = t.k "
            "ORDER BY l.id FOR NO KEY UPDATE OF l) "
            f"UPDATE {table} AS l SET report_count = l.report_count + locked.n FROM locked "
            "WHERE l.id = locked.id RETURNING l.id, l.key, l.url, l.state, l.confidential, "
            "l.first_reported_at, l.report_count, l.first_reported_agency_id",
            [list(increments), list(increments.values())],
        )
        rows = cursor.fetchall()
    agencies = Agency.objects.only("code", "name_ru", "name_kk", "name_en", "contact").in_bulk(
        {row[-1] for row in rows}
    )
    return {row[1]: KnownLink(*row[:-1], agencies[row[-1]]) for row in rows}


def _resubmit_withdrawn(known: Iterable[KnownLink], user) -> None:
    """A withdrawn link submitted again is back in the registry's work: withdrawn → new
    (registry.transitions' internal move "resubmit"), a StateChange and a history record each,
    due for a check again. The links are locked (_report_known); nothing to do, no query.

    Stamped with the time now, after the lock: a withdrawal this submission waited for was
    recorded later than the batch's start, and the trail must end in the state it leaves."""
    links = [k for k in known if k.state == LinkState.WITHDRAWN]
    if not links:
        return
    now = timezone.now()
    from checks.models import LinkStats

    move = transitions.BY_NAME["resubmit"]
    ids = [k.pk for k in links]
    StateChange.objects.bulk_create(
        StateChange(link_id=pk, from_state=LinkState.WITHDRAWN,
                    to_state=move.target, actor=user, at=now)
        for pk in ids
    )  # fmt: skip
    Link.objects.filter(pk__in=ids).update(state=move.target, state_changed_at=now)
    Link.history.bulk_history_create(
        list(Link.objects.filter(pk__in=ids)),
        update=True,
        default_user=user,
        default_change_reason=move.name,
        default_date=now,
    )
    LinkStats.objects.filter(link_id__in=ids, link__is_demo=False).update(next_check_at=now)
    for k in links:
        k.state = move.target


def _insert_reports(rows: list[tuple[int, str, bool]], user, now, source) -> None:
    link_ids, raws, repeats = zip(*rows, strict=True)
    with array_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Report._meta.db_table} "  # noqa: S608
            "(link_id, user_id, agency_id, submitted_at, raw_url, source, is_repeat) "
            "SELECT l, %s, %s, %s, r, %s, x "
            "FROM unnest(%b::bigint[], %b::text[], %b::bool[]) AS t(l, r, x)",
            [user.pk, user.agency_id, now, source, list(link_ids), list(raws), list(repeats)],
        )


# --- transitions ----------------------------------------------------------------------------
def _locked_link(link_id: int, user) -> Link:
    """The link, locked, if the user may change it (None: the system); a clear refusal if not."""
    # of=self: the policy's conditions may join agencies, which must not be locked.
    queryset = Link.objects.select_for_update(of=("self",))
    if user is not None:
        queryset = policy.restrict(queryset, user, "change")
    link = queryset.filter(pk=link_id).first()
    if link is not None:
        return link
    if user is not None and Link.objects.restrict(user, "view").filter(pk=link_id).exists():
        raise NotAllowed(_("You may not change this link."))
    raise LinkNotFound(_("No such link, or you may not see it."))


@transaction.atomic
def transition(
    link_id: int,
    to_state: str,
    *,
    actor,
    reason: str = "",
    document_number: str = "",
    document_date: date | None = None,
    expert_opinion: str = "",
    classification: str | None = None,
) -> StateChange:
    """Move a link to `to_state` if the table (registry.transitions) allows it to this actor.

    `actor` None is the system (an automatic check), allowed only on automatic moves.
    Records a StateChange and a history entry with the reason. `classification`, when given,
    is set with the move (confirming needs one: the link's own or this)."""
    if to_state not in LinkState.values:
        raise DomainError(_("Unknown state %(state)r.") % {"state": to_state}, field="to_state")
    classification = _valid_classification(classification)
    link = _locked_link(link_id, actor)
    move = transitions.find(link.state, to_state)
    if move is None or move.internal:
        allowed = [str(LinkState(t.target).label) for t in transitions.available(link.state)]
        raise TransitionNotAllowed(
            _("A link in state “%(state)s” cannot become “%(target)s”. Possible: %(allowed)s.")
            % {
                "state": LinkState(link.state).label,
                "target": LinkState(to_state).label,
                "allowed": ", ".join(allowed) or _("none"),
            },
            state=link.state,
            allowed=[t.target for t in transitions.available(link.state)],
        )
    if not move.allows(actor):
        raise NotAllowed(
            _("“%(move)s” is for: %(roles)s.")
            % {"move": move.label, "roles": ", ".join(sorted(move.roles))}
        )
    given = {
        "reason": reason.strip(),
        "document_number": document_number.strip(),
        "document_date": document_date,
        "expert_opinion": expert_opinion.strip(),
    }
    for requirement in move.requires:
        present = (
            _classified(link, classification)
            if requirement == "classification"
            else given[requirement]
        )
        if not present:
            raise RequirementMissing(
                _("“%(move)s” needs the %(what)s.")
                % {"move": move.label, "what": transitions.REQUIREMENTS[requirement]},
                field=requirement,
            )
    fields = ["state", "state_changed_at"]
    if classification and classification != link.classification:
        link.classification = classification
        fields.append("classification")
    return record_move(link, move, actor, given, fields=fields)


def record_move(link: Link, move, actor, given: dict, *, fields=("state", "state_changed_at")):
    """Write one move of the table on a locked link: its StateChange, the new state and a
    history record naming the move (and any other `fields` the caller changed). Checks nothing:
    transition() and the services of internal moves (registry.withdrawal) check first."""
    now = timezone.now()
    change = StateChange.objects.create(
        link=link,
        from_state=link.state,
        to_state=move.target,
        actor=actor,
        at=now,
        reason=given.get("reason", ""),
        document_number=given.get("document_number", ""),
        document_date=given.get("document_date"),
        expert_opinion=given.get("expert_opinion", ""),
    )
    link.state = move.target
    link.state_changed_at = now
    link._change_reason = f"{move.name}: {given.get('reason', '')}".strip(": ")
    link.save(update_fields=list(fields))
    # The actor's queues changed at once (the others' counts follow within queues.COUNTS_TTL).
    transaction.on_commit(partial(queues.forget_counts, [getattr(actor, "pk", None)]))
    return change


def _valid_classification(classification: str | None) -> str:
    """A classification given with a move: "" for none, or a known one other than
    "unclassified"; a refusal naming the field otherwise."""
    from registry.choices import LinkClassification

    value = (classification or "").strip()
    if value and (
        value not in LinkClassification.values or value == LinkClassification.UNCLASSIFIED
    ):
        raise DomainError(
            _("Choose a classification: %(choices)s.")
            % {
                "choices": ", ".join(
                    str(label)
                    for code, label in LinkClassification.choices
                    if code != LinkClassification.UNCLASSIFIED
                )
            },
            field="classification",
        )
    return value


def _classified(link: Link, classification: str) -> bool:
    from registry.choices import LinkClassification

    return bool(classification) or link.classification != LinkClassification.UNCLASSIFIED


@transaction.atomic
def transition_many(
    link_ids: Iterable[int],
    to_state: str,
    *,
    actor,
    reason: str = "",
    document_number: str = "",
    document_date: date | None = None,
    classification: str | None = None,
) -> list[StateChange]:
    """`transition` for many links at once (a blocking order of a thousand links), in a
    fixed number of queries: the links are locked in id order, each move is checked against
    the same table and the same policy, and one StateChange and one history record are
    written per link. All or nothing: the first link that may not move refuses the batch."""
    ids = sorted(set(link_ids))
    if not ids:
        return []
    if to_state not in LinkState.values:
        raise DomainError(_("Unknown state %(state)r.") % {"state": to_state}, field="to_state")
    classification = _valid_classification(classification)
    queryset = Link.objects.select_for_update(of=("self",))
    if actor is not None:
        queryset = policy.restrict(queryset, actor, "change")
    links = list(queryset.filter(pk__in=ids).order_by("pk"))
    if len(links) != len(ids):
        missing = sorted(set(ids) - {link.pk for link in links})[0]
        _locked_link(missing, actor)  # raises the refusal a single transition gives
    given = {
        "reason": reason.strip(),
        "document_number": document_number.strip(),
        "document_date": document_date,
        "expert_opinion": "",
    }
    now = timezone.now()
    changes = []
    names = set()
    for link in links:
        move = transitions.find(link.state, to_state)
        if move is None:
            raise TransitionNotAllowed(
                _("A link in state “%(state)s” cannot become “%(target)s”: %(url)s.")
                % {
                    "state": LinkState(link.state).label,
                    "target": LinkState(to_state).label,
                    "url": link.url,
                },
                state=link.state,
                link=link.pk,
            )
        if not move.allows(actor):
            raise NotAllowed(
                _("“%(move)s” is for: %(roles)s.")
                % {"move": move.label, "roles": ", ".join(sorted(move.roles))}
            )
        for requirement in move.requires:
            if requirement == "classification":
                if not _classified(link, classification):
                    raise RequirementMissing(
                        _("“%(move)s” needs the classification: %(url)s has none.")
                        % {"move": move.label, "url": link.url},
                        field="classification",
                        link=link.pk,
                    )
            elif not given[requirement]:
                raise RequirementMissing(
                    _("“%(move)s” needs the %(what)s.")
                    % {"move": move.label, "what": transitions.REQUIREMENTS[requirement]},
                    field=requirement,
                )
        names.add(move.name)
        changes.append(
            StateChange(
                link=link, from_state=link.state, to_state=to_state, actor=actor, at=now, **given
            )
        )
        link.state = to_state
        link.state_changed_at = now
        if classification:
            link.classification = classification
    StateChange.objects.bulk_create(changes, batch_size=1000)
    # One UPDATE (every link gets the same values) and one history record each.
    values = {"state": to_state, "state_changed_at": now}
    if classification:
        values["classification"] = classification
    Link.objects.filter(pk__in=ids).update(**values)
    Link.history.bulk_history_create(
        links,
        batch_size=1000,
        update=True,
        default_user=actor,
        default_change_reason=f"{'/'.join(sorted(names))}: {given['reason']}".strip(": "),
        default_date=now,
    )
    return changes


# --- assignment and classification ----------------------------------------------------------
def _check_assignee(actor, agency, user, due_date) -> None:
    """The agency must be one the actor may assign to, the officer one of its people who work
    on links (registry.selectors.assignable_*); a due date or officer needs the agency."""
    if agency is None:
        if user is not None or due_date is not None:
            raise DomainError(_("Choose the agency first."), field="agency")
    elif not selectors.assignable_agencies(actor).filter(pk=agency.pk).exists():
        raise NotAllowed(_("You may only assign to agencies in your territory."), field="agency")
    if user is not None and user.agency_id != getattr(agency, "pk", None):
        raise DomainError(_("The officer must belong to the assigned agency."), field="user")
    if user is not None and not selectors.assignable_officers(actor).filter(pk=user.pk).exists():
        raise NotAllowed(_("This person cannot be assigned links."), field="user")


@transaction.atomic
def assign(link_id: int, *, actor, agency, user=None, due_date: date | None = None) -> Link:
    """Assign a link to an agency (and optionally one of its officers) with a due date.

    The actor must be able to change the link, the agency must be one they may assign to and
    the officer one of its people who work on links (registry.selectors.assignable_*). A new
    assignee is notified (registry.signals.link_assigned, inside the transaction)."""
    link = _locked_link(link_id, actor)
    _check_assignee(actor, agency, user, due_date)
    previous = (link.assigned_agency_id, link.assigned_user_id)
    link.assigned_agency = agency
    link.assigned_user = user
    link.due_date = due_date
    link._change_reason = "assign"
    link.save(update_fields=["assigned_agency", "assigned_user", "due_date"])
    if agency is not None and (link.assigned_agency_id, link.assigned_user_id) != previous:
        link_assigned.send(Link, link=link, actor=actor, previous_user_id=previous[1])
    concerned = [getattr(actor, "pk", None), link.assigned_user_id, previous[1]]
    transaction.on_commit(partial(queues.forget_counts, concerned))
    return link


@transaction.atomic
def classify(
    link_id: int, *, actor, classification: str | None = None, confidential: bool | None = None
) -> Link:
    """Set a link's classification and/or confidentiality flag."""
    from registry.choices import LinkClassification

    link = _locked_link(link_id, actor)
    fields = []
    if classification is not None:
        if classification not in LinkClassification.values:
            raise DomainError(_("Unknown classification."), field="classification")
        link.classification = classification
        fields.append("classification")
    if confidential is not None:
        link.confidential = bool(confidential)
        fields.append("confidential")
    if fields:
        link._change_reason = "classify"
        link.save(update_fields=fields)
    return link


def _locked_links(link_ids: Iterable[int], actor) -> list[Link]:
    """The links, locked in id order, if the actor may change every one of them; the refusal a
    single change gives for the first that is not (all or nothing)."""
    ids = sorted(set(link_ids))
    queryset = policy.restrict(Link.objects.select_for_update(of=("self",)), actor, "change")
    links = list(queryset.filter(pk__in=ids).order_by("pk"))
    if len(links) != len(ids):
        missing = sorted(set(ids) - {link.pk for link in links})[0]
        _locked_link(missing, actor)  # raises the refusal a single change gives
    return links


def _save_many(links: list[Link], values: dict, *, actor, reason: str) -> None:
    """One UPDATE for every link (the same values) and one history record each."""
    for link in links:
        for name, value in values.items():
            setattr(link, name, value)
    Link.objects.filter(pk__in=[link.pk for link in links]).update(**values)
    Link.history.bulk_history_create(
        links,
        batch_size=1000,
        update=True,
        default_user=actor,
        default_change_reason=reason,
        default_date=timezone.now(),
    )


@transaction.atomic
def assign_many(
    link_ids: Iterable[int], *, actor, agency, user=None, due_date: date | None = None
) -> list[Link]:
    """`assign` for many links at once (bulk work, registry.bulk), in a fixed number of
    queries and with the same checks and notices; all or nothing."""
    links = _locked_links(link_ids, actor)
    _check_assignee(actor, agency, user, due_date)
    previous = {link.pk: (link.assigned_agency_id, link.assigned_user_id) for link in links}
    values = {"assigned_agency": agency, "assigned_user": user, "due_date": due_date}
    _save_many(links, values, actor=actor, reason="assign")
    concerned = {getattr(actor, "pk", None), getattr(user, "pk", None)}
    changed = []
    for link in links:
        before = previous[link.pk]
        concerned.add(before[1])
        if agency is not None and (link.assigned_agency_id, link.assigned_user_id) != before:
            changed.append(link)
    links_assigned.send(Link, links=changed, actor=actor)
    transaction.on_commit(partial(queues.forget_counts, list(concerned)))
    return links


@transaction.atomic
def classify_many(link_ids: Iterable[int], *, actor, classification: str) -> list[Link]:
    """`classify` (the classification) for many links at once, with the same checks; all or
    nothing."""
    from registry.choices import LinkClassification

    if classification not in LinkClassification.values:
        raise DomainError(_("Unknown classification."), field="classification")
    links = _locked_links(link_ids, actor)
    _save_many(links, {"classification": classification}, actor=actor, reason="classify")
    return links


# --- attribution to organizations and materials ---------------------------------------------
@transaction.atomic
def attribute(
    link_id: int, *, actor, organization=None, material=None, remove: bool = False
) -> Link:
    """Attribute a link to an organization and/or a material by hand (or undo it)."""
    from registry.models import LinkMaterial, LinkOrganization

    if organization is None and material is None:
        raise DomainError(_("Name an organization or a material."), field="organization")
    link = _locked_link(link_id, actor)
    for model, field, target in (
        (LinkOrganization, "organization", organization),
        (LinkMaterial, "material", material),
    ):
        if target is None:
            continue
        if remove:
            for row in model.objects.filter(link=link, **{field: target}):
                row._change_reason = "detach"
                row.delete()
        else:
            model.objects.get_or_create(
                link=link,
                **{field: target},
                defaults={"source": AttributionSource.MANUAL, "added_by": actor},
            )
    return link


def attribute_materials_automatically(pairs: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Attribute links to the materials their content was found to be a copy of (the checker,
    checks.recording): the (link id, material id) pairs newly attributed, in order; pairs
    already attributed, by hand or automatically, are left as they are.

    One query for the known pairs, then one get_or_create per new pair: each new attribution
    is an event with its own history record (and the checker announces each)."""
    from registry.models import LinkMaterial

    pairs = sorted(set(pairs))
    if not pairs:
        return []
    known = set(
        LinkMaterial.objects.filter(
            link_id__in={pk for pk, _ in pairs}, material_id__in={m for _, m in pairs}
        ).values_list("link_id", "material_id")
    )
    created = []
    for link_id, material_id in pairs:
        if (link_id, material_id) in known:
            continue
        _attribution, new = LinkMaterial.objects.get_or_create(
            link_id=link_id,
            material_id=material_id,
            defaults={"source": AttributionSource.AUTOMATIC, "added_by": None},
        )
        if new:
            created.append((link_id, material_id))
    return created


def attribute_new_links(links: list[tuple[int, canon.Canonical | Entry]]) -> int:
    """Attribute freshly registered links to organizations whose known online presence
    (channel, account, domain) they belong to. Two queries at most; returns the count.

    Each link comes with its canonical identity (a Canonical or an Entry)."""
    from registry.models import LinkOrganization

    if not links:
        return 0
    presence = attribution.presence_index()
    if not presence:
        return 0
    rows = []
    for link_id, canonical in links:
        for identity in attribution.link_identities(
            canonical.platform, canonical.platform_id, canonical.host, canonical.registrable_domain
        ):
            match = presence.get(identity)
            if match is not None:
                presence_id, organization_id = match
                rows.append(
                    LinkOrganization(
                        link_id=link_id,
                        organization_id=organization_id,
                        presence_id=presence_id,
                        source=AttributionSource.AUTOMATIC,
                    )
                )
    LinkOrganization.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def attribute_existing_links(presence) -> int:
    """When a channel, account or domain is added to an organization's presence, attribute
    the links already registered on it (set-based: one SELECT and one INSERT)."""
    from registry.models import LinkOrganization

    condition = attribution.links_on_presence(presence.platform, presence.handle)
    if condition is None:
        return 0
    ids = list(Link.objects.filter(condition).values_list("pk", flat=True))
    LinkOrganization.objects.bulk_create(
        [
            LinkOrganization(
                link_id=pk,
                organization_id=presence.organization_id,
                presence_id=presence.pk,
                source=AttributionSource.AUTOMATIC,
            )
            for pk in ids
        ],
        ignore_conflicts=True,
    )
    return len(ids)


# --- found by the system for several agencies at once (watched sources) ---------------------
class Found(NamedTuple):
    """One URL the system found for an agency (sources.watching): reported in the name of
    `user_id` (the agency's monitor account, sources.services.monitor_account) for
    `agency_id`."""

    user_id: int
    agency_id: int
    raw: str


class Registered(NamedTuple):
    """What register_found did with one input: its link and whether this call registered it
    (False: the link was known, and this input is a repeat report of it)."""

    key: str
    link_id: int
    new: bool


def register_found(
    found: Sequence[Found], *, source: str = ReportSource.MONITOR, demo: bool = False
) -> list[Registered | None]:
    """submit_urls for the system: register the URLs not yet known and report the known ones,
    one Report per valid input, each in the name of its own agency's account. One answer per
    input, in input order: a Registered, or None for an input that is not a URL the registry
    takes.

    The same pipeline and the same guarantees as submit_urls (ON CONFLICT on the key, locks
    in id order, one transaction, history written by the same statement, first checks
    scheduled, presence attribution), and the same handful of queries whatever the size of
    the batch and however many agencies it reports for. No access check and no
    deconfliction answer: the caller is the system (a watch reporting what each agency's
    sources published), not a person who may see, or must not see, what is known."""
    if source not in ReportSource.values:
        raise DomainError(f"Unknown source {source!r}.", field="source")
    answers, entries = parse_batch([f.raw for f in found])
    result: list[Registered | None] = [None] * len(found)
    if not entries:
        return result
    first_entry: dict[str, Entry] = {}
    for entry in entries:
        first_entry.setdefault(entry.key, entry)
    counts = Counter(e.key for e in entries)
    now = timezone.now()
    with transaction.atomic():
        fresh = sorted(first_entry.values(), key=lambda e: e.key)
        new_ids = _insert_found_links(fresh, counts, found, now, demo=demo)
        if new_ids:
            from checks.scheduling import schedule_first_check

            schedule_first_check(new_ids.values(), demo=demo)
        known = _report_known({key: counts[key] for key in first_entry if key not in new_ids})
        if any(k.state == LinkState.WITHDRAWN for k in known.values()):
            # Found again after its only reporter withdrew it: back in the work, as when a
            # person submits it again, in the name of the watch's account.
            from accounts.models import User

            _resubmit_withdrawn(known.values(), User(pk=found[entries[0].index].user_id))
        seen: set[str] = set()
        rows = []
        for entry in entries:
            key = entry.key
            link_id = new_ids[key] if key in new_ids else known[key].pk
            registered_here = key in new_ids and key not in seen
            seen.add(key)
            origin = found[entry.index]
            rows.append((link_id, entry.raw, not registered_here, origin.user_id, origin.agency_id))
            result[entry.index] = Registered(key, link_id, registered_here)
        _insert_found_reports(rows, now, source)
        attribute_new_links([(new_ids[key], first_entry[key]) for key in new_ids])
    return result


def _insert_found_links(
    fresh: list[Entry], counts, found: Sequence[Found], now, *, demo
) -> dict[str, int]:
    """_insert_links with the reporter of each row its own (the first input of its key)."""
    if not fresh:
        return {}
    table = Link._meta.db_table
    columns = ", ".join(_LINK_COLUMNS)
    arrays = list(zip(*(_link_values(e, counts) for e in fresh), strict=True))
    users = [found[e.index].user_id for e in fresh]
    agencies = [found[e.index].agency_id for e in fresh]
    history_sql = _history_insert_by_reporter("inserted", now)
    with array_cursor() as cursor:
        cursor.execute(
            f"WITH inserted AS (INSERT INTO {table} ({columns}) "  # noqa: S608 - names ours
            "SELECT k, u, p, pid, h, d, n, %s, %s, 'unclassified', false, %s, ru, ra, %s "
            "FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[], %b::text[], "
            "%b::text[], %b::int[], %b::bigint[], %b::bigint[]) "
            "WITH ORDINALITY AS t(k, u, p, pid, h, d, n, ru, ra, o) "
            "ORDER BY o ON CONFLICT (key) DO NOTHING RETURNING *), "
            f"history AS ({history_sql[0]}) "
            "SELECT id, key FROM inserted",
            [
                LinkState.NEW.value,
                now,
                now,
                demo,
                *(list(a) for a in arrays),
                users,
                agencies,
                *history_sql[1],
            ],
        )
        return {key: pk for pk, key in cursor.fetchall()}


def _history_insert_by_reporter(source: str, now) -> tuple[str, list]:
    """_history_insert with each history row by the link's own first reporter."""
    history = Link.history.model
    link_columns = {f.column for f in Link._meta.concrete_fields}
    given = {"history_date": now, "history_change_reason": SUBMIT_REASON, "history_type": "+"}
    columns, values, params = [], [], []
    for field in history._meta.concrete_fields:
        if field.column == "history_id":
            continue
        columns.append(field.column)
        if field.column in given:
            values.append("%s")
            params.append(given[field.column])
        elif field.column == "history_user_id":
            values.append(f"{source}.first_reported_by_id")
        elif field.column in link_columns:
            values.append(f"{source}.{field.column}")
        else:
            raise ImproperlyConfigured(f"No value for {history.__name__}.{field.column}.")
    sql = (
        f"INSERT INTO {history._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM {source}"
    )
    return sql, params


def _insert_found_reports(rows: list[tuple[int, str, bool, int, int]], now, source) -> None:
    link_ids, raws, repeats, users, agencies = zip(*rows, strict=True)
    with array_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Report._meta.db_table} "  # noqa: S608
            "(link_id, user_id, agency_id, submitted_at, raw_url, source, is_repeat) "
            "SELECT l, ru, ra, %s, r, %s, x FROM unnest(%b::bigint[], %b::text[], "
            "%b::bool[], %b::bigint[], %b::bigint[]) AS t(l, r, x, ru, ra)",
            [now, source, list(link_ids), list(raws), list(repeats), list(users), list(agencies)],
        )
