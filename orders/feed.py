"""The blocklist feed for providers (issue 14; README, "Blocklist feed for providers"): what must
be blocked now, for a subscriber's scope, as JSON or CSV, signed by the office.

**Entries.** One entry is one link in one order in force (orders.selectors.blocked_now): its
id is the OrderLink's, stable for as long as it exists. A provider blocks a URL while any
entry names it. An entry carries the URL, its domain and platform, the legal basis, the order's
number and date and since when it must be blocked (the time the order was sent).

**Incremental.** Every answer carries a `cursor`; `?since=<cursor>` then answers only the
entries that changed after it: `add` for those in force (new, or re-sent because their order or
link changed) and `remove` for those no longer in force (revoked by a restoration notice, the
order withdrawn or refused, the link rejected). Providers apply both idempotently: a change
near the cursor is sent again (OVERLAP), so that an order whose transaction committed late is
never missed. Without `since` the answer is the whole list (additions only).

**Pages.** Entries are ordered by id and paginated by keyset (`?after=` inside the opaque
`page` cursor, `limit` rows per page): the cost of a page does not grow with its depth. The
next page's cursor is known before the body is written (`Link: rel="next"`, `X-Next-Page` and
the JSON's `next`), so the body is a pure function of the data and the request.

**Memory.** The body is streamed from a server-side cursor, a row at a time, so a page of a
million entries costs the same memory as one of ten (bench/bench_feed.py measures it).

**Validators and signature.** The ETag is computed from the data before the body is written
(the number of entries that could appear and their latest change), so `If-None-Match` answers
304 without reading a row. The body is deterministic for an ETag, and the office signs it: the
signature is Ed25519 (orders.signing) over the SHA-256 digest of the exact body bytes, because
Ed25519 must see a message whole and a streamed million-row body is never whole in memory.
Small pages are built, signed and sent with `X-Signature`; a large page streams, its digest
computed on the way, and its signature is then kept for its ETag: the next fetch of the same
data carries `X-Signature`, and `<url>.sig` answers it (computing it, still in constant memory,
when it is not kept).
"""

import base64
import csv
import hashlib
import io
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core import signing as django_signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, QuerySet, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from kibernadzor.errors import DomainError
from orders import signing
from orders.choices import OrderKind, OrderState
from orders.models import FeedAccess, FeedSubscriber, OrderLink

FEED_VERSION = 1
TOKEN_PREFIX = "kbzfeed_"  # noqa: S105 - a prefix, not a secret
DEFAULT_LIMIT = 10_000
MAX_LIMIT = 1_000_000
# Pages up to this many rows are built in memory and sent with their signature.
INLINE_SIGNATURE_ROWS = 10_000
# A change this close before the cursor is sent again (see the module docstring).
OVERLAP = timedelta(minutes=5)
SIGNATURE_TTL = 7 * 24 * 3600
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
CHUNK_ROWS = 2000

COLUMNS = (
    "id", "action", "url", "domain", "platform", "legal_basis", "order_number", "order_date",
    "since",
)  # fmt: skip
# Orders whose links are ever in the feed: blocking and repeated submissions once sent.
FEED_ORDER_KINDS = (OrderKind.BLOCKING, OrderKind.REPEATED)


class InvalidFeedParameter(DomainError):
    http_status = 400
    code = "invalid_parameter"


# --- tokens ----------------------------------------------------------------------------------
def token_digest(key: str) -> str:
    return hashlib.sha512(key.encode("utf-8")).hexdigest()


@transaction.atomic
def issue_token(subscriber: FeedSubscriber) -> str:
    """A new token for the subscriber (any previous one stops working); returned once, only
    its digest is stored."""
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    subscriber.token_digest = token_digest(key)
    subscriber.token_prefix = key[: len(TOKEN_PREFIX) + 4]
    subscriber.token_issued_at = timezone.now()
    subscriber.save(update_fields=["token_digest", "token_prefix", "token_issued_at"])
    return key


@transaction.atomic
def revoke_token(subscriber: FeedSubscriber) -> None:
    subscriber.token_digest = ""
    subscriber.token_prefix = ""
    subscriber.save(update_fields=["token_digest", "token_prefix"])


