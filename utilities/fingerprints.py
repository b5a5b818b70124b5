"""Fingerprints to recognise copies of court-recognised materials and fetched web content.

* Every file: SHA-256 and MD5 of its exact bytes (MD5 only because other registries and hash
  lists still exchange it; it is never used as a security measure).
* Images: PDQ, the perceptual hash Meta publishes and its Hasher-Matcher-Actioner (HMA) uses,
  computed the way ThreatExchange's ``pdq_hasher`` does it: the decoded image as RGB, no resizing
  (except images over 50 megapixels, which are first shrunk to 2048 px for memory), EXIF
  orientation *not* applied, so our hashes can be compared with hash lists made by HMA. The hash is
  64 lowercase hex characters, the quality 0–100.
* Text, HTML and documents (PDF, DOCX, ODT): TLSH (Trend Micro's locality-sensitive hash, the
  ``py-tlsh`` package) of the normalised text (:func:`normalise_text`), plus the SHA-256 of that
  normalised text (``text_sha256``) so the same words match across formats (an HTML page, a PDF,
  a text file). TLSH needs at least 50 bytes with enough variety; otherwise ``tlsh`` is None.
* Video and audio: only SHA-256 and MD5 for now. A perceptual video hash (vPDQ) and audio
  fingerprints are out of scope.

Nothing here imports Django. Uploaded archives, images and PDFs are bounded by
``utilities.uploads`` (declared sizes, compression ratio, DOCTYPE, pixels, pages) before they
are decoded.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser

from utilities import uploads

__all__ = [
    "PDQ_MATCH_THRESHOLD",
    "PDQ_MIN_QUALITY",
    "TLSH_MATCH_THRESHOLD",
    "TLSH_REVIEW_THRESHOLD",
    "Fingerprints",
    "file_fingerprints",
    "html_to_text",
    "normalise_text",
    "pdq_distance",
    "pdq_match",
    "text_fingerprints",
    "tlsh_distance",
    "tlsh_match",
]

# PDQ: two hashes match when their Hamming distance is at most 31 of 256 bits. This is the
# PDQ_CONFIDENT_MATCH_THRESHOLD of Meta's ThreatExchange library, the default of HMA.
PDQ_MATCH_THRESHOLD = 31
# PDQ quality below 50 means a nearly featureless image (flat colour, tiny logo) whose hash
# matches too much; ThreatExchange's video hasher drops frames under the same value
# (VPDQ_CONFIDENT_QUALITY_THRESHOLD = 50). Such hashes are kept but should not raise a match alone.
PDQ_MIN_QUALITY = 50
# TLSH: distance at most 40 is a match. ThreatExchange (HMA) uses 30 for its text and PDF signals
# (TLSH_CONFIDENT_MATCH_THRESHOLD), tuned on mostly Latin text. Russian and Kazakh in UTF-8 have
# less byte variety, so we measured on Russian text (Django's ru translations cut into documents,
# 40 per size): with 3 KB documents, copies with 2–10 edited words were at most 41 apart (90% at
# most 38), while unrelated documents of the same domain were at least 48 apart (median 144);
# with 8 KB documents edits stayed under 20 and unrelated pairs above 65. 40 keeps a margin on
# both sides. Below about 2 KB of text (≈1000 Cyrillic letters) TLSH is unstable (two edited
# words moved some 1 KB documents by over 100): rely on text_sha256 for such short texts.
TLSH_MATCH_THRESHOLD = 40
# Up to 70 (the upper end of the range usually quoted for near-duplicates) texts may be related
# (reworded, cut, extended), but unrelated texts of the same domain occasionally fall this close:
# use it only to put a candidate before a person, never to decide.
TLSH_REVIEW_THRESHOLD = 70

_PDQ_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
_MAX_PIXELS_AS_IS = 50_000_000
_SHRINK_TO = 2048
_MAX_TEXT_BYTES = 50 * 1024 * 1024  # text taken from a document; the rest is not hashed

_IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
)
_IMAGE_EXT = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp"}
_TEXT_EXT = {".txt", ".text", ".md", ".csv", ".json", ".xml", ".htm", ".html", ".xhtml", ".rtf"}
_HTML_EXT = {".htm", ".html", ".xhtml"}


@dataclass(frozen=True)
class Fingerprints:
    sha256: str  # hex of the exact bytes (of the normalised text for text_fingerprints)
    md5: str  # hex, same input as sha256
    kind: str  # "image" | "text" | "pdf" | "other"
    pdq: str | None = None  # 64 hex characters, images only
    pdq_quality: int = 0  # 0–100; below PDQ_MIN_QUALITY the hash is unreliable
    tlsh: str | None = None  # "T1" + 70 hex characters, text/pdf with enough text
    text_sha256: str | None = None  # SHA-256 of the normalised text, text/pdf only
    size: int = 0  # bytes of the input (of the normalised UTF-8 text for text_fingerprints)


# --------------------------------------------------------------------------------------------
# Text


def normalise_text(text: str) -> str:
    """NFKC, casefold, every run of whitespace one space, trimmed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", text).strip()


