"""Evidence packages (issue 15): one ZIP with everything a court, an expert or a recipient
needs to check a link's or an order's captures offline.

    statement.txt          what was captured, when, by which system, with the hashes (ru, kk)
    public-key.pem         the office's Ed25519 public key (also at /api/v1/feed/public-key.pem)
    tsa-roots.pem          the TSA certificates trusted for the timestamps (when configured)
    SHA256SUMS             every file of the package with its SHA-256
    VERIFY.txt             how to verify: python -m evidence.verify_package <this zip>
    capture-<id>/manifest.json, manifest.sig (base64 Ed25519), timestamp.tsr (RFC 3161),
                 capture.wacz, screenshot.png, page.pdf, text.txt, custody.json

Building a package is itself a custody event ("exported", or "downloaded" when the portal
serves it): it is recorded first, so the package's custody.json includes it.
"""

import hashlib
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from evidence import custody, storage
from evidence.choices import CaptureState, CustodyAction
from evidence.custody import event_payload
from evidence.models import Capture, CustodyEvent
from orders import signing

VERIFY_TEXT = """How to verify this evidence package offline
===========================================

Needs Python 3.11+ and the `cryptography` package (and `rfc3161-client` to check the
timestamps' signatures):

    python -m evidence.verify_package package.zip [--public-key office.pem]

(evidence/verify_package.py is a single file: copy it from the Kibernadzor sources if you do not
have them.) It recomputes the SHA-256 of every file, checks each manifest's Ed25519 signature,
that each file is the one its manifest names, each RFC 3161 timestamp's imprint, and each
custody log's hash chain, and names every file that does not verify. Pin the office's public
key with --public-key (published at /api/v1/feed/public-key.pem): the copy inside the package
proves nothing by itself.
"""

STATEMENT_RU = """Справка о сохранённых доказательствах

Система «Кибернадзор» сохранила содержимое интернет-ресурса(ов), указанного(ых) ниже: страницу
и загружаемые ею ресурсы (архив WACZ), снимок экрана и PDF, изготовленные из этого архива без
обращения к сети, и извлечённый текст. Для каждого файла указана хеш-сумма SHA-256; перечень
файлов (manifest.json) подписан ключом Ed25519 ведомства{tsa_ru}.
"""
STATEMENT_KK = """Сақталған дәлелдемелер туралы анықтама

«Кибернадзор» жүйесі төменде көрсетілген интернет-ресурс(тар)дың мазмұнын сақтады: бетті және
ол жүктейтін ресурстарды (WACZ мұрағаты), желіге жүгінбей осы мұрағаттан жасалған экран
суреті мен PDF, және алынған мәтін. Әр файл үшін SHA-256 хеш-сомасы көрсетілген; файлдар
тізімі (manifest.json) ведомствоның Ed25519 кілтімен қол қойылған{tsa_kk}.
"""


def _local(moment) -> str:
    """A moment as the statement's readers write it: local, day-first, to the second, with
    the offset (the signed manifest keeps the exact ISO form with microseconds and UTC)."""
    if not moment:
        return "—"
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M:%S (UTC%z)")


def _statement(captures: list[Capture], stamped: bool) -> str:
    parts = [
        STATEMENT_RU.format(tsa_ru=" и заверен меткой времени RFC 3161" if stamped else ""),
        STATEMENT_KK.format(tsa_kk=", RFC 3161 уақыт белгісімен расталған" if stamped else ""),
        f"Сформировано / Қалыптастырылды: {_local(timezone.now())}",
        "",
    ]
    for capture in captures:
        manifest = capture.manifest
        parts += [
            f"capture-{capture.pk}",
            f"  Адрес / Мекенжай: {manifest['url']}",
            f"  Итоговый адрес / Соңғы мекенжай: {manifest['final_url']}",
            f"  HTTP: {manifest['http_status']}",
            f"  Начало / Басы: {_local(manifest['started_at'])}",
            f"  Окончание / Соңы: {_local(manifest['finished_at'])}",
            f"  manifest.json SHA-256: {capture.manifest_sha256}",
        ]
        for _kind, entry in sorted(manifest["artifacts"].items()):
            parts.append(f"  {entry['name']} SHA-256: {entry['sha256']} ({entry['size']} B)")
        parts.append("")
    return "\n".join(parts)


def build_package(captures, *, user=None, action=CustodyAction.EXPORTED, **details) -> bytes:
    """The ZIP of these captures (done ones only), after recording `action` by `user` in the
    custody log of each."""
    captures = list(captures.filter(state=CaptureState.DONE).select_related("link").order_by("pk"))
    for capture in captures:
        custody.record(capture, action, user, **details)
    files: dict[str, bytes] = {}
    stamped = False
    for capture in captures:
        folder = f"capture-{capture.pk}"
        files[f"{folder}/manifest.json"] = storage.get(capture.manifest_sha256)
        files[f"{folder}/manifest.sig"] = capture.signature.encode("ascii")
        if capture.timestamp_token is not None:
            files[f"{folder}/timestamp.tsr"] = bytes(capture.timestamp_token)
            stamped = True
        for entry in capture.manifest["artifacts"].values():
            try:
                files[f"{folder}/{entry['name']}"] = storage.get(entry["sha256"])
            except FileNotFoundError:  # a raw archive past its retention (custody says so)
                continue
        events = CustodyEvent.objects.filter(capture=capture.pk).order_by("at", "id")
        log = [
            {**event_payload(event), "prev_sha256": event.prev_sha256, "sha256": event.sha256}
            for event in events
        ]
        files[f"{folder}/custody.json"] = json.dumps(log, ensure_ascii=False, indent=1).encode()
    files["public-key.pem"] = signing.public_key_pem()
    if settings.EVIDENCE_TSA_ROOTS:
        files["tsa-roots.pem"] = Path(settings.EVIDENCE_TSA_ROOTS).read_bytes()
    files["statement.txt"] = _statement(captures, stamped).encode("utf-8")
    files["VERIFY.txt"] = VERIFY_TEXT.encode()
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in files.items())
    files["SHA256SUMS"] = sums.encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def link_package(link, **options) -> bytes:
    return build_package(Capture.objects.filter(link=link), **options)


def order_package(order, **options) -> bytes:
    """Every done capture of the order's links (the order's evidence package)."""
    link_ids = list(order.order_links.values_list("link_id", flat=True))
    return build_package(Capture.objects.filter(link__in=link_ids), order=order.pk, **options)
