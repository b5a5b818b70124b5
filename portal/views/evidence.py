"""Evidence in the portal (issue 15, "Viewing without risk"): a link's captures as a timeline,
the screenshot and text of each blurred or hidden until the officer reveals it, the differences
between captures' texts, and the captures of an order's links.

The captured page itself is never shown, only what the capture pipeline made of it: the
screenshot (a PNG, served with a CSP that allows nothing, so nothing in it can run) and the
extracted text (escaped like any text). Until the officer reveals a capture the page carries
only a blurred preview made on the server (portal.screenshots) and no text. The reveal is a
POST (CSRF-checked, never prefetched) written to the capture's custody log; it holds for the
session. Every time a screenshot or a capture's text is served it is logged as "viewed".

Access is the one policy: a capture follows its link (evidence.access), so a user sees the
captures of the links they may read, and a confidential link's captures stay confidential.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Prefetch, Q, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import policy
from evidence import custody, package, selectors, services, storage
from evidence.choices import ArtifactKind, CaptureState, CustodyAction
from evidence.models import Artifact, Capture, CustodyEvent
from kibernadzor.errors import DomainError
from orders import selectors as order_selectors
from portal.screenshots import blurred_preview
from portal.textdiff import DiffRow, has_changes, text_diff
from registry import selectors as registry_selectors
from registry.choices import ReadChannel
from registry.models import Link

# The link page shows at most this many captures (the newest).
TIMELINE_LIMIT = 20
# Each capture shows the latest entries of its custody log, at most this many.
CUSTODY_SHOWN = 10
# The order's evidence page: at most this many captures per link.
ORDER_CAPTURES_PER_LINK = 5
# Session key: the captures revealed in this session (the latest REVEALED_MAX of them).
REVEALED_KEY = "evidence_revealed"
REVEALED_MAX = 200
# The screenshot allows nothing: no script, style, frame or request, even opened by itself.
SCREENSHOT_CSP = "default-src 'none'; sandbox"


@dataclass
class CaptureEntry:
    """One capture as the timeline shows it."""

    capture: Capture
    revealed: bool
    artifacts: dict = field(default_factory=dict)  # kind -> Artifact
    diff: list[DiffRow] = field(default_factory=list)
    diff_against: Capture | None = None
    changed: bool = False

    @property
    def has_screenshot(self) -> bool:
        return ArtifactKind.SCREENSHOT in self.artifacts


def captures_for(user):
    """The captures the user may read (evidence.access), newest first."""
    return selectors.captures_for(user).order_by("-requested_at", "-id")


def _listed(queryset, user):
    """Captures as a list shows them: with their files and the latest CUSTODY_SHOWN entries of
    their custody log (and how many there are), without their texts (up to a megabyte each;
    _load_texts fetches those a page shows) or timestamp tokens."""
    custody_log = (
        CustodyEvent.objects.restrict(user, "view")
        .select_related("user")
        .order_by("-at", "-id")[:CUSTODY_SHOWN]
    )
    return (
        queryset.defer("text", "manifest", "timestamp_token")
        .annotate(
            timestamped=Q(timestamp_token__isnull=False),
            custody_count=Count("custody", distinct=True),
        )
        .prefetch_related(
            Prefetch(
                "artifacts", queryset=Artifact.objects.order_by("kind"), to_attr="artifact_list"
            ),
            Prefetch("custody", queryset=custody_log, to_attr="custody_latest"),
        )
    )


def _load_texts(entries: list["CaptureEntry"]) -> None:
    """The texts of the revealed entries and of the captures they are compared with, in one
    query."""
    wanted = {entry.capture for entry in entries if entry.revealed}
    wanted |= {entry.diff_against for entry in entries if entry.diff_against is not None}
    texts = dict(
        Capture.objects.filter(pk__in=[capture.pk for capture in wanted]).values_list("pk", "text")
    )
    for capture in wanted:
        capture.text = texts.get(capture.pk, "")


def revealed_ids(request) -> set[int]:
    return set(request.session.get(REVEALED_KEY, []))


def _entries(request, captures: list[Capture]) -> list[CaptureEntry]:
    """Timeline entries, newest first; a revealed done capture carries the difference of its
    text from the done capture before it (the next one down the list)."""
    revealed = revealed_ids(request)
    entries = [
        CaptureEntry(
            capture=capture,
            revealed=capture.pk in revealed,
            artifacts={artifact.kind: artifact for artifact in capture.artifact_list},
        )
        for capture in captures
    ]
    done = [entry for entry in entries if entry.capture.state == CaptureState.DONE]
    for entry, before in zip(done, done[1:], strict=False):
        if entry.revealed:
            entry.diff_against = before.capture
    if any(entry.revealed for entry in entries):
        _load_texts(entries)
    for entry in done:
        if entry.diff_against is not None:
            entry.diff = text_diff(entry.diff_against.text, entry.capture.text)
            entry.changed = has_changes(entry.diff)
    return entries


def _log_text_views(request, entries: list[CaptureEntry]) -> None:
    """The page shows the text of each revealed done capture (and, in its diff, the lines of
    the one before): each is a view of that capture's text."""
    for entry in entries:
        if entry.revealed and entry.capture.state == CaptureState.DONE:
            details = {"artifact": "text", "page": request.path}
            if entry.diff_against is not None:
                details["diff_against"] = entry.diff_against.pk
            custody.record(entry.capture, CustodyAction.VIEWED, request.user, **details)