class _TextExtractor(HTMLParser):
    _SKIP = {"script", "style", "noscript", "template", "svg", "head"}
    _BLOCK = {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "td",
        "th",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "blockquote",
        "pre",
        "title",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skip_depth += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self.skip_depth:
            self.skip_depth -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Visible text of an HTML page (no scripts, styles or <head>), blocks on their own lines.

    Use it on fetched pages before :func:`text_fingerprints` so that a page and a stored copy of
    it are hashed alike.
    """
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # HTMLParser is lenient; be safe with pathological input
        return html.unescape(re.sub(r"<[^>]*>", " ", markup))
    return "".join(parser.parts)


def _tlsh(normalised: str) -> str | None:
    import tlsh  # noqa: PLC0415 - a C extension: load it only when text is hashed

    data = normalised.encode("utf-8")[:_MAX_TEXT_BYTES]
    if len(data) < 50:
        return None
    value = tlsh.hash(data)
    return None if not value or value == "TNULL" else value


def text_fingerprints(text: str) -> Fingerprints:
    """Fingerprints of a text (e.g. a fetched page after :func:`html_to_text`).

    ``sha256``/``md5``/``text_sha256`` are of the normalised text's UTF-8 bytes, so they equal
    the ``text_sha256`` of a file holding the same words; ``tlsh`` is None for short texts.
    """
    normalised = normalise_text(text)
    data = normalised.encode("utf-8")
    sha256 = hashlib.sha256(data).hexdigest()
    return Fingerprints(
        sha256=sha256,
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        kind="text",
        tlsh=_tlsh(normalised),
        text_sha256=sha256,
        size=len(data),
    )


def _decode_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251", "replace")


def _looks_like_text(data: bytes) -> bool:
    sample = data[:8192]
    if not sample or sample.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return bool(sample)
    if b"\x00" in sample:
        return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls <= len(sample) // 100


# --------------------------------------------------------------------------------------------
# Documents


def _pdf_text(data: bytes, limits: uploads.Limits) -> str | None:
    """The text of a PDF's pages; UnsafeUpload when it declares more than
    ``limits.max_pdf_pages`` pages (read from the page tree's /Count before any page is
    loaded). pypdf's own limits (75 MB a decoded stream) bound each stream."""
    from pypdf import PdfReader  # noqa: PLC0415 - a missing requirement must fail loudly

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                return None
            declared = reader.trailer["/Root"]["/Pages"].get("/Count", 0)
            if isinstance(declared, int) and declared > limits.max_pdf_pages:
                raise uploads.UnsafeUpload(
                    uploads._("The PDF declares %(pages)s pages; at most %(limit)s are read.")
                    % {
                        "pages": uploads.number(int(declared)),
                        "limit": uploads.number(limits.max_pdf_pages),
                    },
                    field="file",
                )
            parts: list[str] = []
            size = 0
            for page in reader.pages[: limits.max_pdf_pages]:
                part = page.extract_text() or ""
                parts.append(part)
                size += len(part)
                if size > _MAX_TEXT_BYTES:
                    break
            return "\n".join(parts)
    except uploads.UnsafeUpload:
        raise
    except Exception:  # malformed PDFs raise anything
        return None


_PARAGRAPHS = {
    "word/document.xml": {"{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p"},
    "content.xml": {
        "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}p",
        "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}h",
    },
}


def _office_text(data: bytes, limits: uploads.Limits) -> str | None:
    """Text of a DOCX (word/document.xml) or ODT (content.xml), or None when it is neither.

    The archive is checked first (utilities.uploads: declared sizes, ratio, no DOCTYPE;
    UnsafeUpload otherwise), then the document is streamed, not loaded: a few hundred
    kilobytes of DOCX can declare a gigabyte of XML."""
    try:
        archive = uploads.open_zip(data, limits)
    except uploads.UnsafeUpload:
        if not _is_zip(data):
            return None
        raise
    with archive:
        for name, paragraphs in _PARAGRAPHS.items():
            if name in archive.NameToInfo:
                try:
                    return uploads.xml_text(archive, name, paragraphs, max_chars=_MAX_TEXT_BYTES)
                except uploads.UnsafeUpload:
                    raise
                except (SyntaxError, zipfile.BadZipFile, OSError, ValueError, RuntimeError):
                    return None  # ParseError is a SyntaxError
    return None


def _is_zip(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    return True


# --------------------------------------------------------------------------------------------
# Images


def _pdq(data: bytes, limits: uploads.Limits) -> tuple[str, int] | None:
    # Imported here, not at the top, so text-only callers do not load them; a missing
    # requirement raises ImportError instead of silently giving no PDQ.
    import numpy as np  # noqa: PLC0415 - pdqhash needs it but does not declare it
    import pdqhash  # noqa: PLC0415
    from PIL import Image  # noqa: PLC0415

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as image:
                # Image.open reads only the header: refuse a decompression bomb before decoding.
                if image.width * image.height > limits.max_pixels:
                    raise _too_many_pixels(image.width, image.height, limits)
                image.seek(0)  # first frame of an animation
                if image.width * image.height > _MAX_PIXELS_AS_IS:
                    image.draft("RGB", (_SHRINK_TO, _SHRINK_TO))  # cheap JPEG downscale
                    image.thumbnail((_SHRINK_TO, _SHRINK_TO))
                rgb = image.convert("RGB")
        array = np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))
        if array.ndim != 3 or array.shape[0] < 1 or array.shape[1] < 1:
            return None
        vector, quality = pdqhash.compute(array)
    except uploads.UnsafeUpload:
        raise
    except Image.DecompressionBombError:  # past twice Image.MAX_IMAGE_PIXELS, at open
        raise _too_many_pixels(0, 0, limits) from None
    except Exception:  # not an image, truncated…
        return None
    bits = "".join("1" if b else "0" for b in vector)
    return f"{int(bits, 2):064x}", int(quality)


