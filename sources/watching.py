"""Watching sources (issue 16; docs/design.md "Watching sources"): fetch each due source
through the SSRF-safe fetcher, read its items (sources.parsers), register the new ones as
links, match them against known banned content, and record what each watch found.

The cycle
---------
1. **Lease.** Beat's `dispatch_due` takes the due sources in batches with one statement,
   ``SELECT … FOR UPDATE SKIP LOCKED`` inside an ``UPDATE … SET next_watch_at = now + lease``:
   concurrent dispatchers never take the same source, and the new next_watch_at is the
   lease. The task carries that time; `watch_sources` claims only the sources still leased
   to it (a task that waited in the queue past its lease finds them re-leased and leaves
   them), so a source is never watched twice at once and never dropped: a lost worker's
   sources come due again when the lease runs out.
2. **Fetch and parse**, outside any transaction, one event loop for the batch: every page
   through checks.fetch (the allow-list, SSRF guard on every hop, byte and time caps, the
   per-host rate shared in PostgreSQL by checks.hostrate), at most SOURCES_MAX_PAGES pages
   per watch following the parser's next_url on the same host, at most SOURCES_MAX_ITEMS
   items, all within SOURCES_WATCH_SECONDS. A hostile source ends bounded and recorded:
   a huge feed stops at the byte cap ("body_too_large"), endless pagination at the page
   cap (the watch says "page_limit"), a redirect to an internal address is refused
   ("ssrf_refused"), a slow drip meets the time cap ("timeout").
3. **Known items** (one query): the items already tied to their source are repeats.
4. **Images** of the new items (bounded) are fetched the same way and fingerprinted.
5. **Record**, one transaction, a fixed number of queries whatever the number of sources
   and items: the new items are registered through registry.services.register_found (the
   same pipeline as any submission, so deconfliction, checks, attribution and evidence
   apply unchanged: source "monitor", reported by each source's agency through its monitor
   account, sources.services.monitor_account); SourceItem and SourceWatch rows in bulk; the
   sources' bookkeeping in one UPDATE; matches (sources.matching) attributed to their
   material and organization, their links' priority raised, and each agency told once per
   watch and material ("3 new posts in channel X match banned material No. 1234"). Only
   events add queries: a new attribution to a material is created with its history.

A failure is recorded, never silent: on the watch (code, detail, HTTP status) and on the
source (last error, failures in a row, the next watch backed off); a source answering 404 or
410 (or a parser's "not found") SOURCES_GONE_AFTER times in a row is marked gone.

Demo sources name real platforms and are never fetched: the lease skips them and
`watch_sources` leaves out any it is handed ("demo source: not fetched").
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import ngettext

from checks.fetch import FetchConfig, Fetcher
from registry import canon
from sources import matching, parsers
from sources.choices import SourceState
from sources.models import Source, SourceItem, SourceWatch
from utilities.defang import defang

logger = logging.getLogger(__name__)

# The watch task (sources.tasks), sent by name to the default queue.
WATCH_TASK = "sources.tasks.watch_sources"
WATCH_QUEUE = "celery"
# Why a watch read fewer pages or items than the source offered (SourceWatch.truncated).
PAGE_LIMIT = "page_limit"
ITEM_LIMIT = "item_limit"
PAGE_LOOP = "page_loop"
OFF_SITE = "next_off_site"
# Parser failures that mean the channel itself is not there.
GONE_PARSE_CODES = frozenset({"not_found"})
GONE_STATUS = frozenset({404, 410})
# Pages larger than this are parsed in a worker thread.
THREAD_PARSE_BYTES = 256 * 1024


# --- leasing ---------------------------------------------------------------------------------
def lease_due(now: datetime | None = None, limit: int | None = None) -> tuple[list[int], datetime]:
    """Take up to `limit` due sources (the oldest due first) and lease them: (ids, lease end).

    One statement; concurrent callers skip each other's rows (SKIP LOCKED)."""
    now = now or timezone.now()
    limit = limit or settings.SOURCES_BATCH_SIZE
    until = now + timedelta(seconds=settings.SOURCES_LEASE_SECONDS)
    table = Source._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH due AS (SELECT id FROM {table} "  # noqa: S608 - names ours
            "WHERE state = %s AND NOT is_demo AND next_watch_at <= %s "
            "ORDER BY next_watch_at, id LIMIT %s FOR UPDATE SKIP LOCKED) "
            f"UPDATE {table} AS s SET next_watch_at = %s FROM due WHERE s.id = due.id "
            "RETURNING s.id",
            [SourceState.ACTIVE.value, now, limit, until],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
    return ids, until


def dispatch_due(now: datetime | None = None) -> int:
    """Lease the due sources in batches of SOURCES_BATCH_SIZE (at most SOURCES_DISPATCH_LIMIT)
    and send one watch task per batch (by name, through checks.sending: a broker that is down
    costs one fast failure, not a hung beat); the number of sources sent. A batch whose task
    could not be sent stays leased and comes due again when the lease runs out."""
    from checks.sending import send

    now = now or timezone.now()
    sent = 0
    while sent < settings.SOURCES_DISPATCH_LIMIT:
        size = min(settings.SOURCES_BATCH_SIZE, settings.SOURCES_DISPATCH_LIMIT - sent)
        with transaction.atomic():
            ids, until = lease_due(now, size)
        if not ids:
            break
        if not send(WATCH_TASK, [ids, until.isoformat()], {}, queue=WATCH_QUEUE):
            logger.warning("Could not send a watch of %d source(s); they stay leased", len(ids))
            break
        sent += len(ids)
    return sent


def _claim(source_ids: Sequence[int], leased_until: datetime | None) -> list[Source]:
    """The sources of a task that are still its own: active, not demo, and (for a task sent
    by dispatch_due) still under its lease, which is renewed for the watch. One statement."""
    now = timezone.now()
    until = now + timedelta(seconds=settings.SOURCES_LEASE_SECONDS)
    ids = sorted(set(source_ids))
    claimed = Source.objects.filter(pk__in=ids, state=SourceState.ACTIVE, is_demo=False)
    if leased_until is not None:
        claimed = claimed.filter(next_watch_at=leased_until)
    table = Source._meta.db_table
    sql, params = claimed.values("pk").query.sql_with_params()
    columns = "id, kind, watch_url, pattern, agency_id, organization_id, presence_id, url, title"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET next_watch_at = %s WHERE id IN ({sql}) "  # noqa: S608
            f"RETURNING {columns}",
            [until, *params],
        )
        rows = cursor.fetchall()
    return [
        Source(
            pk=pk,
            kind=kind,
            watch_url=watch_url,
            pattern=pattern,
            agency_id=agency_id,
            organization_id=organization_id,
            presence_id=presence_id,
            url=url,
            title=title,
        )
        for pk, kind, watch_url, pattern, agency_id, organization_id, presence_id, url, title in (
            sorted(rows)
        )
    ]


