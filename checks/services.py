"""Writes of the checks app: scheduling, running and recording checks (DESIGN §4.4).

Scheduling is durable: a link is due when its LinkStats.next_check_at has passed. Registering
a link writes that marker in the submission's transaction and, once it commits, sends the first
check to the `checks.new` queue; if the broker is down the send is only logged, and the beat
task `dispatch_due` sends the link later. Dispatching leases a link (next_check_at moves by
CHECKER_DISPATCH_LEASE_MINUTES), so a lost message only delays a check.

Recording is idempotent: a task carries the time it was requested, and a link checked since
then is skipped, so a message delivered twice (acks_late, a redelivery) records one check.
"""

import asyncio
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
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
# A new link not yet sent (broker down) is picked up by dispatch_due after this grace.
FIRST_CHECK_GRACE = timedelta(minutes=2)
# Shorter normalised texts (error stubs, empty pages) are too common to mean "same content".
MIN_GROUP_TEXT_BYTES = 200

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
def schedule_first_check(link_ids: Iterable[int]) -> None:
    """Mark newly registered links due and send their first check when the transaction commits.

    Call inside the transaction that registers the links. The marker is durable: if the
    broker cannot be reached at commit, the submission still succeeds and dispatch_due sends
    the check later.
    """
    ids = sorted(set(link_ids))
    if not ids:
        return
    now = timezone.now()
    LinkStats.objects.bulk_create(
        [LinkStats(link_id=pk, next_check_at=now + FIRST_CHECK_GRACE) for pk in ids],
        ignore_conflicts=True,
    )
    if settings.CHECKER_ENQUEUE_ON_COMMIT:
        send = partial(enqueue, ids, trigger=CheckTrigger.FIRST, requested_at=now)
        transaction.on_commit(send, robust=True)


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
    """Give links registered without schedule_first_check (imports, demo) a due marker."""
    from registry.models import Link

    now = now or timezone.now()
    limit = limit or settings.CHECKER_DISPATCH_LIMIT
    missing = list(Link.objects.filter(stats__isnull=True).values_list("pk", flat=True)[:limit])
    LinkStats.objects.bulk_create(
        [LinkStats(link_id=pk, next_check_at=now) for pk in missing], ignore_conflicts=True
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
            LinkStats.objects.select_for_update(skip_locked=True)
            .filter(next_check_at__lte=now)
            .order_by("next_check_at", "link_id")
            .values_list("link_id", "last_checked_at")[:limit]
        )
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
    """Fetch these links and record one Check each; links checked since `requested_at`
    are skipped (None: check them all). Returns the checks recorded."""
    from registry.models import Link

    ids = sorted(set(link_ids))
    links = {link.pk: link for link in Link.objects.filter(pk__in=ids).only("pk", "url")}
    if requested_at is not None:
        done = set(
            LinkStats.objects.filter(link_id__in=ids, last_checked_at__gte=requested_at)
            .values_list("link_id", flat=True)
        )  # fmt: skip
        links = {pk: link for pk, link in links.items() if pk not in done}
    if not links:
        return []
    items = [(pk, link.url) for pk, link in links.items()]
    fetched = _run_async(_fetch(items, config or fetch_config()))
    checks = []
    for item in fetched:
        check = record_result(item.result.key, item, trigger=trigger, requested_at=requested_at)
        if check is not None:
            checks.append(check)
    return checks


