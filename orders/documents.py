"""The documents of an order: the submission (представление), the repeated submission and the
restoration notice, in Russian and Kazakh, as DOCX and PDF.

A document is a DOCX template rendered by docxtpl (Jinja inside Word's XML), then drawn again
as a PDF by orders.pdf. The templates shipped in orders/document_templates/ (built by its
build_templates.py) are used unless a prosecutor uploaded an active one of the same kind and
language (DocumentTemplate, in the admin): offices word their documents without a developer.

Why it is built this way:

* **The template sees a plain dict, never a model.** :func:`order_context` reads what the
  document says (numbers, names, dates, defanged URLs) into strings and lists, and the
  template renders in Jinja's *sandboxed* environment: an uploaded template can format that
  data but cannot reach an object, a method or the database (``{{ order.__class__ }}`` and
  the like are refused). ``StrictUndefined`` makes a misspelt variable an error at upload
  rather than a silent blank in a document sent to a ministry.
* **Every URL is defanged** (utilities/defang.py): a document full of extremist links must not
  turn into a page of live links in the recipient's mail client or word processor. Free text
  (the recipient's contacts, the restoration reason) is defanged too.
* **An upload is proved before it is kept**: hostile-file checks first (size, zip bomb,
  DOCTYPE: utilities/uploads.py), then a render of every kind of content against
  :func:`sample_context`; a template that fails is refused with the Jinja error named, and
  nothing is saved.
* **Documents are append-only**: generating again adds new files and rows (the file's SHA-256
  and size recorded); nothing is overwritten or deleted. All four files are rendered before
  anything is written, so a failure leaves neither files nor rows behind.
"""

from __future__ import annotations

import gc
import hashlib
import io
import re
import signal
import threading
from contextlib import contextmanager
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import policy
from checks.models import Check
from orders.choices import DOCUMENT_KIND_OF_ORDER
from orders.errors import OrderNotAllowed, OrderRefused
from orders.models import DocumentTemplate, OrderDocument, OrderLink
from registry.choices import LinkPlatform
from utilities.defang import defang, defang_text
from utilities.uploads import Limits, UnsafeUpload, number, open_zip

DEFAULTS = Path(__file__).resolve().parent / "document_templates"
LANGUAGES = ("ru", "kk")
FORMATS = ("docx", "pdf")
DATE_FORMAT = "%d.%m.%Y"
# An uploaded template is a Word document of a page or two: a few hundred kilobytes at most.
TEMPLATE_MAX_BYTES = 5 * 1024 * 1024
TEMPLATE_LIMITS = Limits(max_uncompressed=50 * 1024 * 1024, max_members=500)
# How long one document may take to render: 1,000 links take well under a second; the sample
# an upload is proved against, an instant.
RENDER_SECONDS = 15
SAMPLE_RENDER_SECONDS = 5


class TemplateRefused(OrderRefused):
    """A template that is refused (hostile, unreadable, or does not render): a ValidationError
    for forms and the admin, a domain error (HTTP 400) for the API. ``reason`` says which:
    ``template_error`` (Jinja), ``template_unreadable``, ``too_slow``, ``unsafe_file``,
    ``too_large``."""

    code = "template_error"

    def __init__(self, message: str, *, reason: str):
        super().__init__(message, field="file", reason=reason)
        self.reason = reason


# --------------------------------------------------------------------------------------------
# Rendering (no database)


def jinja_environment():
    """The sandbox every template renders in (see the module docstring)."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


class _OutOfTime(Exception):
    pass


@contextmanager
def _time_limit(seconds: float):
    """Interrupt the block after ``seconds`` (SIGALRM; in the main thread only, where the web
    and worker processes render). The sandbox bounds what a template may reach, not how long it
    loops: three nested loops over an order's thousand links are a billion iterations, and a
    template that rendered the three-link sample in an instant would hold the process (and
    its memory) for ever.

    An exception raised by a signal handler is swallowed when it lands in a finaliser
    (``__del__``, which the garbage collector runs at any point), and a single alarm lost that
    way would let the loop run on: so the cyclic collector is paused while the block runs
    (a render makes no garbage cycles worth collecting), and the alarm repeats every tenth of a
    second until the block is left."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise _OutOfTime

    collecting = gc.isenabled()
    gc.disable()
    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if collecting:
            gc.enable()


