"""Captures made by hand for the portal's evidence tests: done captures whose screenshot is
stored the way the pipeline stores it (by hash under evidence/), without taking one."""

import io

from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from evidence import custody, storage
from evidence.canonical import canonical_json, sha256_hex
from evidence.choices import ArtifactKind, CaptureReason, CaptureState, CustodyAction
from evidence.models import Artifact, Capture
from orders import signing

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # Cyrillic; the default font has none


def _font(size: int):
    try:
        return ImageFont.truetype(FONT, size)
    except OSError:
        return ImageFont.load_default(size)


def page_png(colour=(200, 30, 30), size=(800, 1200), words="Captured page") -> bytes:
    """A screenshot-like PNG: a coloured banner with a title, lines of text on white."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0], 160), fill=colour)
    draw.text((40, 55), words, fill="white", font=_font(40))
    body = _font(22)
    for row in range(14):
        draw.text((40, 200 + row * 60), f"{words}: строка {row + 1}", fill="black", font=body)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def done_capture(link, text="", png: bytes | None = None, at=None, **fields) -> Capture:
    """A finished capture of `link` as the pipeline leaves it: its text (and screenshot, when
    `png` is given) stored, named in a manifest signed with the office's key, "taken" in its
    custody log. No WACZ or PDF: nothing was fetched."""
    at = at or timezone.now()
    capture = Capture.objects.create(
        link=link,
        reason=fields.pop("reason", CaptureReason.ON_DEMAND),
        state=CaptureState.RUNNING,
        requested_at=at,
        started_at=at,
        url=link.url,
        **fields,
    )
    files = {ArtifactKind.TEXT: (text.encode(), "text.txt", "text/plain; charset=utf-8")}
    if png is not None:
        files[ArtifactKind.SCREENSHOT] = (png, "screenshot.png", "image/png")
    entries = {
        str(kind): {
            "name": name,
            "sha256": storage.put(data),
            "size": len(data),
            "content_type": content_type,
        }
        for kind, (data, name, content_type) in files.items()
    }
    manifest = {
        "format": "kibernadzor-evidence-manifest/1",
        "capture": capture.pk,
        "url": link.url,
        "final_url": link.url,
        "http_status": 200,
        "started_at": at.isoformat(),
        "finished_at": at.isoformat(),
        "artifacts": entries,
        "public_key_sha256": sha256_hex(signing.public_key_pem()),
    }
    manifest_bytes = canonical_json(manifest)
    capture.state = CaptureState.DONE
    capture.finished_at = at
    capture.final_url = link.url
    capture.http_status = 200
    capture.text = text
    capture.manifest = manifest
    capture.manifest_sha256 = storage.put(manifest_bytes)
    capture.signature = signing.sign_b64(manifest_bytes)
    capture.save()
    for kind, entry in entries.items():
        Artifact.objects.create(
            capture=capture,
            kind=kind,
            sha256=entry["sha256"],
            size=entry["size"],
            content_type=entry["content_type"],
        )
    custody.record(capture, CustodyAction.TAKEN, None, manifest_sha256=capture.manifest_sha256)
    return capture


def failed_capture(link, failure: str) -> Capture:
    return Capture.objects.create(
        link=link,
        reason=CaptureReason.CHANGED,
        state=CaptureState.FAILED,
        failure=failure,
        finished_at=timezone.now(),
    )


def evidence_storage_in(settings, folder) -> None:
    """The "evidence" storage and the office's key under `folder` for this test (the storage's
    location is fixed when settings load)."""
    settings.KBZ_SIGNING_KEY_FILE = folder / "signing" / "office.pem"
    settings.KBZ_SIGNING_KEY_AUTOGENERATE = True
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder / "media")},
        },
    }
