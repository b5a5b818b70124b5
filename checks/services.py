"""Writes of the checks app: scheduling, running and recording checks (docs/design.md §4.4).

Scheduling is durable: a link is due when its LinkStats.next_check_at has passed. Registering
a link writes that marker in the submission's transaction and, once it commits, sends the first
check to the `checks.new` queue; if the broker is down the send is only logged, and the beat
task `dispatch_due` sends the link later. Dispatching leases a link (next_check_at moves by
CHECKER_DISPATCH_LEASE_MINUTES), so a lost message only delays a check. A new link is due at
once, unless its first check is sent on commit: then that send holds it for FIRST_CHECK_GRACE,
as a dispatch lease would, so that beat does not send it a second time.

Demo links (Link.is_demo, `manage.py seed_demo`) are made-up ids on real platforms: they are
never fetched. They get no due marker, and a demo link that reaches run_checks anyway is left
out with a log line ("demo link: not fetched") and its marker cleared.

Recording is idempotent: a task carries the time it was requested, and a link checked since
then is skipped, so a message delivered twice (acks_late, a redelivery) records one check.
"""

import asyncio
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

import fingerprints
from accounts import policy
from checks.choices import CheckTrigger, NotificationKind
from checks.fetch import FetchConfig, FetchResult, fetch_many
from checks.models import Check, LinkStats, Notification, RepublicationGroup
from kibernadzor.errors import NotAllowed
from registry.choices import AttributionSource, LinkState

logger = logging.getLogger(__name__)

NEW_QUEUE = "checks.new"
RECHECK_QUEUE = "checks.recheck"
# A new link sent on commit but not checked (broker down, message lost) is picked up by
# dispatch_due after this grace.
FIRST_CHECK_GRACE = timedelta(minutes=2)
# Shorter normalised texts (error stubs, empty pages) are too common to mean "same content".
MIN_GROUP_TEXT_BYTES = 200
# Near duplicates (TLSH) only for texts at least this long: below ~2 KB TLSH is unstable
# (fingerprints.TLSH_MATCH_THRESHOLD's note), and exact hashes cover short texts.
NEAR_DUPLICATE_MIN_TEXT_BYTES = 2048
# Per TLSH length bucket: how many of the newest links, and of the links of the newest
# groups, a text is compared with (see _group_republications).
NEAR_DUPLICATE_CANDIDATES = 100

_AWAITING = {LinkState.CONFIRMED, LinkState.BLOCKING_REQUESTED, LinkState.REAPPEARED}
_CLOSED = {LinkState.BLOCKED, LinkState.REMOVED}
_NOT_RECHECKED = {LinkState.REJECTED}


# --- configuration --------------------------------------------------------------------------
def fetch_config(**overrides) -> FetchConfig:
    """The fetcher's configuration from CHECKER_* settings; keyword arguments win."""
    values = {
        "allow_networks": ",".join(settings.CHECKER_ALLOW_NETWORKS),
        "proxy": settings.CHECKER_PROXY,
        "user_agent": settings.CHECKER_USER_AGENT,
        "concurrency": settings.CHECKER_CONCURRENCY,
        "per_host_rate": settings.CHECKER_PER_HOST_RATE or None,
        "total_timeout": settings.CHECKER_TOTAL_TIMEOUT,
        "max_body_bytes": settings.CHECKER_MAX_BODY_BYTES,
        "ca_bundle": settings.CHECKER_CA_BUNDLE,
    }
    values.update(overrides)
    return FetchConfig(**values)


def recheck_interval(state: str) -> timedelta | None:
    """How long until a link in `state` is checked again (None: not re-checked)."""
    if state in _NOT_RECHECKED:
        return None
    hours = settings.CHECKER_RECHECK_HOURS
    if state in _AWAITING:
        return timedelta(hours=hours["awaiting"])
    if state in _CLOSED:
        return timedelta(hours=hours["closed"])
    return timedelta(hours=hours["open"])


def retry_delay(failures: int) -> timedelta:
    """Exponential backoff after `failures` transient failures in a row (1, 2, …)."""
    base = timedelta(minutes=settings.CHECKER_RETRY_BASE_MINUTES)
    cap = timedelta(hours=settings.CHECKER_RETRY_MAX_HOURS)
    return min(base * (2 ** max(failures - 1, 0)), cap)


def next_check_at(state: str, now: datetime, failures: int = 0) -> datetime | None:
    interval = recheck_interval(state)
    if interval is None:
        return None
    if failures and state not in _CLOSED:
        # Unreachable is the expected state of a blocked link: only open cases retry sooner.
        return now + min(retry_delay(failures), interval)
    return now + interval


