"""Every write of the evidence app: asking for captures and taking them (issue 15).

A capture is asked for (request_captures: a pending Capture row, sent to the "evidence" queue
when the transaction commits) by the triggers (evidence.triggers), by an officer on demand
(capture_on_demand) and by the API; it is taken by take_capture in a worker of that queue:

1. fetch the page and its subresources through the checker's SSRF-safe fetcher, within the
   budget (evidence.collect);
2. write them as WARC, packed as WACZ (evidence.archive);
3. render a screenshot and a PDF with Chromium from that WACZ only (evidence.render);
4. extract the text; store every file once by its hash (evidence.storage);
5. name them all in a manifest, sign it with the office's key (orders.signing) and, when
   EVIDENCE_TSA_URL is set, timestamp it (evidence.timestamping);
6. record the capture done, its artifacts, and "taken" in its custody log, in one transaction.

A page that fails (refused address, timeout, error status, nothing received) ends in a failed
capture that says why. Demo links are never fetched.
"""

import asyncio
import logging
import threading
from datetime import datetime

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from checks.recording import fetch_config
from evidence import custody, storage
from evidence.archive import SOFTWARE, build_wacz, read_wacz_resources
from evidence.canonical import canonical_json, sha256_hex
from evidence.choices import ArtifactKind, CaptureReason, CaptureState, CustodyAction
from evidence.collect import SUBRESOURCE_TYPES, Budget, collect
from evidence.models import Artifact, Capture
from evidence.render import RenderOptions, render
from kibernadzor.errors import DomainError, NotAllowed
from orders import signing
from registry.models import Link
from utilities.fingerprints import html_to_text

logger = logging.getLogger(__name__)

MANIFEST_FORMAT = "kibernadzor-evidence-manifest/1"
MAX_TEXT_CHARS = 1_000_000
FILE_NAMES = {
    ArtifactKind.WACZ: ("capture.wacz", "application/wacz"),
    ArtifactKind.SCREENSHOT: ("screenshot.png", "image/png"),
    ArtifactKind.PDF: ("page.pdf", "application/pdf"),
    ArtifactKind.TEXT: ("text.txt", "text/plain; charset=utf-8"),
    ArtifactKind.MANIFEST: ("manifest.json", "application/json"),
}
OPEN_STATES = (CaptureState.PENDING, CaptureState.RUNNING)


# --------------------------------------------------------------------------- asking


def request_captures(
    link_ids, reason: str, *, user=None, order=None, skip_open: bool = True
) -> list[Capture]:
    """Pending captures of these links (not demo links; with `skip_open`, not links that
    already have one pending or running), sent to the queue on commit. Call inside the
    transaction of what asked for them."""
    CaptureReason(reason)
    if not settings.EVIDENCE_ENABLED:
        return []
    links = Link.objects.filter(pk__in=set(link_ids), is_demo=False)
    if skip_open:
        links = links.exclude(captures__state__in=OPEN_STATES)
    captures = Capture.objects.bulk_create(
        Capture(link_id=link_id, reason=reason, requested_by=user, order=order, url=url)
        for link_id, url in links.order_by("pk").values_list("pk", "url")
    )
    if captures and settings.EVIDENCE_ENQUEUE_ON_COMMIT:
        ids = [capture.pk for capture in captures]
        transaction.on_commit(lambda: enqueue(ids), robust=True)
    return captures


TAKE_CAPTURE_TASK = "evidence.tasks.take_capture"


def enqueue(capture_ids) -> None:
    """Send one task per capture to the "evidence" queue; a capture the broker refused stays
    pending and the dispatcher (evidence.tasks.dispatch_pending) sends it later."""
    # The task by its registered name (evidence.tasks imports this module, not the reverse).
    take = current_app.tasks[TAKE_CAPTURE_TASK]
    for capture_id in capture_ids:
        try:
            take.apply_async(args=[capture_id], queue="evidence", routing_key="evidence")
        except Exception:
            logger.warning("capture %s not sent; the dispatcher will send it", capture_id)