@transaction.atomic
def record_result(
    link_id: int, fetched: Fetched, *, trigger: str, requested_at: datetime | None = None
) -> Check | None:
    """Record one check of a link and everything that follows from it: statistics, the next
    due time, republication grouping, attribution to materials, reappearance."""
    from registry.models import Link

    result, fp = fetched.result, fetched.fingerprint
    now = timezone.now()
    LinkStats.objects.bulk_create([LinkStats(link_id=link_id)], ignore_conflicts=True)
    stats = LinkStats.objects.select_for_update().get(link_id=link_id)
    if requested_at is not None and stats.last_checked_at and stats.last_checked_at >= requested_at:
        return None  # checked meanwhile by another delivery of the same task
    link = Link.objects.get(pk=link_id)

    check = Check.objects.create(
        link_id=link_id,
        checked_at=result.started_at or now,
        trigger=trigger,
        url=result.url,
        final_url=result.final_url or "",
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

    stats.failures = stats.failures + 1 if result.transient else 0
    stats.last_checked_at = now
    stats.check_count += 1
    stats.last_available = result.available
    stats.last_status_code = result.status_code
    if result.title:
        stats.last_title = result.title
    if result.views is not None:
        stats.last_views = result.views
        stats.max_views = max(stats.max_views or 0, result.views)
        if stats.views_at_detection is None:
            stats.views_at_detection = result.views
    if link.state in _CLOSED and stats.views_at_blocking is None:
        stats.views_at_blocking = _views_before(link_id, link.state_changed_at, stats.last_views)
    old_group = stats.republication_group_id
    if fp is not None:
        stats.content_sha256 = check.content_sha256
    stats.next_check_at = next_check_at(link.state, now, stats.failures)
    stats.save()

    if fp is not None:
        _group_republications(stats, link, fp, old_group)
        _attribute_materials(link, fp)
    if result.available and link.state in _CLOSED:
        _mark_reappeared(link, check)
    return check


def _content_key(fp: fingerprints.Fingerprints | None) -> str:
    if fp is None:
        return ""
    return fp.text_sha256 or fp.sha256


def _views_before(link_id: int, when: datetime, fallback: int | None) -> int | None:
    """The last view count seen at or before `when` (the blocking), else `fallback`."""
    views = (
        Check.objects.filter(link_id=link_id, checked_at__lte=when, views__isnull=False)
        .order_by("-checked_at", "-id")
        .values_list("views", flat=True)
        .first()
    )
    return views if views is not None else fallback


# --- repeated publications ------------------------------------------------------------------
def _group_republications(stats: LinkStats, link, fp, old_group_id: int | None) -> None:
    """Put the link in the group of links serving the same content (created on the second
    such link, its first publication the earliest reported), and keep the counts exact."""
    from registry.models import Link

    sha = stats.content_sha256
    # Short texts (error stubs, empty pages) are too common to mean "the same content".
    too_common = fp.kind == "text" and fp.size < MIN_GROUP_TEXT_BYTES
    same = LinkStats.objects.filter(content_sha256=sha).exclude(link_id=link.pk)
    group = RepublicationGroup.objects.filter(content_sha256=sha).first()
    if group is None and (too_common or not same.exists()):
        new_group_id = None
    else:
        if group is None:
            member_ids = [link.pk, *same.values_list("link_id", flat=True)]
            first = (
                Link.objects.filter(pk__in=member_ids)
                .order_by("first_reported_at", "pk")
                .values_list("pk", flat=True)
                .first()
            )
            group, _created = RepublicationGroup.objects.get_or_create(
                content_sha256=sha, defaults={"first_link_id": first}
            )
        LinkStats.objects.filter(content_sha256=sha).exclude(republication_group=group).update(
            republication_group=group
        )
        new_group_id = group.pk
    if new_group_id != old_group_id and new_group_id is None:
        LinkStats.objects.filter(pk=stats.pk).update(republication_group=None)
    for group_id in {old_group_id, new_group_id} - {None}:
        RepublicationGroup.objects.filter(pk=group_id).update(
            link_count=LinkStats.objects.filter(republication_group=group_id).count()
        )
    stats.republication_group_id = new_group_id


# --- attribution to materials ---------------------------------------------------------------
def matching_materials(fp: fingerprints.Fingerprints) -> dict[int, str]:
    """{material id: how it matched} for materials in force with a copy matching `fp`:
    identical bytes or normalised text, or a PDQ/TLSH distance within the thresholds."""
    from materials.choices import MatchMethod, MaterialStatus
    from materials.models import MaterialFingerprint

    records = MaterialFingerprint.objects.filter(material__status=MaterialStatus.IN_FORCE)
    found: dict[int, str] = {}
    exact = Q(sha256=fp.sha256)
    if fp.text_sha256:
        exact |= Q(text_sha256=fp.text_sha256)
    for material_id, sha256 in records.filter(exact).values_list("material_id", "sha256"):
        found[material_id] = MatchMethod.SHA256 if sha256 == fp.sha256 else MatchMethod.TEXT
    if fp.pdq and fp.pdq_quality >= fingerprints.PDQ_MIN_QUALITY:
        candidates = records.exclude(pdq="").filter(pdq_quality__gte=fingerprints.PDQ_MIN_QUALITY)
        for material_id, pdq in candidates.values_list("material_id", "pdq"):
            if material_id not in found and fingerprints.pdq_match(fp.pdq, pdq):
                found[material_id] = MatchMethod.PDQ
    if fp.tlsh:
        for material_id, tlsh in records.exclude(tlsh="").values_list("material_id", "tlsh"):
            if material_id in found:
                continue
            try:
                if fingerprints.tlsh_match(fp.tlsh, tlsh):
                    found[material_id] = MatchMethod.TLSH
            except ValueError:
                continue
    return found


def _attribute_materials(link, fp: fingerprints.Fingerprints) -> None:
    """Attribute the link automatically to every material its content is a copy of."""
    from materials.models import Material
    from registry.models import LinkMaterial

    matched = matching_materials(fp)
    for material_id, method in sorted(matched.items()):
        attribution, created = LinkMaterial.objects.get_or_create(
            link_id=link.pk,
            material_id=material_id,
            defaults={"source": AttributionSource.AUTOMATIC, "added_by": None},
        )
        if created:
            material = Material.objects.only("number", "title").get(pk=material_id)
            notify_agencies(
                link,
                NotificationKind.MATERIAL_MATCH,
                _("The content at %(url)s matches material No. %(number)s “%(title)s” (%(how)s).")
                % {
                    "url": link.url,
                    "number": material.number,
                    "title": material.title,
                    "how": method,
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