# --- scheduling -----------------------------------------------------------------------------
def schedule_first_check(link_ids: Iterable[int], *, demo: bool = False) -> None:
    """Mark newly registered links due and send their first check when the transaction commits.

    Call inside the transaction that registers the links. The marker is durable: if the
    broker cannot be reached at commit, the submission still succeeds and dispatch_due sends
    the check later. Without the send on commit (CHECKER_ENQUEUE_ON_COMMIT off: inline tasks)
    the links are due at once, so `check_links --due` right after checks them. Demo links
    get a marker that is never due.
    """
    ids = sorted(set(link_ids))
    if not ids:
        return
    if demo:
        _insert_stats(ids, None)
        return
    now = timezone.now()
    if not settings.CHECKER_ENQUEUE_ON_COMMIT:
        _insert_stats(ids, now)
        return
    _insert_stats(ids, now + FIRST_CHECK_GRACE)
    send = partial(enqueue, ids, trigger=CheckTrigger.FIRST, requested_at=now)
    transaction.on_commit(send, robust=True)


def _insert_stats(ids: list[int], due: datetime | None) -> None:
    """One LinkStats row per link, due at `due`, unless it has one: a single INSERT … SELECT
    whatever the number of links (a submission registers up to 10,000 at once, and building
    that many model instances would cost more than the statement)."""
    if connection.vendor != "postgresql":
        LinkStats.objects.bulk_create(
            [LinkStats(link_id=pk, next_check_at=due) for pk in ids], ignore_conflicts=True
        )
        return
    from registry.services import array_cursor

    columns, values, params = [], [], []
    for field in LinkStats._meta.concrete_fields:
        columns.append(field.column)
        if field.column == "link_id":
            values.append("t.id")
        else:
            values.append("%s")
            params.append(due if field.name == "next_check_at" else field.get_default())
    with array_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {LinkStats._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
            f"SELECT {', '.join(values)} FROM unnest(%b::bigint[]) AS t(id) "
            "ON CONFLICT (link_id) DO NOTHING",
            [*params, ids],
        )


def enqueue(link_ids: Sequence[int], *, trigger: str, requested_at: datetime | None = None) -> bool:
    """Send one check task for these links; False (logged) if the broker refused it."""
    from checks.tasks import check_links

    queue = NEW_QUEUE if trigger == CheckTrigger.FIRST else RECHECK_QUEUE
    requested_at = requested_at or timezone.now()
    try:
        check_links.apply_async(
            args=[list(link_ids)],
            kwargs={"trigger": str(trigger), "requested_at": requested_at.isoformat()},
            queue=queue,
            routing_key=queue,
            retry=False,  # fail fast: the durable marker makes the check happen later
        )
    except Exception:
        logger.warning(
            "Could not send checks of %d link(s) to %s; they stay due and are sent later",
            len(link_ids),
            queue,
            exc_info=True,
        )
        return False
    return True


def ensure_stats(now: datetime | None = None, limit: int | None = None) -> int:
    """Give links registered without schedule_first_check (imports) a due marker; demo
    links one that is never due."""
    from registry.models import Link

    now = now or timezone.now()
    limit = limit or settings.CHECKER_DISPATCH_LIMIT
    missing = list(
        Link.objects.filter(stats__isnull=True).values_list("pk", "is_demo")[:limit]
    )  # fmt: skip
    LinkStats.objects.bulk_create(
        [LinkStats(link_id=pk, next_check_at=None if demo else now) for pk, demo in missing],
        ignore_conflicts=True,
    )
    return len(missing)


@dataclass(frozen=True)
class DueLinks:
    first: list[int]  # never checked
    recheck: list[int]


def take_due(now: datetime | None = None, limit: int | None = None) -> DueLinks:
    """Lease the links that are due (oldest first): each is due again only after the lease."""
    now = now or timezone.now()
    limit = limit or settings.CHECKER_DISPATCH_LIMIT
    ensure_stats(now, limit)
    lease = timedelta(minutes=settings.CHECKER_DISPATCH_LEASE_MINUTES)
    with transaction.atomic():
        rows = list(
            LinkStats.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(next_check_at__lte=now)
            .order_by("next_check_at", "link_id")
            .values_list("link_id", "last_checked_at", "link__is_demo")[:limit]
        )
        demo = [pk for pk, _last, is_demo in rows if is_demo]
        if demo:  # due from before demo links were left out: never due again
            LinkStats.objects.filter(link_id__in=demo).update(next_check_at=None)
        rows = [(pk, last) for pk, last, is_demo in rows if not is_demo]
        LinkStats.objects.filter(link_id__in=[pk for pk, _ in rows]).update(
            next_check_at=now + lease
        )
    return DueLinks(
        first=[pk for pk, last in rows if last is None],
        recheck=[pk for pk, last in rows if last is not None],
    )


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def dispatch_due(now: datetime | None = None) -> int:
    """Send every due link to its queue in batches; the number of links sent."""
    now = now or timezone.now()
    due = take_due(now)
    size = settings.CHECKER_BATCH_SIZE
    sent = 0
    for trigger, ids in ((CheckTrigger.FIRST, due.first), (CheckTrigger.RECHECK, due.recheck)):
        for chunk in _chunks(ids, size):
            if enqueue(chunk, trigger=trigger, requested_at=now):
                sent += len(chunk)
    return sent