def subscriber_for_token(key: str) -> FeedSubscriber | None:
    """The active subscriber holding this token, or None."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    return FeedSubscriber.objects.filter(token_digest=token_digest(key), active=True).first()


# --- the request -----------------------------------------------------------------------------
@dataclass(frozen=True)
class FeedRequest:
    """What one answer covers: changes after `since` (None: the whole list), entries with an
    id above `after`, at most `limit` of them. `cursor_at` is set on the pages after the first:
    every page of an answer gives out the first page's cursor, so that nothing changed while
    the pages were read falls before it."""

    since: datetime | None = None
    after: int = 0
    limit: int = DEFAULT_LIMIT
    cursor_at: datetime | None = None

    @classmethod
    def from_params(cls, params) -> "FeedRequest":
        unknown = sorted(set(params) - {"since", "page", "limit"})
        if unknown:
            raise InvalidFeedParameter(
                _("Unknown parameter %(name)r; the feed takes since, page and limit.")
                % {"name": unknown[0]},
                field=unknown[0],
            )
        since, after, cursor_at = None, 0, None
        if params.get("page"):
            since, after, cursor_at = _load("page", params["page"])
        elif params.get("since"):
            since = _load("since", params["since"])[2]
        raw_limit = params.get("limit") or str(DEFAULT_LIMIT)
        try:
            limit = int(raw_limit)
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidFeedParameter(
                _("limit must be a number from 1 to %(max)s, not %(value)r.")
                % {"max": MAX_LIMIT, "value": raw_limit},
                field="limit",
            )
        return cls(since=since, after=after, limit=limit, cursor_at=cursor_at)

    def params(self) -> dict:
        return {
            "since": self.since.isoformat() if self.since else None,
            "after": self.after,
            "cursor_at": self.cursor_at.isoformat() if self.cursor_at else None,
        }


_SALT = "orders.feed.cursor"


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _dump(since: datetime | None, after: int, cursor_at: datetime) -> str:
    payload = [since.isoformat() if since else None, after, cursor_at.isoformat()]
    # A plain Signer, not dumps(): that one adds a timestamp, and the body must be the same
    # bytes for the same data (its ETag and its signature).
    return django_signing.Signer(salt=_SALT).sign_object(payload)


def _load(field: str, value: str) -> tuple[datetime | None, int, datetime]:
    """A cursor this feed gave out (signed, so that a typed one is refused, not misread):
    (since, after, cursor_at)."""
    try:
        since, after, cursor_at = django_signing.Signer(salt=_SALT).unsign_object(value)
        return _moment(since), int(after), _moment(cursor_at)
    except (django_signing.BadSignature, ValueError, TypeError):
        raise InvalidFeedParameter(
            _("%(field)s is not a cursor this feed gave out.") % {"field": field}, field=field
        ) from None


# --- the rows --------------------------------------------------------------------------------
def _changed_at():
    """When an entry last changed: its order sent or closed, it revoked, its link moved."""
    return Greatest(
        F("order__sent_at"), F("revoked_at"), F("order__closed_at"), F("link__state_changed_at")
    )


def _in_scope(queryset: QuerySet, subscriber: FeedSubscriber) -> QuerySet:
    if subscriber.platforms:
        queryset = queryset.filter(link__platform__in=subscriber.platforms)
    if subscriber.classifications:
        queryset = queryset.filter(link__classification__in=subscriber.classifications)
    return queryset


def _candidates(subscriber: FeedSubscriber) -> QuerySet:
    """Every entry that was ever in the subscriber's feed: links of sent blocking and repeated
    orders in its scope."""
    queryset = OrderLink.objects.filter(
        order__kind__in=FEED_ORDER_KINDS, order__sent_at__isnull=False
    ).exclude(order__state__in=(OrderState.DRAFT, OrderState.SIGNED))
    return _in_scope(queryset, subscriber)


def _in_force() -> QuerySet:
    """What must be blocked now: the one definition, orders.selectors.blocked_now."""
    from orders.selectors import blocked_now

    return blocked_now()


def _rows_queryset(subscriber: FeedSubscriber, request: FeedRequest) -> QuerySet:
    """The entries of the answer, ordered by id, with `in_force` saying add or remove."""
    if request.since is None:
        queryset = _in_scope(_in_force(), subscriber).annotate(in_force=Value(True))
    else:
        queryset = (
            _candidates(subscriber)
            .alias(changed_at=_changed_at())
            .filter(changed_at__gt=request.since - OVERLAP)
            .annotate(in_force=Exists(_in_force().filter(pk=OuterRef("pk"))))
        )
    return queryset.filter(pk__gt=request.after).order_by("pk")


_ROW_FIELDS = (
    "pk", "in_force", "link__url", "link__registrable_domain", "link__host", "link__platform",
    "order__law_article", "order__court_decision__court", "order__court_decision__case_number",
    "order__court_decision__decision_date", "order__number", "order__date", "order__sent_at",
)  # fmt: skip


def legal_basis(law_article: str, court: str, case_number: str, decision_date) -> str:
    parts = []
    if court or case_number or decision_date:
        decision = ", ".join(
            part
            for part in (
                court,
                f"№ {case_number}" if case_number else "",
                decision_date.isoformat() if decision_date else "",
            )
            if part
        )
        parts.append(decision)
    if law_article:
        parts.append(law_article)
    return "; ".join(parts)


def _entry(row) -> dict:
    (pk, in_force, url, domain, host, platform, article, court, case, decided, number, date,
     sent_at) = row  # fmt: skip
    return {
        "id": pk,
        "action": "add" if in_force else "remove",
        "url": url,
        "domain": domain or host,
        "platform": platform,
        "legal_basis": legal_basis(article, court or "", case or "", decided),
        "order_number": number,
        "order_date": date.isoformat(),
        "since": _iso(sent_at),
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- one answer ------------------------------------------------------------------------------
@dataclass(eq=False)
class FeedPage:
    """An answer before its body is written: what it covers, its validator and cursors."""

    subscriber: FeedSubscriber
    request: FeedRequest
    format: str
    etag: str
    cursor: str  # the `since` of the next incremental fetch
    next_page: str | None  # the `page` of the next page of this answer, if any
    sent: int = 0  # entries written so far

    def entries(self) -> Iterator[dict]:
        """The page's entries, read through a server-side cursor."""
        self.sent = 0
        queryset = _rows_queryset(self.subscriber, self.request)[: self.request.limit]
        for row in queryset.values_list(*_ROW_FIELDS).iterator(chunk_size=CHUNK_ROWS):
            self.sent += 1
            yield _entry(row)

    def header(self) -> dict:
        return {
            "feed": "kibernadzor-blocklist",
            "version": FEED_VERSION,
            "subscriber": self.subscriber.name,
            "incremental": self.request.since is not None,
            "cursor": self.cursor,
            "next": self.next_page,
        }

    def chunks(self) -> Iterator[bytes]:
        writer = _json_chunks if self.format == "json" else _csv_chunks
        return writer(self)

    @property
    def signature_key(self) -> str:
        # Named by the key too: a signature kept under another key (rotated) is not reused.
        key = hashlib.sha256(signing.public_key_pem()).hexdigest()[:16]
        return f"orders:feed:signature:{key}:{self.etag.strip(chr(34))}"

    def known_signature(self) -> str | None:
        return cache.get(self.signature_key)

    def remember_signature(self, digest: bytes) -> str:
        signature = base64.b64encode(signing.sign(digest)).decode("ascii")
        cache.set(self.signature_key, signature, SIGNATURE_TTL)
        return signature

    def signature(self) -> str:
        """The signature of this page's body: kept, or computed by writing the body into a
        digest (constant memory)."""
        known = self.known_signature()
        if known:
            return known
        digest = hashlib.sha256()
        for chunk in self.chunks():
            digest.update(chunk)
        return self.remember_signature(digest.digest())