def link_evidence(request, link: Link) -> dict:
    """The link page's captures section: the newest captures the user may read, and whether
    they may ask for one. Logs the texts it shows."""
    user = request.user
    captures = list(_listed(captures_for(user).filter(link=link), user)[: TIMELINE_LIMIT + 1])
    has_done = any(capture.state == CaptureState.DONE for capture in captures) or (
        len(captures) > TIMELINE_LIMIT
        and captures_for(user).filter(link=link, state=CaptureState.DONE).exists()
    )
    truncated = len(captures) > TIMELINE_LIMIT
    entries = _entries(request, captures[:TIMELINE_LIMIT])
    _log_text_views(request, entries)
    return {
        "entries": entries,
        "truncated": truncated,
        "limit": TIMELINE_LIMIT,
        "may_read": user.has_perm("evidence.view_capture"),
        "may_request": not link.is_demo and policy.can(user, "add", model=Capture),
        "has_done": has_done,
    }


@login_required
@require_POST
def capture_now(request, pk: int):
    """ "Capture now" on a link's page: an on-demand capture (evidence.services), taken in the
    evidence queue; the page then shows it as being captured."""
    try:
        services.capture_on_demand(request.user, pk)
    except DomainError as error:  # NotAllowed included: the link is unreadable or demo
        messages.error(request, error.message)
    else:
        messages.success(request, _("A capture was asked for; it appears below when taken."))
    return redirect(reverse("portal:link", args=[pk]) + "#captures")


def _readable_capture(user, pk: int) -> Capture:
    capture = captures_for(user).select_related("link").filter(pk=pk).first()
    if capture is None:
        raise Http404(_("No such capture, or you may not see it."))
    return capture


def _artifact(capture: Capture, kind: str) -> Artifact:
    artifact = Artifact.objects.filter(capture=capture, kind=kind).first()
    if artifact is None:
        raise Http404(_("This capture has no such file."))
    return artifact


def _artifact_bytes(artifact: Artifact) -> bytes:
    return storage.get(artifact.sha256)