# --- running checks -------------------------------------------------------------------------
@dataclass
class Fetched:
    """A fetch result with its content fingerprints; the body itself is not kept."""

    result: FetchResult
    fingerprint: fingerprints.Fingerprints | None


def content_fingerprints(result: FetchResult) -> fingerprints.Fingerprints | None:
    """Fingerprints of what an available page serves: its visible text, or the file's bytes."""
    if not result.available or not result.body:
        return None
    mime = (result.content_type or "").split(";")[0].strip().lower()
    if result.text is not None and mime in ("text/html", "application/xhtml+xml"):
        return fingerprints.text_fingerprints(fingerprints.html_to_text(result.text))
    if result.text is not None and mime.startswith("text/"):
        return fingerprints.text_fingerprints(result.text)
    return fingerprints.file_fingerprints(result.body, content_type=mime)


async def _fetch(items: list[tuple[int, str]], config: FetchConfig) -> list[Fetched]:
    fetched = []
    async for result in fetch_many(items, config):
        try:
            fp = content_fingerprints(result)
        except Exception:  # a broken file must not lose the check itself
            logger.exception("Fingerprinting %s failed", result.url)
            fp = None
        result.body = result.text = None  # bounded memory across a batch
        fetched.append(Fetched(result, fp))
    return fetched