def _too_many_pixels(width: int, height: int, limits: uploads.Limits) -> uploads.UnsafeUpload:
    if width and height:
        message = uploads._(
            "The image is %(width)s × %(height)s pixels; at most %(limit)s pixels are read."
        ) % {
            "width": uploads.number(width),
            "height": uploads.number(height),
            "limit": uploads.number(limits.max_pixels),
        }
    else:
        message = uploads._("The image has more than %(limit)s pixels.") % {
            "limit": uploads.number(limits.max_pixels)
        }
    return uploads.UnsafeUpload(message, field="file")


# --------------------------------------------------------------------------------------------
# Files


def _ext(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower() if dot != -1 else ""


def file_fingerprints(
    data: bytes,
    filename: str = "",
    content_type: str = "",
    *,
    limits: uploads.Limits | None = None,
    strict: bool = False,
) -> Fingerprints:
    """Fingerprints of a file's bytes. ``filename`` and ``content_type`` are hints only: the
    bytes' own signature decides first (a PNG named .txt is hashed as an image).

    ``kind`` is "image" (PDQ), "pdf" (TLSH of its text), "text" (plain text, HTML, DOCX, ODT:
    TLSH of the text) or "other" (video, audio, archives…: SHA-256 and MD5 only).

    A file past ``limits`` (utilities.uploads: an archive that unpacks too far or declares a
    DOCTYPE, an image of too many pixels, a PDF of too many pages) raises UnsafeUpload when
    ``strict`` (an upload: the user is told why); otherwise (fetched content) only its SHA-256
    and MD5 are taken.
    """
    limits = limits or uploads.Limits()
    try:
        return _file_fingerprints(bytes(data), filename, content_type, limits)
    except uploads.UnsafeUpload:
        if strict:
            raise
        return Fingerprints(
            kind="other",
            sha256=hashlib.sha256(data).hexdigest(),
            md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
            size=len(data),
        )


def _file_fingerprints(
    data: bytes, filename: str, content_type: str, limits: uploads.Limits
) -> Fingerprints:
    base = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        "size": len(data),
    }
    ctype = content_type.split(";")[0].strip().lower()
    ext = _ext(filename)

    if data.startswith(b"%PDF-") or (ctype == "application/pdf" and b"%PDF-" in data[:1024]):
        text = _pdf_text(data, limits)
        return _with_text(base, "pdf", text)

    is_image_hint = ctype.startswith("image/") or ext in _IMAGE_EXT
    webp = data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if data.startswith(_IMAGE_MAGIC) or webp or (is_image_hint and not _looks_like_text(data)):
        pdq = _pdq(data, limits)
        if pdq is not None:
            return Fingerprints(kind="image", pdq=pdq[0], pdq_quality=pdq[1], **base)
        return Fingerprints(kind="other", **base)

    if data.startswith(b"PK\x03\x04"):
        office = _office_text(data, limits)
        if office is not None:
            return _with_text(base, "text", office)
        return Fingerprints(kind="other", **base)

    media = ctype.startswith(("video/", "audio/"))
    if not media and _looks_like_text(data):
        text = _decode_text(data)
        is_html = ctype in ("text/html", "application/xhtml+xml") or ext in _HTML_EXT
        if not is_html and not ctype and not ext:
            is_html = bool(re.match(r"\s*(?:<!doctype html|<html)", text[:1024], re.IGNORECASE))
        if is_html:
            text = html_to_text(text)
        hinted = (
            ctype.startswith("text/")
            or ctype in ("application/json", "application/xml")
            or ext in _TEXT_EXT
            or (not ext and ctype in ("", "application/octet-stream"))
        )
        if hinted or is_html:
            return _with_text(base, "text", text)
    return Fingerprints(kind="other", **base)