def render_docx(template: bytes, context: dict, *, seconds: float = RENDER_SECONDS) -> bytes:
    """The DOCX ``template`` rendered with ``context``; a ValidationError naming the problem
    (TemplateRefused: the Jinja error, a file docxtpl cannot read, a render that takes longer
    than ``seconds``) when it does not render."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    try:
        with _time_limit(seconds):
            document = DocxTemplate(io.BytesIO(template))
            document.render(context, jinja_environment(), autoescape=True)
            out = io.BytesIO()
            document.save(out)
    except (_OutOfTime, MemoryError):
        raise TemplateRefused(
            _("The template takes more than %(seconds)s seconds to render; simplify its loops.")
            % {"seconds": number(seconds)},
            reason="too_slow",
        ) from None
    except TemplateError as error:
        raise TemplateRefused(
            _("The template does not render: %(error)s (%(kind)s).")
            % {"error": _jinja_message(error), "kind": type(error).__name__},
            reason="template_error",
        ) from None
    except Exception as error:  # noqa: BLE001 - docxtpl/lxml/zipfile raise many kinds
        raise TemplateRefused(
            _("The template is not a DOCX document that can be rendered: %(error)s.")
            % {"error": str(error)[:300] or type(error).__name__},
            reason="template_unreadable",
        ) from None
    return out.getvalue()


def _jinja_message(error) -> str:
    message = getattr(error, "message", None) or str(error)
    return message[:300]


def render_pdf(docx: bytes, *, title: str, language: str) -> bytes:
    from orders.pdf import docx_to_pdf

    return docx_to_pdf(docx, title=title, language=language)


def default_template(kind: str, language: str) -> bytes:
    return (DEFAULTS / f"{kind}_{language}.docx").read_bytes()


def sample_context(kind: str, language: str) -> dict:
    """A made-up order with every field filled in: what an uploaded template is rendered
    against before it is accepted (and what the README's variable list describes)."""
    links = [
        {
            "n": n,
            "url": defang(url),
            "platform": platform,
            "registry_id": str(1000 + n),
            "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "fingerprints": "TLSH T1A2B3C4D5E6F7",
            "checked_at": "01.12.2026 10:15",
            "evidence": "",
        }
        for n, (url, platform) in enumerate(
            [
                ("https://t.me/example_channel/15", "Telegram"),
                ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "YouTube"),
                ("https://example.com/page?id=1", "web"),
            ],
            start=1,
        )
    ]
    return {
        "kind": kind,
        "language": language,
        "number": "ПР-2026/000001",
        "date": "03.12.2026",
        "office": {"name": "Генеральная прокуратура Республики Казахстан", "region": ""},
        "recipient": {
            "name": "Министерство информации",
            "contacts": "г. Астана",
            "email": "",
        },
        "basis": {
            "court_decision": True,
            "court": "Есильский районный суд г. Астаны",
            "case_number": "7199-26-00-2/123",
            "decision_date": "15.11.2026",
            "law_article": "ст. 41-1 п. 1 Закона РК «О связи»",
        },
        "parent": {"number": "ПР-2026/000000", "date": "01.12.2026"},
        "deadline_hours": 24,
        "reason": "решение суда отменено",
        "signatory": {"name": "А. Б. Сериков", "position": "Заместитель Генерального прокурора"},
        "issued_by": {"name": "В. Г. Ахметова", "position": "прокурор"},
        "links": links,
        "link_count": len(links),
    }