def _run_async(coroutine):
    """asyncio.run, also from code already inside an event loop (then in a thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    outcome = {}

    def target():
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def run_checks(
    link_ids: Iterable[int],
    *,
    trigger: str = CheckTrigger.MANUAL,
    requested_at: datetime | None = None,
    config: FetchConfig | None = None,
) -> list[Check]:
    """Fetch these links and record one Check each (record_results); links checked since
    `requested_at` are skipped (None: check them all). Returns the checks recorded."""
    from registry.models import Link

    ids = sorted(set(link_ids))
    links = {link.pk: link for link in Link.objects.filter(pk__in=ids).only("pk", "url", "is_demo")}
    leave_out_demo_links([pk for pk, link in links.items() if link.is_demo])
    links = {pk: link for pk, link in links.items() if not link.is_demo}
    if requested_at is not None:
        done = set(
            LinkStats.objects.filter(link_id__in=ids, last_checked_at__gte=requested_at)
            .values_list("link_id", flat=True)
        )  # fmt: skip
        links = {pk: link for pk, link in links.items() if pk not in done}
    if not links:
        return []
    fetched = fetch([(pk, link.url) for pk, link in links.items()], config)
    return record_results(fetched, trigger=trigger, requested_at=requested_at)


def leave_out_demo_links(link_ids: Sequence[int]) -> None:
    """Demo links are made-up ids on real platforms: never fetched. Say so, and clear their
    due marker so that nothing sends them again."""
    if not link_ids:
        return
    _insert_stats(sorted(link_ids), None)
    LinkStats.objects.filter(link_id__in=link_ids, next_check_at__isnull=False).update(
        next_check_at=None
    )
    for pk in link_ids:
        logger.info("link %s: demo link: not fetched", pk)


def fetch(items: Sequence[tuple[int, str]], config: FetchConfig | None = None) -> list[Fetched]:
    """Fetch (link id, URL) pairs concurrently and fingerprint what they serve; nothing is
    written (record_results does that)."""
    return _run_async(_fetch(list(items), config or fetch_config()))


_STATS_FIELDS = [
    "failures",
    "last_checked_at",
    "check_count",
    "last_available",
    "last_status_code",
    "last_title",
    "last_views",
    "max_views",
    "views_at_detection",
    "views_at_blocking",
    "content_sha256",
    "tlsh",
    "tlsh_length",
    "next_check_at",
]


@transaction.atomic
def record_results(
    fetched: Sequence[Fetched], *, trigger: str, requested_at: datetime | None = None
) -> list[Check]:
    """Record a batch of checks and what follows from them: statistics, the next due times,
    republication groups, attribution to materials, reappearance. The checks, by link id.

    Set-based: a batch costs the same dozen or so queries whatever its size (a test holds
    the number). Only events add to it: each reappearance is a state transition of its own
    (registry.services.transition: locked, recorded, notified), and each new attribution to
    a material is created with its history and announced.

    Idempotent: a link checked since `requested_at` (by another delivery of the same task)
    is skipped. A link given twice in one batch is recorded once, with its last result.
    """
    latest = {item.result.key: item for item in fetched}
    if not latest:
        return []
    now = timezone.now()
    _insert_stats(sorted(latest), due=None)
    # Locked in link order, so that two batches sharing links cannot deadlock.
    rows = (
        LinkStats.objects.select_for_update(of=("self",))
        .select_related("link")
        .filter(link_id__in=sorted(latest))
        .order_by("link_id")
    )
    stats = [
        row
        for row in rows
        if requested_at is None or row.last_checked_at is None or row.last_checked_at < requested_at
    ]
    if not stats:
        return []

    checks = Check.objects.bulk_create(
        _new_check(row.link_id, latest[row.link_id], trigger, now) for row in stats
    )
    blocked_at = {
        row.link_id: row.link.state_changed_at
        for row in stats
        if row.link.state in _CLOSED and row.views_at_blocking is None
    }
    views_before = _views_before(blocked_at)
    grouping = []
    for row in stats:
        result, fp = latest[row.link_id].result, latest[row.link_id].fingerprint
        row.failures = row.failures + 1 if result.transient else 0
        row.last_checked_at = now
        row.check_count += 1
        row.last_available = result.available
        row.last_status_code = result.status_code
        if result.title:
            row.last_title = result.title
        if result.views is not None:
            row.last_views = result.views
            row.max_views = max(row.max_views or 0, result.views)
            if row.views_at_detection is None:
                row.views_at_detection = result.views
        if row.link_id in blocked_at:
            row.views_at_blocking = views_before.get(row.link_id, row.last_views)
        if fp is not None:
            changed = row.content_sha256 != _content_key(fp)
            row.content_sha256 = _content_key(fp)
            row.tlsh, row.tlsh_length = _comparable_tlsh(fp)
            grouping.append((row, fp, changed))
        row.next_check_at = next_check_at(row.link.state, now, row.failures)
    _update_stats(stats, _STATS_FIELDS)

    _group_republications(grouping)
    _attribute_materials([(row.link, fp) for row, fp, _changed in grouping])
    by_link = {check.link_id: check for check in checks}
    for row in stats:
        if latest[row.link_id].result.available and row.link.state in _CLOSED:
            _mark_reappeared(row.link, by_link[row.link_id])
    return checks


def _update_stats(rows: list[LinkStats], fields: list[str]) -> None:
    """Write these fields of these LinkStats rows in one statement.

    On PostgreSQL an UPDATE … FROM unnest() of one array per column: Django's bulk_update
    builds a CASE WHEN per field and row, which for a batch of 50 rows and 14 fields cost
    more CPU than fetching the pages."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        LinkStats.objects.bulk_update(rows, fields)
        return
    meta = LinkStats._meta
    columns = [meta.get_field(name) for name in fields]
    key = meta.pk
    arrays = [[key.get_db_prep_value(row.pk, connection) for row in rows]]
    arrays += [
        [field.get_db_prep_save(getattr(row, field.attname), connection) for row in rows]
        for field in columns
    ]
    names = [field.column for field in columns]
    casts = ", ".join(f"%s::{field.db_type(connection)}[]" for field in (key, *columns))
    from registry.services import array_cursor

    with array_cursor() as cursor:
        cursor.execute(
            f"UPDATE {meta.db_table} AS s SET "  # noqa: S608 - names are the model's
            + ", ".join(f"{name} = t.{name}" for name in names)
            + f" FROM unnest({casts}) AS t({key.column}, {', '.join(names)}) "
            f"WHERE s.{key.column} = t.{key.column}",
            arrays,
        )


def _new_check(link_id: int, fetched: Fetched, trigger: str, now: datetime) -> Check:
    result, fp = fetched.result, fetched.fingerprint
    return Check(
        link_id=link_id,
        checked_at=result.started_at or now,
        trigger=trigger,
        url=result.url,
        final_url=result.final_url or "",
        scheme=result.scheme or "",
        http_fallback=result.http_fallback,
        redirects=list(result.redirects or []),
        status_code=result.status_code,
        available=result.available,
        content_type=(result.content_type or "")[:200],
        title=result.title or "",
        excerpt=result.excerpt or "",
        views=result.views,
        content_sha256=_content_key(fp),
        tlsh=(fp.tlsh or "") if fp else "",
        pdq=(fp.pdq or "") if fp else "",
        pdq_quality=fp.pdq_quality if fp else 0,
        duration_ms=result.duration_ms or 0,
        error=result.error or "",
        error_detail=result.error_detail or "",
    )