@transaction.atomic
def capture_on_demand(user, link: Link | int) -> Capture:
    """An officer asks for a capture of a link they may read: taken in the queue at once."""
    link_id = getattr(link, "pk", link)
    if not policy.can(user, "add", model=Capture):
        raise NotAllowed(_("You may not ask for captures."))
    readable = Link.objects.restrict(user, "view").filter(pk=link_id)
    link = readable.first()
    if link is None:
        raise NotAllowed(_("You may not ask for a capture of this link."))
    if link.is_demo:
        raise DomainError(_("Demo links are never fetched."))
    captures = request_captures([link.pk], CaptureReason.ON_DEMAND, user=user, skip_open=False)
    if not captures:
        raise DomainError(_("Captures are turned off (EVIDENCE_ENABLED)."))
    return captures[0]


# --------------------------------------------------------------------------- taking


def capture_fetch_config(**overrides):
    values = {
        "allowed_content_types": SUBRESOURCE_TYPES,
        "per_host_rate": settings.EVIDENCE_PER_HOST_RATE or None,
        "per_host_burst": 10,
        "concurrency": 8,
        "total_timeout": min(settings.CHECKER_TOTAL_TIMEOUT, settings.EVIDENCE_TIME_BUDGET),
    }
    values.update(overrides)
    return fetch_config(**values)


def capture_budget() -> Budget:
    return Budget(
        max_resources=settings.EVIDENCE_MAX_RESOURCES,
        max_total_bytes=settings.EVIDENCE_MAX_TOTAL_BYTES,
        time_budget=settings.EVIDENCE_TIME_BUDGET,
    )


def _run_async(coroutine):
    """asyncio.run in a thread of its own: the caller may be inside an event loop."""
    outcome = {}

    def target():
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="evidence-collect")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _start(capture_id: int) -> Capture | None:
    """Mark the capture running; None when it is not pending (taken already, or running)."""
    with transaction.atomic():
        capture = (
            Capture.objects.select_for_update(skip_locked=True)
            .select_related("link")
            .filter(pk=capture_id, state=CaptureState.PENDING)
            .first()
        )
        if capture is None:
            return None
        capture.state = CaptureState.RUNNING
        capture.started_at = timezone.now()
        capture.url = capture.link.url
        capture.save(update_fields=["state", "started_at", "url"])
    return capture


def fail_capture(capture: Capture, failure: str, **fields) -> Capture:
    """Record the capture failed, with why (final: never changed again)."""
    capture.state = CaptureState.FAILED
    capture.failure = failure[:2000]
    capture.finished_at = timezone.now()
    for name, value in fields.items():
        setattr(capture, name, value)
    capture.save()
    logger.info("capture %s of link %s failed: %s", capture.pk, capture.link_id, failure)
    return capture


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def take_capture(capture_id: int, *, fetcher_options: dict | None = None) -> Capture | None:
    """Take a pending capture (see the module docstring). Returns it done or failed; None when
    it was not pending."""
    capture = _start(capture_id)
    if capture is None:
        return None
    try:
        return _take(capture, fetcher_options or {})
    except Exception as exc:
        logger.exception("capture %s failed unexpectedly", capture.pk)
        return fail_capture(capture, f"internal_error: {type(exc).__name__}: {exc}")


