"""Captures made by hand for the portal's evidence tests: done captures whose screenshot is
stored the way the pipeline stores it (by hash under evidence/), without taking one."""

import hashlib
import io

from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from evidence import storage
from evidence.choices import ArtifactKind, CaptureReason, CaptureState
from evidence.models import Artifact, Capture

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


def store(capture: Capture, kind: str, data: bytes, content_type: str) -> Artifact:
    sha = storage.put(data)
    return Artifact.objects.create(
        capture=capture, kind=kind, sha256=sha, size=len(data), content_type=content_type
    )


def done_capture(link, text="", png: bytes | None = None, at=None, **fields) -> Capture:
    """A finished, signed capture of `link` with its screenshot (when `png` is given)."""
    at = at or timezone.now()
    capture = Capture.objects.create(
        link=link,
        reason=fields.pop("reason", CaptureReason.ON_DEMAND),
        state=CaptureState.RUNNING,
        requested_at=at,
        started_at=at,
        url=link.url,
        final_url=link.url,
        http_status=200,
        **fields,
    )
    if png is not None:
        store(capture, ArtifactKind.SCREENSHOT, png, "image/png")
    capture.state = CaptureState.DONE
    capture.finished_at = at
    capture.text = text
    capture.manifest = {"files": []}
    capture.manifest_sha256 = hashlib.sha256(text.encode()).hexdigest()
    capture.signature = "c2lnbmF0dXJl"
    capture.save()
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
    """The "evidence" storage under `folder` for this test (its location is fixed at start)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