def _content_key(fp: fingerprints.Fingerprints | None) -> str:
    if fp is None:
        return ""
    return fp.text_sha256 or fp.sha256


def _views_before(blocked_at: dict[int, datetime]) -> dict[int, int]:
    """{link id: the last view count seen at or before its blocking} (one query)."""
    if not blocked_at:
        return {}
    condition = Q()
    for link_id, when in blocked_at.items():
        condition |= Q(link_id=link_id, checked_at__lte=when)
    found: dict[int, int] = {}
    rows = (
        Check.objects.filter(condition, views__isnull=False)
        .order_by("link_id", "-checked_at", "-id")
        .values_list("link_id", "views")
    )
    for link_id, views in rows:
        found.setdefault(link_id, views)
    return found


# --- repeated publications ------------------------------------------------------------------
def tlsh_length(tlsh: str) -> int:
    """The length byte of a TLSH digest ("T1", checksum, then the length byte with its two
    hex digits swapped, as TLSH writes every header byte): a step of about 10 % of the text."""
    return int(tlsh[5] + tlsh[4], 16)


def _length_window(threshold: int = fingerprints.TLSH_MATCH_THRESHOLD) -> int:
    """How far apart two length bytes may be for a TLSH distance within `threshold`.

    TLSH adds to its distance 0 for equal length bytes, 1 for neighbours and 12 per step
    beyond (with 40: three steps, 36; four would already be 48)."""
    steps = 1
    while 12 * (steps + 1) <= threshold:
        steps += 1
    return steps


def _comparable_tlsh(fp: fingerprints.Fingerprints) -> tuple[str, int | None]:
    """(TLSH, length byte) to keep for near-duplicate matching, or ("", None): only texts long
    enough for TLSH to be stable (fingerprints: below ~2 KB two edited words can move it by
    more than the threshold)."""
    if fp.tlsh and fp.kind in ("text", "pdf") and fp.size >= NEAR_DUPLICATE_MIN_TEXT_BYTES:
        return fp.tlsh, tlsh_length(fp.tlsh)
    return "", None


class _NewGroup:
    """A republication group decided in this batch, created at the end."""

    __slots__ = ("members", "pk")

    def __init__(self, members: set[int]):
        self.members = members
        self.pk: int | None = None


