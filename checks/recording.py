"""Recording of link checks: fetch the pages, record one Check each and what follows from it
(statistics, next due times, republication groups, attribution to materials, reappearance),
then announce the batch (checks.signals.checks_recorded: orders records links found gone).

Recording is idempotent: a task carries the time it was requested, and a link checked since
then is skipped, so a message delivered twice (acks_late, a redelivery) records one check.

Demo links (Link.is_demo) are never fetched: one that reaches run_checks is left out with a
log line ("demo link: not fetched") and its due marker cleared.
"""

import asyncio
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from checks.choices import CheckTrigger, NotificationKind
from checks.fetch import FetchConfig, FetchResult, fetch_many
from checks.models import Check, LinkStats
from checks.notifications import notify_agencies
from checks.republications import comparable_tlsh, group_republications
from checks.scheduling import CLOSED_STATES, next_check_at, recheck_interval
from checks.signals import checks_recorded
from checks.stats import insert_stats, update_stats
from registry.choices import LinkState
from utilities import fingerprints

logger = logging.getLogger(__name__)


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
    insert_stats(sorted(link_ids), None)
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
    insert_stats(sorted(latest), due=None)
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
        if row.link.state in CLOSED_STATES and row.views_at_blocking is None
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
            row.tlsh, row.tlsh_length = comparable_tlsh(fp)
            grouping.append((row, fp, changed))
        row.next_check_at = next_check_at(row.link.state, now, row.failures)
    update_stats(stats, _STATS_FIELDS)

    group_republications(grouping)
    _attribute_materials([(row.link, fp) for row, fp, _changed in grouping])
    by_link = {check.link_id: check for check in checks}
    for row in stats:
        if latest[row.link_id].result.available and row.link.state in CLOSED_STATES:
            _mark_reappeared(row.link, by_link[row.link_id])
    checks_recorded.send(sender=Check, checks=checks)
    return checks


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


def _attribute_materials(links: list[tuple]) -> None:
    """Attribute each (link, fingerprints) automatically to every material in force its
    content is a copy of (materials.selectors.match_fingerprints, as the system), through
    registry.services, and announce each new attribution to the link's agencies."""
    from materials.selectors import match_fingerprints
    from registry.services import attribute_materials_automatically

    matched = match_fingerprints({link.pk: fp for link, fp in links}, user=None)
    found = {
        (link_id, match.material.pk): match
        for link_id, matches in matched.items()
        for match in matches
    }
    if not found:
        return
    links_by_id = {link.pk: link for link, _fp in links}
    for link_id, material_id in attribute_materials_automatically(found):
        link, match = links_by_id[link_id], found[link_id, material_id]
        notify_agencies(
            link,
            NotificationKind.MATERIAL_MATCH,
            _("The content at %(url)s matches material No. %(number)s “%(title)s” (%(how)s).")
            % {
                "url": link.url,
                "number": match.material.number,
                "title": match.material.title,
                "how": match.method,
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