def prepare(subscriber: FeedSubscriber, request: FeedRequest, format: str) -> FeedPage:
    """The page's validator and cursors, in two small queries, before any row is read."""
    version = _candidates(subscriber).aggregate(
        n=Count("pk"), latest=Max(_changed_at()), top=Max("pk")
    )
    latest = version["latest"]
    cursor_at = request.cursor_at
    if cursor_at is None:
        # The latest change seen (never before the one asked from): the data, not the clock,
        # so that the same data give the same body.
        cursor_at = max(moment for moment in (latest, request.since, EPOCH) if moment is not None)
    ids = _rows_queryset(subscriber, request).values_list("pk", flat=True)
    boundary = list(ids[request.limit - 1 : request.limit + 1])
    next_page = _dump(request.since, boundary[0], cursor_at) if len(boundary) == 2 else None
    scope = [sorted(subscriber.platforms), sorted(subscriber.classifications)]
    material = json.dumps(
        [FEED_VERSION, format, subscriber.pk, scope, request.params(), request.limit,
         version["n"], _iso(latest) if latest else None, version["top"]],
        sort_keys=True,
    )  # fmt: skip
    etag = '"' + hashlib.sha256(material.encode()).hexdigest()[:40] + '"'
    return FeedPage(
        subscriber=subscriber,
        request=request,
        format=format,
        etag=etag,
        cursor=_dump(cursor_at, 0, cursor_at),
        next_page=next_page,
    )


def _json_chunks(page: FeedPage) -> Iterator[bytes]:
    """{"feed": …, "cursor": …, "next": …, "entries": [ … ]} with one entry per line."""
    head = json.dumps(page.header(), ensure_ascii=False, separators=(",", ":"))
    yield (head[:-1] + ',"entries":[').encode()
    buffer, first = [], True
    for entry in page.entries():
        buffer.append(("\n" if first else ",\n") + json.dumps(entry, ensure_ascii=False))
        first = False
        if len(buffer) >= 500:
            yield "".join(buffer).encode()
            buffer = []
    buffer.append("\n]}\n")
    yield "".join(buffer).encode()


def _csv_chunks(page: FeedPage) -> Iterator[bytes]:
    """A header row, then one row per entry (UTF-8, CRLF). Cursors are in the headers."""
    from utilities.tabular import safe_cell

    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for number, entry in enumerate(page.entries(), start=1):
        writer.writerow([safe_cell(entry[column]) for column in COLUMNS])
        if number % 500 == 0:
            yield text.getvalue().encode()
            text.seek(0)
            text.truncate()
    yield text.getvalue().encode()


# --- the access log --------------------------------------------------------------------------
def log_access(subscriber: FeedSubscriber, page: FeedPage | None, *, what: str, status: int):
    """Who fetched what, when (FeedAccess); the rows sent are added when the body ends."""
    return FeedAccess.objects.create(
        subscriber=subscriber,
        what=what,
        status=status,
        since=page.request.since if page else None,
        after=page.request.after if page else 0,
        etag=page.etag.strip('"') if page else "",
    )


def finish_access(access: FeedAccess, rows: int) -> None:
    FeedAccess.objects.filter(pk=access.pk).update(rows=rows, completed_at=timezone.now())