def _leave_out_demo(source_ids: Sequence[int]) -> None:
    for pk in Source.objects.filter(pk__in=list(source_ids), is_demo=True).values_list(
        "pk", flat=True
    ):
        logger.info("source %s: demo source: not fetched", pk)


# --- fetching and parsing ---------------------------------------------------------------------
@dataclass
class Found:
    """One item a watch read, with its canonical key."""

    key: str
    url: str
    published_at: datetime | None
    text: str
    media: tuple[str, ...]
    views: int | None
    title: str


@dataclass
class Outcome:
    """What watching one source found, before anything is written."""

    source: Source
    started_at: datetime
    finished_at: datetime | None = None
    pages: int = 0
    pages_read: int = 0  # pages fetched and parsed without failure
    bytes: int = 0
    title: str = ""
    items: list[Found] = field(default_factory=list)
    truncated: str = ""
    failure_code: str = ""
    failure_detail: str = ""
    status_code: int | None = None
    gone: bool = False
    images: dict[str, list] = field(default_factory=dict)  # item key → image fingerprints

    def fail(self, code: str, detail: str) -> None:
        self.failure_code = str(code)[:40]
        self.failure_detail = (detail or "")[:2000]

    @property
    def failed(self) -> bool:
        """Nothing could be read: the source failed this time (not merely a later page)."""
        return bool(self.failure_code) and self.pages_read == 0