def _group_republications(batch: list[tuple[LinkStats, fingerprints.Fingerprints, bool]]) -> None:
    """Put each link of the batch in the group of the links serving the same content, and keep
    the groups' counts exact. At most ten queries for the whole batch.

    The same content is, first, the same normalised text or bytes (content SHA-256): the
    group is the one such a link is already in, else a new one, made on the second link,
    its first publication the earliest reported (short texts, error stubs and empty pages,
    are too common to start a group). Failing that, for a text long enough to compare, a
    near duplicate: TLSH within fingerprints.TLSH_MATCH_THRESHOLD of another link's, whose
    group the link joins (a new group of the two if it has none).

    Bounded: TLSH counts any length difference of more than three steps (about 30 %) beyond
    the threshold, so candidates are only links whose length byte is within that window (an
    index); in each length bucket, the NEAR_DUPLICATE_CANDIDATES newest links and the links
    of the NEAR_DUPLICATE_CANDIDATES newest groups. That is at most 7 × 2 × 100 comparisons
    of a few microseconds per link, whatever the size of the registry; an older copy that
    fell out of both lists is found by its exact hash, not by TLSH.

    Links whose content has not changed since their last check and that are in a group
    are left alone: re-checks of unchanged pages cost nothing here.
    """
    todo = [
        (row, fp) for row, fp, changed in batch if changed or row.republication_group_id is None
    ]
    if not todo:
        return
    before = {row.link_id: row.republication_group_id for row, _fp in todo}
    group_of: dict[int, int | _NewGroup | None] = {}  # decisions so far, by link id

    def current(link_id: int, stored: int | None):
        return group_of.get(link_id, stored)

    # Every link serving one of these contents (the batch's rows already hold their own).
    same: dict[str, dict[int, int | None]] = defaultdict(dict)
    rows = LinkStats.objects.filter(content_sha256__in={row.content_sha256 for row, _ in todo})
    for link_id, sha, group_id in rows.values_list(
        "link_id", "content_sha256", "republication_group_id"
    ):
        same[sha][link_id] = group_id
        before.setdefault(link_id, group_id)

    near = []
    for row, fp in todo:
        if row.link_id in group_of:
            continue  # pulled into a group by an earlier link of the batch
        others = {pk: g for pk, g in same[row.content_sha256].items() if pk != row.link_id}
        groups = {current(pk, g) for pk, g in others.items()} - {None}
        existing = sorted(g for g in groups if not isinstance(g, _NewGroup))
        too_common = fp.kind == "text" and fp.size < MIN_GROUP_TEXT_BYTES
        if groups:
            # The oldest group when the content is in several (joined by near duplicates).
            group_of[row.link_id] = existing[0] if existing else next(iter(groups))
        elif others and not too_common:
            group = _NewGroup({row.link_id, *others})
            for pk in group.members:
                group_of[pk] = group
        elif row.tlsh_length is not None:
            near.append(row)
        else:
            group_of[row.link_id] = None

    if near:
        candidates = _near_duplicate_candidates({row.tlsh_length for row in near})
        for row, _fp in todo:  # the batch's own pages are candidates for each other
            if row.tlsh_length is not None:
                candidates[row.link_id] = (row.tlsh, row.content_sha256, row.republication_group_id)
        for row in near:
            if row.link_id in group_of:
                continue  # matched by an earlier link of the batch
            match = _closest(row, candidates)
            if match is None:
                group_of[row.link_id] = None
                continue
            target = current(match, candidates[match][2])
            if target is None:
                target = _NewGroup({row.link_id, match})
                group_of[match] = target
            group_of[row.link_id] = target

    new_groups = {id(g): g for g in group_of.values() if isinstance(g, _NewGroup)}.values()
    _create_groups(list(new_groups))
    changes = {}
    for link_id, target in group_of.items():
        target_id = target.pk if isinstance(target, _NewGroup) else target
        if target_id != before.get(link_id):
            changes[link_id] = target_id
    if not changes:
        return
    for row, _fp in todo:
        row.republication_group_id = changes.get(row.link_id, row.republication_group_id)
    members = [LinkStats(link_id=pk, republication_group_id=group) for pk, group in changes.items()]
    _update_stats(members, ["republication_group"])
    affected = ({before.get(pk) for pk in changes} | set(changes.values())) - {None}
    members = (
        LinkStats.objects.filter(republication_group=OuterRef("pk"))
        .order_by()
        .values("republication_group")
        .annotate(n=Count("*"))
        .values("n")
    )
    RepublicationGroup.objects.filter(pk__in=affected).update(
        link_count=Coalesce(Subquery(members), 0)
    )


def _near_duplicate_candidates(lengths: set[int]) -> dict[int, tuple[str, str, int | None]]:
    """{link id: (TLSH, content SHA-256, group id)} of the links that may be within the TLSH
    threshold of a text with one of these length bytes (see _group_republications)."""
    window = _length_window()
    buckets = sorted({(n + d) % 256 for n in lengths for d in range(-window, window + 1)})
    limit = NEAR_DUPLICATE_CANDIDATES
    if connection.vendor == "postgresql":
        table = LinkStats._meta.db_table
        columns = "link_id, tlsh, content_sha256, republication_group_id"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.* FROM unnest(%s::int[]) AS b(n) CROSS JOIN LATERAL ("  # noqa: S608
                f"(SELECT {columns} FROM {table} WHERE tlsh_length = b.n "
                "ORDER BY link_id DESC LIMIT %s) UNION "
                f"(SELECT {columns} FROM {table} WHERE tlsh_length = b.n "
                "AND republication_group_id IS NOT NULL "
                "ORDER BY republication_group_id DESC LIMIT %s)) AS c",
                [buckets, limit, limit],
            )
            rows = cursor.fetchall()
    else:  # SQLite (the demo): one query per bucket
        rows = []
        for n in buckets:
            in_bucket = LinkStats.objects.filter(tlsh_length=n)
            fields = ("link_id", "tlsh", "content_sha256", "republication_group_id")
            rows += in_bucket.order_by("-link_id").values_list(*fields)[:limit]
            rows += (
                in_bucket.filter(republication_group__isnull=False)
                .order_by("-republication_group_id")
                .values_list(*fields)[:limit]
            )
    return {link_id: (tlsh, sha, group) for link_id, tlsh, sha, group in rows}


def _closest(row: LinkStats, candidates: dict) -> int | None:
    """The candidate with the nearest TLSH within the threshold (ties: the oldest link)."""
    best = None
    for link_id, (tlsh, sha, _group) in candidates.items():
        if link_id == row.link_id or sha == row.content_sha256:
            continue  # the exact pass has seen it
        try:
            distance = fingerprints.tlsh_distance(row.tlsh, tlsh)
        except ValueError:
            continue
        if distance <= fingerprints.TLSH_MATCH_THRESHOLD and (
            best is None or (distance, link_id) < best
        ):
            best = (distance, link_id)
    return None if best is None else best[1]