def _png_response(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    response["Content-Security-Policy"] = SCREENSHOT_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_GET
def capture_preview(request, pk: int):
    """The blurred preview of a capture's screenshot (what the page shows before a reveal)."""
    capture = _readable_capture(request.user, pk)
    artifact = _artifact(capture, ArtifactKind.SCREENSHOT)
    data = blurred_preview(_artifact_bytes(artifact))
    custody.record(capture, CustodyAction.VIEWED, request.user, artifact="screenshot", blurred=True)
    return _png_response(data)


@login_required
@require_GET
def capture_screenshot(request, pk: int):
    """The full screenshot, once the user has revealed the capture in this session."""
    capture = _readable_capture(request.user, pk)
    if capture.pk not in revealed_ids(request):
        raise Http404(_("Reveal the capture on the link's page first."))
    artifact = _artifact(capture, ArtifactKind.SCREENSHOT)
    data = _artifact_bytes(artifact)
    custody.record(
        capture,
        CustodyAction.VIEWED,
        request.user,
        artifact="screenshot",
        blurred=False,
        sha256=artifact.sha256,
    )
    return _png_response(data)


def _back(request, capture: Capture) -> str:
    """Where a reveal or hide returns: the page it came from (this site only, e.g. the
    order's evidence), else the link's page; at the capture either way."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or not back.startswith("/"):
        back = reverse("portal:link", args=[capture.link_id])
    return back.split("#", 1)[0] + f"#capture-{capture.pk}"


@login_required
@require_POST
def capture_reveal(request, pk: int):
    """The officer chooses to see a capture: logged as "revealed", then shown for the session."""
    capture = _readable_capture(request.user, pk)
    custody.record(capture, CustodyAction.REVEALED, request.user)
    revealed = [pk for pk in request.session.get(REVEALED_KEY, []) if pk != capture.pk]
    request.session[REVEALED_KEY] = [*revealed, capture.pk][-REVEALED_MAX:]
    return redirect(_back(request, capture))


@login_required
@require_POST
def capture_hide(request, pk: int):
    """Blur a revealed capture again (nothing to log: nothing is shown)."""
    capture = _readable_capture(request.user, pk)
    revealed = request.session.get(REVEALED_KEY, [])
    request.session[REVEALED_KEY] = [pk for pk in revealed if pk != capture.pk]
    return redirect(_back(request, capture))


@dataclass
class OrderLinkEvidence:
    order_link: object
    entries: list[CaptureEntry]


@login_required
def order_evidence(request, pk: int):
    """The evidence of an order: the captures of each of its links the user may read, newest
    first (those taken for this order marked), as blurred as on the link page."""
    user = request.user
    order = order_selectors.orders_for(user).filter(pk=pk).first()
    if order is None:
        raise Http404(_("No such order, or you may not see it."))
    order_links = list(order_selectors.order_links_for(user, order).order_by("link_id"))
    readable = set(
        registry_selectors.links_for(user)
        .filter(pk__in=[row.link_id for row in order_links])
        .values_list("pk", flat=True)
    )
    newest_first = Window(
        RowNumber(),
        partition_by=[F("link_id")],
        order_by=[F("requested_at").desc(), F("id").desc()],
    )
    captures = _listed(captures_for(user).filter(link_id__in=readable), user).annotate(
        rank=newest_first
    )
    by_link: dict[int, list[Capture]] = {}
    for capture in captures.filter(rank__lte=ORDER_CAPTURES_PER_LINK):
        by_link.setdefault(capture.link_id, []).append(capture)
    rows = [
        OrderLinkEvidence(row, _entries(request, by_link.get(row.link_id, [])))
        for row in order_links
        if row.link_id in readable
    ]
    for row in rows:
        _log_text_views(request, row.entries)
    registry_selectors.read_links(user, [row.order_link.link for row in rows], ReadChannel.PAGE)
    return render(
        request,
        "portal/evidence/order.html",
        {
            "order": order,
            "rows": rows,
            "hidden_links": len(order_links) - len(rows),
            "per_link": ORDER_CAPTURES_PER_LINK,
            "has_done": any(
                entry.capture.state == CaptureState.DONE for row in rows for entry in row.entries
            ),
        },
    )


def _zip_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def link_package(request, pk: int):
    """The evidence package (evidence.package) of the link's captures the user may read; each
    capture in it logs "downloaded". A POST: a download is an act on the record."""
    link = registry_selectors.links_for(request.user).filter(pk=pk).first()
    if link is None:
        raise Http404(_("No such link, or you may not see it."))
    captures = selectors.captures_for(request.user).filter(link=link)
    if not captures.filter(state=CaptureState.DONE).exists():
        messages.error(request, _("No finished capture to put in a package."))
        return redirect(reverse("portal:link", args=[pk]) + "#captures")
    data = package.build_package(
        captures, user=request.user, action=CustodyAction.DOWNLOADED, channel="portal"
    )
    return _zip_response(data, f"evidence-link-{link.pk}.zip")


@login_required
@require_POST
def order_package(request, pk: int):
    """The evidence package of an order: the captures of its links the user may read, each
    logging "downloaded" with the order."""
    user = request.user
    order = order_selectors.orders_for(user).filter(pk=pk).first()
    if order is None:
        raise Http404(_("No such order, or you may not see it."))
    link_ids = order_selectors.order_links_for(user, order).values("link_id")
    captures = selectors.captures_for(user).filter(link__in=link_ids)
    if not captures.filter(state=CaptureState.DONE).exists():
        messages.error(request, _("No finished capture to put in a package."))
        return redirect("portal:order_evidence", pk=pk)
    data = package.build_package(
        captures, user=user, action=CustodyAction.DOWNLOADED, channel="portal", order=order.pk
    )
    return _zip_response(data, f"evidence-order-{order.pk}.zip")