def fetch_config(**overrides) -> FetchConfig:
    """The checker's fetch configuration (checks.recording.fetch_config: allow-list, proxy,
    shared per-host rate) with the watch's caps, and XML accepted for feeds."""
    from checks.recording import fetch_config as checker_config

    values = {
        "allowed_content_types": parsers.FETCH_CONTENT_TYPES,
        "extract": False,
        "keep_body": True,
        "telegram_web_preview": False,
        "max_body_bytes": settings.SOURCES_MAX_BYTES,
        "total_timeout": min(settings.CHECKER_TOTAL_TIMEOUT, settings.SOURCES_WATCH_SECONDS),
    }
    values.update(overrides)
    return checker_config(**values)


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


async def _watch_one(fetcher: Fetcher, source: Source) -> Outcome:
    outcome = Outcome(source, timezone.now())
    max_pages = max(1, settings.SOURCES_MAX_PAGES)
    max_items = settings.SOURCES_MAX_ITEMS
    seen_keys: set[str] = set()
    url = source.watch_url
    visited = {url}
    try:
        async with asyncio.timeout(settings.SOURCES_WATCH_SECONDS):
            while True:
                result = await fetcher.fetch(url, key=source.pk)
                outcome.pages += 1
                outcome.status_code = result.status_code
                if result.error:
                    outcome.fail(result.error, result.error_detail or "")
                    outcome.gone = result.status_code in GONE_STATUS
                    break
                if result.body is None:
                    result.body = b""
                size = len(result.body)
                outcome.bytes += size
                # The body as fetched (un-gzipped), the final URL, and the charset the fetcher
                # settled on (sources.parsers.parse_fetched).
                parse = partial(
                    parsers.parse_fetched, source.kind, result, pattern=source.pattern or None
                )
                try:
                    # A big page is parsed in a thread, not in the loop the other fetches share.
                    page = await asyncio.to_thread(parse) if size > THREAD_PARSE_BYTES else parse()
                except parsers.ParseFailed as error:
                    code = getattr(error.code, "value", error.code)
                    detail = error.message
                    if getattr(error, "detail", ""):
                        detail = f"{detail} ({error.detail})"
                    outcome.fail(code, detail)
                    outcome.gone = code in GONE_PARSE_CODES
                    break
                finally:
                    result.body = result.text = None  # bounded memory across the batch
                outcome.pages_read += 1
                outcome.title = outcome.title or page.title
                for item in page.items:
                    if len(outcome.items) >= max_items:
                        break
                    found = _found(item)
                    if found is not None and found.key not in seen_keys:
                        seen_keys.add(found.key)
                        outcome.items.append(found)
                if len(outcome.items) >= max_items:
                    outcome.truncated = ITEM_LIMIT if page.next_url or page.items else ""
                    break
                next_url = page.next_url
                if not next_url:
                    break
                if outcome.pages >= max_pages:
                    outcome.truncated = PAGE_LIMIT
                    break
                if next_url in visited:
                    outcome.truncated = PAGE_LOOP
                    break
                if _host(next_url) != _host(source.watch_url):
                    outcome.truncated = OFF_SITE
                    break
                visited.add(next_url)
                url = next_url
    except TimeoutError:
        outcome.fail(
            "timeout",
            f"the watch took over {settings.SOURCES_WATCH_SECONDS:g} s "
            f"({outcome.pages} page(s) fetched)",
        )
    outcome.finished_at = timezone.now()
    return outcome


def _found(item) -> Found | None:
    """The item with its canonical key, or None when its URL is not one the registry takes."""
    try:
        canonical = canon.canonicalize(item.url)
    except canon.InvalidURL:
        return None
    return Found(
        key=canonical.key,
        url=item.url,
        published_at=item.published_at,
        text=item.text or "",
        media=tuple(item.media or ()),
        views=item.views,
        title=item.title or "",
    )


async def _watch_all(sources: Sequence[Source], config: FetchConfig) -> list[Outcome]:
    async with Fetcher(config) as fetcher:
        return list(await asyncio.gather(*(_watch_one(fetcher, s) for s in sources)))


async def _fetch_images(wanted: list[tuple[Outcome, str, str]], config: FetchConfig) -> None:
    """Fetch and fingerprint the images of new items (outcome, item key, image URL)."""
    if not wanted:
        return
    async with Fetcher(config) as fetcher:

        async def one(outcome: Outcome, key: str, url: str) -> None:
            result = await fetcher.fetch(url, key=key)
            if result.error or not result.body:
                return
            try:
                prints = await asyncio.to_thread(
                    matching.image_prints, result.body, result.content_type or ""
                )
            except Exception:  # a broken image must not lose the watch
                logger.warning("Fingerprinting image %s failed", url, exc_info=True)
                return
            if prints is not None:
                outcome.images.setdefault(key, []).append(prints)

        # Images only help matching: those not fetched within the watch's time cap (a slow
        # CDN, a per-host rate) are left out, the text matching stands.
        try:
            async with asyncio.timeout(settings.SOURCES_WATCH_SECONDS):
                await asyncio.gather(*(one(o, k, u) for o, k, u in wanted))
        except TimeoutError:
            logger.info(
                "Images of new items: the rest left out after %s s", settings.SOURCES_WATCH_SECONDS
            )