def validate_template(data: bytes, kind: str, language: str) -> None:
    """Refuse a template that is hostile or does not render (TemplateRefused naming why)."""
    if len(data) > TEMPLATE_MAX_BYTES:
        raise TemplateRefused(
            _("The template is larger than %(limit)d MB.")
            % {"limit": TEMPLATE_MAX_BYTES // (1024 * 1024)},
            reason="too_large",
        )
    try:
        open_zip(data, TEMPLATE_LIMITS).close()
    except UnsafeUpload as error:
        raise TemplateRefused(error.message, reason="unsafe_file") from None
    rendered = render_docx(data, sample_context(kind, language), seconds=SAMPLE_RENDER_SECONDS)
    render_pdf(rendered, title="sample", language=language)


# --------------------------------------------------------------------------------------------
# Orders


def template_for(kind: str, language: str) -> bytes:
    """The active uploaded template of this kind and language, else the shipped default."""

    uploaded = (
        DocumentTemplate.objects.filter(kind=kind, language=language, active=True)
        .order_by("-uploaded_at", "-id")
        .first()
    )
    if uploaded is not None:
        with uploaded.file.open("rb") as stream:
            return stream.read()
    return default_template(kind, language)


def _localized(obj, field: str, language: str) -> str:
    if obj is None:
        return ""
    return getattr(obj, f"{field}_{language}", "") or getattr(obj, f"{field}_ru", "")


def _person(user) -> dict:
    if user is None:
        return {"name": "", "position": ""}
    return {
        "name": user.get_full_name() or user.get_username(),
        "position": getattr(user, "position", ""),
    }


def _date(value) -> str:
    return value.strftime(DATE_FORMAT) if value else ""


def link_rows(order) -> list[dict]:
    """The order's links as the table rows of its documents: defanged URL, platform, registry
    id, and the evidence of the content (the earliest check that recorded it: its SHA-256 and
    fingerprints). Two queries, whatever the number of links. The platform is its value:
    :func:`order_context` shows its label in the document's language."""

    rows = list(
        OrderLink.objects.filter(order=order)
        .order_by("id")
        .values_list("link_id", "link__url", "link__platform")
    )
    first_checks = {
        check["link_id"]: check
        for check in Check.objects.filter(link_id__in=[row[0] for row in rows])
        .exclude(content_sha256="")
        .order_by("link_id", "checked_at", "id")
        .distinct("link_id")
        .values("link_id", "content_sha256", "tlsh", "pdq", "checked_at")
    }
    result = []
    for n, (link_id, url, platform) in enumerate(rows, start=1):
        check = first_checks.get(link_id) or {}
        fingerprints = "; ".join(
            f"{name} {check[field]}"
            for name, field in (("TLSH", "tlsh"), ("PDQ", "pdq"))
            if check.get(field)
        )
        checked_at = check.get("checked_at")
        result.append(
            {
                "n": n,
                "url": defang(url),
                "platform": platform,
                "registry_id": str(link_id),
                "sha256": check.get("content_sha256", ""),
                "fingerprints": fingerprints,
                "checked_at": timezone.localtime(checked_at).strftime("%d.%m.%Y %H:%M")
                if checked_at
                else "",
                "evidence": "",  # the evidence captures of issue 15, when they exist
            }
        )
    return result


def order_context(order, language: str, links: list[dict] | None = None) -> dict:
    """What a document of ``order`` says, in ``language``, as plain strings and lists."""

    links = link_rows(order) if links is None else links
    with translation.override(language):
        labels = {value: str(label) for value, label in LinkPlatform.choices}
        links = [{**row, "platform": labels.get(row["platform"], row["platform"])} for row in links]
        agency, recipient, decision = order.agency, order.recipient, order.court_decision
        parent = order.parent
        return {
            "kind": _document_kind(order),
            "language": language,
            "number": order.number,
            "date": _date(order.date),
            "office": {
                "name": _localized(agency, "name", language),
                "region": _localized(agency.region, "name", language),
            },
            "recipient": {
                "name": _localized(recipient, "name", language),
                "contacts": defang_text(recipient.contacts),
                "email": recipient.email,
            },
            "basis": {
                "court_decision": decision is not None,
                "court": decision.court if decision else "",
                "case_number": decision.case_number if decision else "",
                "decision_date": _date(decision.decision_date) if decision else "",
                "law_article": order.law_article,
            },
            "parent": {
                "number": parent.number if parent else "",
                "date": _date(parent.date) if parent else "",
            },
            "deadline_hours": recipient.deadline_hours or "",
            "reason": defang_text(order.note),
            "signatory": _person(order.signatory or order.issued_by),
            "issued_by": _person(order.issued_by),
            "links": links,
            "link_count": len(links),
        }


def _document_kind(order) -> str:

    return str(DOCUMENT_KIND_OF_ORDER[order.kind])


def _file_name(order, kind: str, language: str, format_: str) -> str:
    number = re.sub(r"[^0-9A-Za-z]+", "-", order.number).strip("-") or "order"
    return f"order-{order.pk}-{number}-{kind}-{language}.{format_}"


def render_order(order) -> list[tuple[str, str, bytes]]:
    """(language, format, bytes) of every document of the order, rendered in memory."""
    kind = _document_kind(order)
    rows = link_rows(order)
    rendered = []
    for language in LANGUAGES:
        docx = render_docx(template_for(kind, language), order_context(order, language, rows))
        pdf = render_pdf(docx, title=order.number, language=language)
        rendered += [(language, "docx", docx), (language, "pdf", pdf)]
    return rendered


def generate_documents(order, user) -> list:
    """Render the documents of the order (its kind; Russian and Kazakh; DOCX and PDF), store
    them under MEDIA_ROOT with their SHA-256 and size, and return the new OrderDocuments.

    Called by orders.services.send_order; append-only. Raises TemplateRefused (a
    ValidationError; nothing saved) when a template does not render, OrderNotAllowed when the
    user may not act on the order."""

    if not policy.can(user, "change", order):
        raise OrderNotAllowed(_("You may not generate the documents of this order."))
    kind = _document_kind(order)
    rendered = render_order(order)
    now = timezone.now()
    documents, written = [], []
    try:
        with transaction.atomic():
            for language, format_, data in rendered:
                document = OrderDocument(
                    order=order,
                    kind=kind,
                    language=language,
                    format=format_,
                    sha256=hashlib.sha256(data).hexdigest(),
                    size=len(data),
                    generated_at=now,
                    generated_by=user,
                )
                document.file.save(
                    _file_name(order, kind, language, format_), ContentFile(data), save=False
                )
                written.append(document.file)
                documents.append(document)
            OrderDocument.objects.bulk_create(documents)
    except BaseException:
        for file in written:
            file.storage.delete(file.name)
        raise
    return documents


# --------------------------------------------------------------------------------------------
# Templates uploaded by prosecutors


def upload_template(user, *, kind: str, language: str, data: bytes):
    """Keep ``data`` as the active template of ``kind`` and ``language`` once it has proved it
    renders (:func:`validate_template`); the previous active one is deactivated, kept in
    history. Raises TemplateRefused (a ValidationError; nothing saved) or
    OrderNotAllowed."""

    if not policy.can(user, "add", model=DocumentTemplate):
        raise OrderNotAllowed(_("You may not upload document templates."))
    validate_template(data, kind, language)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        for previous in DocumentTemplate.objects.select_for_update().filter(
            kind=kind, language=language, active=True
        ):
            previous.active = False
            previous._history_user = user
            previous.save(update_fields=["active"])
        template = DocumentTemplate(
            kind=kind,
            language=language,
            active=True,
            uploaded_by=user,
            uploaded_at=timezone.now(),
            sha256=digest,
        )
        template._history_user = user
        template.file.save(f"{kind}_{language}_{digest[:12]}.docx", ContentFile(data), save=False)
        try:
            template.save()
        except BaseException:
            template.file.storage.delete(template.file.name)
            raise
    return template


def set_template_active(user, template, active: bool):
    """Make an uploaded template the one in use (the other active one of its kind and language
    is deactivated) or stop using it (the shipped default applies again)."""
    if not policy.can(user, "change", template):
        raise OrderNotAllowed(_("You may not change document templates."))
    with transaction.atomic():
        template = DocumentTemplate.objects.select_for_update().get(pk=template.pk)
        if active:
            for other in (
                DocumentTemplate.objects.select_for_update()
                .filter(kind=template.kind, language=template.language, active=True)
                .exclude(pk=template.pk)
            ):
                other.active = False
                other._history_user = user
                other.save(update_fields=["active"])
        template.active = active
        template._history_user = user
        template.save(update_fields=["active"])
    return template