def _with_text(base: dict, kind: str, text: str | None) -> Fingerprints:
    if text is None:
        return Fingerprints(kind=kind, **base)
    normalised = normalise_text(text)
    if not normalised:
        return Fingerprints(kind=kind, **base)
    return Fingerprints(
        kind=kind,
        tlsh=_tlsh(normalised),
        text_sha256=hashlib.sha256(normalised.encode("utf-8")).hexdigest(),
        **base,
    )


# --------------------------------------------------------------------------------------------
# Distances


def pdq_distance(a_hex: str, b_hex: str) -> int:
    """Hamming distance (0–256) of two PDQ hashes in hex. ValueError if either is malformed."""
    if not (_PDQ_HEX.match(a_hex or "") and _PDQ_HEX.match(b_hex or "")):
        raise ValueError("a PDQ hash is 64 hexadecimal characters")
    return (int(a_hex, 16) ^ int(b_hex, 16)).bit_count()


def pdq_match(a_hex: str, b_hex: str, threshold: int = PDQ_MATCH_THRESHOLD) -> bool:
    return pdq_distance(a_hex, b_hex) <= threshold


def tlsh_distance(a: str, b: str) -> int:
    """TLSH distance (0 = identical; unbounded above, length difference included).

    ValueError if either is not a TLSH hash.
    """
    import tlsh  # noqa: PLC0415

    if not a or not b or a == "TNULL" or b == "TNULL":
        raise ValueError("not a TLSH hash")
    return int(tlsh.diff(a, b))


def tlsh_match(a: str, b: str, threshold: int = TLSH_MATCH_THRESHOLD) -> bool:
    return tlsh_distance(a, b) <= threshold