# --- the watch -------------------------------------------------------------------------------
def watch_sources(
    source_ids: Sequence[int],
    *,
    leased_until: datetime | None = None,
    config: FetchConfig | None = None,
) -> list[SourceWatch]:
    """Watch these sources now (those still leased to the caller, when `leased_until` is
    given) and record what each found; the watches recorded."""
    from checks.recording import _run_async

    _leave_out_demo(source_ids)
    with transaction.atomic():
        sources = _claim(source_ids, leased_until)
    if not sources:
        return []
    config = config or fetch_config()
    outcomes = _run_async(_watch_all(sources, config))
    known = _known_items(outcomes)
    images = []
    for outcome in outcomes:
        new = [item for item in outcome.items if (outcome.source.pk, item.key) not in known]
        wanted = [(outcome, item.key, url) for item in new for url in item.media[:1]]
        images += wanted[: settings.SOURCES_MEDIA_PER_WATCH]
    if images:
        image_config = fetch_config(
            allowed_content_types=("image/*",),
            max_body_bytes=settings.SOURCES_MEDIA_BYTES,
            shared_limiter=config.shared_limiter,
            allow_networks=config.allow_networks,
        )
        _run_async(_fetch_images(images, image_config))
    return record(outcomes, known)


def _known_items(outcomes: Sequence[Outcome]) -> set[tuple[int, str]]:
    """(source id, canonical key) of the items already tied to their source (one query)."""
    from registry.models import Link

    pairs = [(o.source.pk, item.key) for o in outcomes for item in o.items]
    if not pairs:
        return set()
    from utilities.cursors import array_cursor

    sources, keys = zip(*pairs, strict=True)
    with array_cursor() as cursor:
        cursor.execute(
            f"SELECT si.source_id, l.key FROM {SourceItem._meta.db_table} AS si "  # noqa: S608
            f"JOIN {Link._meta.db_table} AS l ON l.id = si.link_id "
            "JOIN unnest(%b::bigint[], %b::text[]) AS t(s, k) ON si.source_id = t.s "
            "AND l.key = t.k",
            [list(sources), list(keys)],
        )
        return {(source_id, key) for source_id, key in cursor.fetchall()}


@transaction.atomic
def record(outcomes: Sequence[Outcome], known: set[tuple[int, str]]) -> list[SourceWatch]:
    """Write what a batch of watches found (see the module docstring, step 5)."""
    from registry.services import Found as FoundURL
    from registry.services import register_found
    from sources.services import monitor_accounts

    now = timezone.now()
    accounts = monitor_accounts({o.source.agency_id for o in outcomes if o.items})
    new_items: list[tuple[Outcome, Found]] = []
    repeats: list[tuple[Outcome, Found]] = []
    for outcome in outcomes:
        for item in outcome.items:
            target = repeats if (outcome.source.pk, item.key) in known else new_items
            target.append((outcome, item))

    registered = register_found(
        [
            FoundURL(accounts[o.source.agency_id], o.source.agency_id, item.url)
            for o, item in new_items
        ]
    )
    kept = [(pair, reg) for pair, reg in zip(new_items, registered, strict=True) if reg is not None]

    prints = {
        index: matching.ItemPrints(
            matching.text_prints(item.title, item.text), outcome.images.get(item.key, [])
        )
        for index, ((outcome, item), _reg) in enumerate(kept)
    }
    matches = matching.match_items(prints, {i: reg.link_id for i, (_p, reg) in enumerate(kept)})

    watches = SourceWatch.objects.bulk_create(_watch_row(o, kept, matches) for o in outcomes)
    watch_of = {watch.source_id: watch for watch in watches}
    SourceItem.objects.bulk_create(
        (
            _item_row(outcome, item, reg, prints[index], matches.get(index), watch_of, now)
            for index, ((outcome, item), reg) in enumerate(kept)
        ),
        ignore_conflicts=True,
    )
    _update_repeat_views(repeats)
    _update_sources(outcomes, now)
    _attribute(kept, matches)
    _notify(kept, matches)
    return watches