def _create_groups(groups: list[_NewGroup]) -> None:
    """Create the groups decided in a batch, each keyed by its first publication's content
    (the earliest reported member); a group already keyed so is reused (four queries)."""
    from registry.models import Link

    if not groups:
        return
    members = {pk for group in groups for pk in group.members}
    order = dict(
        Link.objects.filter(pk__in=members)
        .order_by("first_reported_at", "pk")
        .values_list("pk", "first_reported_at")
    )
    rank = {pk: index for index, pk in enumerate(order)}
    content = dict(
        LinkStats.objects.filter(link_id__in=members).values_list("link_id", "content_sha256")
    )
    firsts = {id(group): min(group.members, key=rank.__getitem__) for group in groups}
    RepublicationGroup.objects.bulk_create(
        [
            RepublicationGroup(content_sha256=content[firsts[id(g)]], first_link_id=firsts[id(g)])
            for g in groups
        ],
        ignore_conflicts=True,
    )
    keys = {content[firsts[id(g)]] for g in groups}
    ids = dict(
        RepublicationGroup.objects.filter(content_sha256__in=keys).values_list(
            "content_sha256", "pk"
        )
    )
    for group in groups:
        group.pk = ids[content[firsts[id(group)]]]


# --- attribution to materials ---------------------------------------------------------------
def matching_materials(fp: fingerprints.Fingerprints) -> dict[int, str]:
    """{material id: how it matched} for materials in force with a copy matching `fp`:
    identical bytes or normalised text, or a PDQ/TLSH distance within the thresholds."""
    return _matching_materials({0: fp})[0]


def _matching_materials(fps: dict[int, fingerprints.Fingerprints]) -> dict[int, dict[int, str]]:
    """matching_materials for several fingerprints at once: at most three queries (the known
    copies are a few thousand rows; their PDQ and TLSH hashes are compared here)."""
    from materials.choices import MatchMethod, MaterialStatus
    from materials.models import MaterialFingerprint

    found: dict[int, dict[int, str]] = {key: {} for key in fps}
    if not fps:
        return found
    records = MaterialFingerprint.objects.filter(material__status=MaterialStatus.IN_FORCE)
    shas = {fp.sha256 for fp in fps.values()}
    texts = {fp.text_sha256 for fp in fps.values() if fp.text_sha256}
    exact = records.filter(Q(sha256__in=shas) | Q(text_sha256__in=texts))
    copies = list(exact.values_list("material_id", "sha256", "text_sha256"))
    for key, fp in fps.items():
        for material_id, sha256, text_sha256 in copies:
            if sha256 == fp.sha256:
                found[key][material_id] = MatchMethod.SHA256
            elif fp.text_sha256 and text_sha256 == fp.text_sha256:
                found[key].setdefault(material_id, MatchMethod.TEXT)
    quality = fingerprints.PDQ_MIN_QUALITY
    images = {k: fp for k, fp in fps.items() if fp.pdq and fp.pdq_quality >= quality}
    if images:
        candidates = records.exclude(pdq="").filter(pdq_quality__gte=quality)
        pairs = list(candidates.values_list("material_id", "pdq"))
        for key, fp in images.items():
            for material_id, pdq in pairs:
                if material_id not in found[key] and fingerprints.pdq_match(fp.pdq, pdq):
                    found[key][material_id] = MatchMethod.PDQ
    texts_fp = {k: fp for k, fp in fps.items() if fp.tlsh}
    if texts_fp:
        pairs = list(records.exclude(tlsh="").values_list("material_id", "tlsh"))
        for key, fp in texts_fp.items():
            for material_id, tlsh in pairs:
                if material_id in found[key]:
                    continue
                try:
                    if fingerprints.tlsh_match(fp.tlsh, tlsh):
                        found[key][material_id] = MatchMethod.TLSH
                except ValueError:
                    continue
    return found