def _take(capture: Capture, fetcher_options: dict) -> Capture:
    config = capture_fetch_config()
    collected = _run_async(collect(capture.url, config, capture_budget(), **fetcher_options))
    page = collected.page
    if collected.error:
        return fail_capture(
            capture,
            f"{collected.error}: {collected.error_detail}",
            final_url=(page.final_url or "") if page else "",
            http_status=page.status_code if page else None,
        )
    main = collected.resources[0]
    if page.text is not None and main.mime in ("text/html", "application/xhtml+xml"):
        text = html_to_text(page.text)
    else:
        text = page.text or ""
    text = text.strip()[:MAX_TEXT_CHARS]
    info = {"software": SOFTWARE, "operator": "Kibernadzor", "isPartOf": f"capture-{capture.pk}"}
    wacz = build_wacz(
        collected.resources, title=page.title or "", user_agent=config.user_agent, info=info
    )
    replay = read_wacz_resources(wacz)  # the renderer sees only what the archive holds
    rendered = render(
        main.url,
        replay,
        RenderOptions(
            chromium=settings.EVIDENCE_CHROMIUM,
            timeout=settings.EVIDENCE_RENDER_TIMEOUT,
            scripts=settings.EVIDENCE_RENDER_SCRIPTS,
        ),
    )
    files = {ArtifactKind.WACZ: wacz, ArtifactKind.TEXT: text.encode("utf-8")}
    if rendered.screenshot:
        files[ArtifactKind.SCREENSHOT] = rendered.screenshot
    if rendered.pdf:
        files[ArtifactKind.PDF] = rendered.pdf
    artifacts = {}
    for kind, data in files.items():
        name, content_type = FILE_NAMES[kind]
        artifacts[kind] = {
            "name": name,
            "sha256": storage.put(data),
            "size": len(data),
            "content_type": content_type,
        }
    finished = timezone.now()
    manifest = {
        "format": MANIFEST_FORMAT,
        "system": "Kibernadzor",
        "capture": capture.pk,
        "link": {"id": capture.link_id, "url": capture.link.url},
        "reason": capture.reason,
        "requested_at": _iso(capture.requested_at),
        "started_at": _iso(capture.started_at),
        "finished_at": _iso(finished),
        "url": capture.url,
        "final_url": page.final_url or capture.url,
        "http_status": page.status_code,
        "title": page.title or "",
        "artifacts": {str(kind): entry for kind, entry in artifacts.items()},
        "resources": [
            {
                "url": resource.url,
                "status": resource.status,
                "content_type": resource.content_type,
                "sha256": sha256_hex(resource.body),
                "size": len(resource.body),
            }
            for resource in collected.resources
        ],
        "skipped": collected.skipped,
        "renderer": {
            "refused": sorted(set(rendered.refused))[:200],
            "error": rendered.error,
            "scripts": settings.EVIDENCE_RENDER_SCRIPTS,
        },
        "public_key_sha256": sha256_hex(signing.public_key_pem()),
    }
    manifest_bytes = canonical_json(manifest)
    manifest_sha = storage.put(manifest_bytes)
    token = _timestamp(manifest_bytes)
    with transaction.atomic():
        capture.state = CaptureState.DONE
        capture.finished_at = finished
        capture.final_url = manifest["final_url"]
        capture.http_status = page.status_code
        capture.text = text
        capture.manifest = manifest
        capture.manifest_sha256 = manifest_sha
        capture.signature = signing.sign_b64(manifest_bytes)
        capture.timestamp_token = token
        capture.save()
        artifacts[ArtifactKind.MANIFEST] = {
            "sha256": manifest_sha,
            "size": len(manifest_bytes),
            "content_type": FILE_NAMES[ArtifactKind.MANIFEST][1],
        }
        Artifact.objects.bulk_create(
            Artifact(
                capture=capture,
                kind=kind,
                sha256=entry["sha256"],
                size=entry["size"],
                content_type=entry["content_type"],
            )
            for kind, entry in artifacts.items()
        )
        custody.record(
            capture,
            CustodyAction.TAKEN,
            None,
            manifest_sha256=manifest_sha,
            timestamped=token is not None,
        )
    return capture


def _timestamp(manifest_bytes: bytes) -> bytes | None:
    if not settings.EVIDENCE_TSA_URL:
        return None
    from evidence.timestamping import TimestampFailed, request_timestamp

    try:
        return request_timestamp(manifest_bytes)
    except TimestampFailed as exc:  # the capture stands on its signature; said in custody
        logger.warning("timestamping a manifest failed: %s", exc)
        return None