def _watch_row(outcome: Outcome, kept, matches) -> SourceWatch:
    mine = [(index, reg, item) for index, ((o, item), reg) in enumerate(kept) if o is outcome]
    return SourceWatch(
        source_id=outcome.source.pk,
        started_at=outcome.started_at,
        finished_at=outcome.finished_at,
        pages=min(outcome.pages, 32767),
        bytes=outcome.bytes,
        found=len(outcome.items),
        new=len(mine),
        repeats=len(outcome.items) - len(mine),
        registered=sum(1 for _i, reg, _item in mine if reg.new),
        matched=sum(1 for index, _reg, _item in mine if index in matches),
        views=sum(item.views or 0 for _i, _reg, item in mine),
        truncated=outcome.truncated,
        failure_code=outcome.failure_code,
        failure_detail=outcome.failure_detail,
        status_code=outcome.status_code,
    )


def _item_row(outcome, item: Found, reg, prints, match, watch_of, now) -> SourceItem:
    text = prints.text
    return SourceItem(
        source_id=outcome.source.pk,
        link_id=reg.link_id,
        watch=watch_of[outcome.source.pk],
        first_seen_at=now,
        published_at=item.published_at,
        views=item.views,
        title=item.title[:500],
        excerpt=item.text[: matching.EXCERPT_CHARS],
        media=list(item.media),
        text_sha256=(text.text_sha256 or "") if text is not None else "",
        tlsh=(text.tlsh or "") if text is not None else "",
        pdq=prints.pdq,
        material=match.material if match is not None else None,
        matched_link_id=match.matched_link_id if match is not None else None,
        match_kind=match.kind if match is not None else "",
    )


def _update_repeat_views(repeats: list[tuple[Outcome, Found]]) -> None:
    """The latest view counts of items seen again (one statement)."""
    from utilities.cursors import array_cursor

    rows = [(o.source.pk, item.key, item.views) for o, item in repeats if item.views is not None]
    if not rows:
        return
    from registry.models import Link

    sources, keys, views = zip(*rows, strict=True)
    with array_cursor() as cursor:
        cursor.execute(
            f"UPDATE {SourceItem._meta.db_table} AS si SET views = t.v "  # noqa: S608
            f"FROM unnest(%b::bigint[], %b::text[], %b::bigint[]) AS t(s, k, v), "
            f"{Link._meta.db_table} AS l WHERE l.key = t.k AND si.link_id = l.id "
            "AND si.source_id = t.s",
            [list(sources), list(keys), list(views)],
        )


def _next_watch(interval_minutes: int, failures: int, now: datetime) -> datetime:
    """The next watch: after the source's interval; after a failure, doubled per failure in
    a row up to SOURCES_RETRY_MAX_HOURS (never sooner than the interval)."""
    minutes = interval_minutes
    if failures:
        cap = max(settings.SOURCES_RETRY_MAX_HOURS * 60, interval_minutes)
        minutes = min(interval_minutes * 2 ** min(failures - 1, 16), cap)
    return now + timedelta(minutes=minutes)