def _attribute_materials(links: list[tuple]) -> None:
    """Attribute each (link, fingerprints) automatically to every material its content is a
    copy of, and announce each new attribution to the link's agencies."""
    from materials.models import Material
    from registry.models import LinkMaterial

    matched = _matching_materials({link.pk: fp for link, fp in links})
    pairs = [(pk, m) for pk, materials in matched.items() for m in materials]
    if not pairs:
        return
    known = set(
        LinkMaterial.objects.filter(
            link_id__in={pk for pk, _ in pairs}, material_id__in={m for _, m in pairs}
        ).values_list("link_id", "material_id")
    )
    fresh = sorted(set(pairs) - known)
    if not fresh:
        return
    links_by_id = {link.pk: link for link, _fp in links}
    materials = Material.objects.only("number", "title").in_bulk({m for _, m in fresh})
    for link_id, material_id in fresh:
        # One at a time: each new attribution is an event with its own history record.
        _attribution, created = LinkMaterial.objects.get_or_create(
            link_id=link_id,
            material_id=material_id,
            defaults={"source": AttributionSource.AUTOMATIC, "added_by": None},
        )
        if not created:
            continue
        link, material = links_by_id[link_id], materials[material_id]
        notify_agencies(
            link,
            NotificationKind.MATERIAL_MATCH,
            _("The content at %(url)s matches material No. %(number)s “%(title)s” (%(how)s).")
            % {
                "url": link.url,
                "number": material.number,
                "title": material.title,
                "how": matched[link_id][material_id],
            },
        )


# --- reappearance ---------------------------------------------------------------------------
def _mark_reappeared(link, check: Check) -> None:
    """A blocked or removed link is available again: move it to "reappeared" as the system
    (registry.services.transition with no actor) and tell its agencies."""
    from registry import services as registry_services

    reason = _("Automatic check %(at)s: available again (HTTP %(status)s).") % {
        "at": timezone.localtime(check.checked_at).strftime("%Y-%m-%d %H:%M"),
        "status": check.status_code,
    }
    try:
        registry_services.transition(link.pk, LinkState.REAPPEARED, actor=None, reason=reason)
    except registry_services.TransitionNotAllowed:
        return  # moved meanwhile by someone else: nothing to announce
    LinkStats.objects.filter(link_id=link.pk).update(
        next_check_at=timezone.now() + recheck_interval(LinkState.REAPPEARED)
    )
    notify_agencies(
        link,
        NotificationKind.REAPPEARED,
        _("The link %(url)s, %(state)s earlier, is available again.")
        % {"url": link.url, "state": LinkState(link.state).label},
    )


# --- notifications --------------------------------------------------------------------------
def notify_agencies(link, kind: str, message: str) -> list[Notification]:
    """One portal notification per agency concerned with the link (the one that registered it
    and the one it is assigned to); an email to their officers if CHECKER_NOTIFY_EMAIL."""
    agencies = sorted({link.first_reported_agency_id, link.assigned_agency_id} - {None})
    notes = Notification.objects.bulk_create(
        Notification(agency_id=agency_id, link_id=link.pk, kind=kind, message=message)
        for agency_id in agencies
    )
    if settings.CHECKER_NOTIFY_EMAIL and agencies:
        transaction.on_commit(partial(_email_agencies, agencies, message), robust=True)
    return notes


def notify_auditors_of_access_change(sender, grant, **kwargs) -> list[Notification]:
    """One portal notification per active auditor for an access change recorded or decided
    (accounts.signals.access_changed): who, what, for whom, and where it stands."""
    from django.contrib.auth import get_user_model

    from accounts.choices import Role

    auditors = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.AUDITOR)
        .values_list("pk", flat=True)
        .distinct()
    )
    message = grant.summary()
    return Notification.objects.bulk_create(
        Notification(user_id=pk, kind=NotificationKind.ACCESS_CHANGE, message=message)
        for pk in auditors
    )


def _email_agencies(agency_ids: list[int], message: str) -> None:
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail

    recipients = list(
        get_user_model()
        .objects.filter(agency__in=agency_ids, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return
    try:
        send_mail(
            _("Kibernadzor: %(message)s") % {"message": message[:60]}, message, None, recipients
        )
    except Exception:  # the portal notification is kept; mail is best effort
        logger.warning("Could not email %d officer(s) about a link", len(recipients), exc_info=True)


def mark_read(notification_ids: Iterable[int], *, user) -> int:
    """Mark the user's notifications (their own or their agency's) read; how many changed."""
    if not policy.can(user, "change", model=Notification):
        raise NotAllowed(_("You may not change notifications."))
    mine = policy.restrict(Notification.objects.all(), user, "change")
    return mine.filter(pk__in=list(notification_ids), read_at__isnull=True).update(
        read_at=timezone.now()
    )


def reset_schedule(link_ids: Iterable[int], when: datetime | None = None) -> int:
    """Make these links due at `when` (now): e.g. after a state change an operator wants
    re-checked at once."""
    when = when or timezone.now()
    ids = list(link_ids)
    LinkStats.objects.bulk_create([LinkStats(link_id=pk) for pk in ids], ignore_conflicts=True)
    return LinkStats.objects.filter(link_id__in=ids).update(next_check_at=when)