def _update_sources(outcomes: Sequence[Outcome], now: datetime) -> None:
    """Each source's bookkeeping after its watch, in one statement; a source found gone
    SOURCES_GONE_AFTER times in a row is marked gone (with a history record)."""
    ids = [o.source.pk for o in outcomes]
    current = dict(
        Source.objects.filter(pk__in=ids).values_list("pk", "consecutive_failures")
    )  # fmt: skip
    intervals = dict(Source.objects.filter(pk__in=ids).values_list("pk", "interval_minutes"))
    rows = []
    gone = []
    for outcome in outcomes:
        pk = outcome.source.pk
        failures = current.get(pk, 0) + 1 if outcome.failed else 0
        state = SourceState.ACTIVE.value
        if outcome.failed and outcome.gone and failures >= settings.SOURCES_GONE_AFTER:
            state = SourceState.GONE.value
            gone.append(pk)
        rows.append(
            (
                pk,
                _next_watch(intervals.get(pk, 60), failures, now),
                outcome.failure_code,
                outcome.failure_detail,
                failures,
                state,
                (outcome.title or "")[:300],
            )
        )
    from utilities.cursors import array_cursor

    columns = list(zip(*rows, strict=True))
    with array_cursor() as cursor:
        cursor.execute(
            f"UPDATE {Source._meta.db_table} AS s SET next_watch_at = t.n, "  # noqa: S608
            "last_watched_at = %s, last_error_code = t.c, last_error_detail = t.d, "
            "last_error_at = CASE WHEN t.c = '' THEN s.last_error_at ELSE %s END, "
            "consecutive_failures = t.f, "
            "state = CASE WHEN s.state = 'active' THEN t.st ELSE s.state END, "
            "title = CASE WHEN s.title = '' THEN t.ti ELSE s.title END "
            "FROM unnest(%b::bigint[], %b::timestamptz[], %b::text[], %b::text[], %b::int[], "
            "%b::text[], %b::text[]) AS t(i, n, c, d, f, st, ti) WHERE s.id = t.i",
            [now, now, *(list(c) for c in columns)],
        )
    if gone:
        Source.history.bulk_history_create(
            list(Source.objects.filter(pk__in=gone)),
            update=True,
            default_change_reason="watch: gone",
            default_date=now,
        )


def _attribute(kept, matches) -> None:
    """Attribute new items' links: to the organization their source belongs to (its known
    presence), and, for a match, to the material (registry.services) and its organization;
    raise the matched links' priority."""
    from registry.choices import AttributionSource
    from registry.models import Link, LinkOrganization
    from registry.services import attribute_materials_automatically

    organizations = []
    for index, ((outcome, _item), reg) in enumerate(kept):
        source = outcome.source
        if source.organization_id is not None:
            organizations.append((reg.link_id, source.organization_id, source.presence_id))
        match = matches.get(index)
        if match is not None and match.material is not None and match.material.organization_id:
            organizations.append((reg.link_id, match.material.organization_id, None))
    if organizations:
        LinkOrganization.objects.bulk_create(
            [
                LinkOrganization(
                    link_id=link_id,
                    organization_id=organization_id,
                    presence_id=presence_id,
                    source=AttributionSource.AUTOMATIC,
                )
                for link_id, organization_id, presence_id in organizations
            ],
            ignore_conflicts=True,
        )
    pairs = [
        (kept[index][1].link_id, match.material.pk)
        for index, match in matches.items()
        if match.material is not None
    ]
    attribute_materials_automatically(pairs)
    by_priority = defaultdict(set)
    for index, match in matches.items():
        by_priority[match.priority].add(kept[index][1].link_id)
    for priority, link_ids in sorted(by_priority.items()):
        Link.objects.filter(pk__in=sorted(link_ids)).update(
            priority=Greatest(F("priority"), priority)
        )


def _notify(kept, matches) -> None:
    """One notification per source, watch and matched material (or confirmed link) to the
    source's agency: "3 new posts in channel X match banned material No. 1234"."""
    from checks.choices import NotificationKind
    from checks.notifications import notify_agency_messages

    groups: dict[tuple, list[int]] = defaultdict(list)
    for index, match in matches.items():
        (outcome, _item), reg = kept[index]
        target = (
            ("material", match.material.pk) if match.material else ("link", match.matched_link_id)
        )
        groups[(outcome.source.pk, target)].append(index)
    messages = []
    for (_source_id, (what, _target)), indexes in sorted(groups.items()):
        (outcome, _item), first = kept[indexes[0]]
        source = outcome.source
        count = len(indexes)
        name = source.title or outcome.title or defang(source.url)
        match = matches[indexes[0]]
        if what == "material":
            message = ngettext(
                "%(count)d new post in %(source)s matches banned material No. %(number)s "
                "“%(title)s”.",
                "%(count)d new posts in %(source)s match banned material No. %(number)s "
                "“%(title)s”.",
                count,
            ) % {
                "count": count,
                "source": name,
                "number": match.material.number,
                "title": match.material.title,
            }
        else:
            message = ngettext(
                "%(count)d new post in %(source)s repeats content already confirmed illegal.",
                "%(count)d new posts in %(source)s repeat content already confirmed illegal.",
                count,
            ) % {"count": count, "source": name}
        messages.append((source.agency_id, first.link_id, NotificationKind.SOURCE_MATCH, message))
    notify_agency_messages(messages)
