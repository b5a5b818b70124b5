"""Hostile uploads refused before they are read: one place for the archive and XML defences.

Every file a user uploads that is a zip underneath (the registry's XLSX of links, the official
list of materials, a DOCX/ODT/XLSX checked against the banned materials) goes through here
first, because a few hundred kilobytes can unpack to gigabytes:

* :func:`open_zip` reads only the zip's own directory (``zipfile``'s ``ZipInfo``) and refuses
  an archive whose members declare more than ``max_uncompressed`` bytes together, or whose
  large members are compressed more than ``max_ratio`` times (a real sheet or document is
  10–20×; a bomb is hundreds). CPython's zipfile never inflates a member past its declared
  size, and :func:`read_member` streams what is read under a byte budget as well, so the
  declared sizes bound what is actually read.
* Every XML member is opened with defusedxml with ``forbid_dtd=True`` and read up to its root
  element: a DOCTYPE (and so any entity: "billion laughs", external entities) is refused
  before anything else is parsed. openpyxl itself parses with defusedxml once it is installed
  (``openpyxl.DEFUSEDXML``; ``defusedxml`` is in requirements.txt), so nothing it reads later
  can expand entities either.
* :func:`check_xlsx` reads each worksheet's declared size (``<dimension ref="A1:B1000000">``,
  the first element before the cells) and refuses a sheet that claims more rows or columns
  than the caller takes; :func:`sheet_rows` streams rows (openpyxl ``read_only``) and stops at
  the first row past the limit, for sheets that declare nothing or lie.
* :func:`heavy_job_slot` bounds how many heavy jobs (fingerprinting a file, parsing a workbook)
  run at once across every web process, with PostgreSQL advisory locks: ``KBZ_HEAVY_JOB_SLOTS``
  slots; when all are taken the caller gets :class:`Busy` (HTTP 503 with ``Retry-After``)
  instead of a queue that lets a few requests take the machine's memory.

Each refusal is an :class:`UnsafeUpload` whose message names what is wrong, with the figures
("the sheet declares 1,000,000 rows; at most 100,001 are read").
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from kibernadzor.errors import DomainError

MiB = 1024 * 1024
# A member smaller than this is never refused for its ratio: tiny XML parts of a normal file
# (styles, an empty sheet) compress very well, and cost nothing to read.
RATIO_FLOOR = 1 * MiB
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 64 * 1024
# Classid of the advisory locks that are the heavy-job slots (objid = slot number); an
# arbitrary constant, "KBZ1" in ASCII, that no other lock in the system uses.
HEAVY_JOB_LOCK_CLASS = 0x4B425A31


class UnsafeUpload(DomainError):
    """The file is refused before it is read: it would cost far more than its size."""

    http_status = 400
    code = "unsafe_file"


class Busy(DomainError):
    """Every heavy-job slot is taken; try again after ``retry_after`` seconds."""

    http_status = 503
    code = "busy"

    def __init__(self, message: str, *, retry_after: int, **details):
        super().__init__(message, **details)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


@dataclass(frozen=True)
class Limits:
    """What an uploaded archive may cost. The defaults are the settings' defaults."""

    max_uncompressed: int = 100 * MiB  # all members together, as declared
    max_ratio: int = 100  # uncompressed / compressed, for members past RATIO_FLOOR
    max_members: int = 10_000
    max_pixels: int = 50_000_000  # an image's width × height
    max_pdf_pages: int = 2000

    @classmethod
    def from_settings(cls) -> Limits:
        from django.conf import settings

        return cls(
            max_uncompressed=settings.KBZ_UPLOAD_MAX_UNCOMPRESSED,
            max_ratio=settings.KBZ_UPLOAD_MAX_RATIO,
            max_pixels=settings.KBZ_UPLOAD_MAX_PIXELS,
            max_pdf_pages=settings.KBZ_UPLOAD_MAX_PDF_PAGES,
        )


def _(message: str) -> str:
    """Translated when Django is set up (always, in the web and worker processes)."""
    try:
        from django.utils.translation import gettext

        return gettext(message)
    except Exception:  # noqa: BLE001 - no settings: a plain script using fingerprints
        return message


def number(value: int) -> str:
    """1000000 as "1,000,000" ("1 000 000" in Russian): figures people read at a glance."""
    try:
        from django.utils.formats import number_format

        return number_format(value, force_grouping=True)
    except Exception:  # noqa: BLE001 - no settings
        return f"{value:,}"


def megabytes(size: int) -> str:
    return number(-(-size // MiB))


# --------------------------------------------------------------------------------------------
# Archives


def open_zip(
    data: bytes | BinaryIO,
    limits: Limits,
    *,
    max_rows: int | None = None,
    max_columns: int | None = None,
) -> zipfile.ZipFile:
    """The archive, checked by its directory and its XML prologues before any member is read;
    with ``max_rows``/``max_columns``, a workbook whose sheets declare more is refused too
    (and told so before its compression ratio, which says less to the user).

    Raises UnsafeUpload naming the first problem; the caller closes the archive.
    """
    import io

    source = io.BytesIO(data) if isinstance(data, bytes | bytearray | memoryview) else data
    try:
        archive = zipfile.ZipFile(source)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise UnsafeUpload(_("The file is not a readable zip archive."), field="file") from None
    try:
        check_sizes(infos, limits)
        for info in infos:
            if info.filename.lower().endswith(_XML_SUFFIXES):
                refuse_doctype(archive, info)
        if max_rows is not None or max_columns is not None:
            check_xlsx(archive, max_rows=max_rows or 1048576, max_columns=max_columns or 16384)
        check_ratio(infos, limits)
    except BaseException:
        archive.close()
        raise
    return archive


def check_sizes(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse by the sizes the archive declares: member count and total."""
    if len(infos) > limits.max_members:
        raise UnsafeUpload(
            _("The archive holds %(count)s files; at most %(limit)s are read.")
            % {"count": number(len(infos)), "limit": number(limits.max_members)},
            field="file",
        )
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed:
        raise UnsafeUpload(
            _("The file unpacks to %(size)s MB; at most %(limit)s MB are read.")
            % {"size": megabytes(total), "limit": megabytes(limits.max_uncompressed)},
            field="file",
        )


def check_ratio(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse a large member compressed far more than real documents are."""
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > limits.max_ratio:
            raise UnsafeUpload(
                _(
                    "The part %(name)s of the file is compressed %(ratio)s times (%(size)s MB "
                    "unpacked); at most %(limit)s times is accepted."
                )
                % {
                    "name": info.filename[:80],
                    "ratio": number(int(ratio)),
                    "size": megabytes(info.file_size),
                    "limit": number(limits.max_ratio),
                },
                field="file",
            )


def refuse_doctype(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Parse the member up to its root element with DTDs forbidden: a DOCTYPE comes before
    the root, so this refuses it (and every entity it could declare) at the cost of a few
    bytes."""
    with archive.open(info) as stream:
        try:
            events = iterparse(stream, events=("start",), forbid_dtd=True)
            next(events, None)
        except DefusedXmlException:
            raise UnsafeUpload(
                _(
                    "The part %(name)s of the file declares a DOCTYPE (XML entities); such "
                    "files are not read."
                )
                % {"name": info.filename[:80]},
                field="file",
            ) from None
        except (ParseError, zipfile.BadZipFile, OSError, EOFError, ValueError):
            raise UnsafeUpload(
                _("The part %(name)s of the file is not well-formed XML.")
                % {"name": info.filename[:80]},
                field="file",
            ) from None


class _Budget:
    """A read-only stream that refuses to give more than ``budget`` bytes."""

    def __init__(self, stream: BinaryIO, budget: int, name: str) -> None:
        self.stream, self.left, self.name = stream, budget, name

    def read(self, size: int = -1) -> bytes:
        size = _CHUNK if size is None or size < 0 else min(size, _CHUNK)
        chunk = self.stream.read(size)
        self.left -= len(chunk)
        if self.left < 0:
            raise UnsafeUpload(
                _("The part %(name)s of the file unpacks to more than it declares.")
                % {"name": self.name[:80]},
                field="file",
            )
        return chunk


@contextmanager
def open_member(archive: zipfile.ZipFile, name: str, budget: int) -> Iterator[BinaryIO]:
    """A member as a stream that stops at its declared size or ``budget``, the smaller."""
    info = archive.getinfo(name)
    with archive.open(info) as stream:
        yield _Budget(stream, min(info.file_size, budget), name)  # type: ignore[misc]


def xml_text(archive: zipfile.ZipFile, name: str, paragraphs: set[str], *, max_chars: int) -> str:
    """The text of an XML member's paragraph elements in document order, a line break after
    each, streamed (lxml's iterparse, each paragraph dropped once read) and cut at
    ``max_chars``. :func:`open_zip` has refused a DOCTYPE already; entities stay unresolved
    and the network unused all the same."""
    from lxml import etree

    parts: list[str] = []
    size = 0
    with open_member(archive, name, archive.getinfo(name).file_size) as stream:
        events = etree.iterparse(
            stream,
            events=("end",),
            tag=list(paragraphs),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
        )
        for _event, element in events:
            text = "".join(element.itertext())
            parts.append(text)
            parts.append("\n")
            size += len(text) + 1
            element.clear(keep_tail=True)
            while element.getprevious() is not None:  # read siblings: drop them
                del element.getparent()[0]
            if size > max_chars:
                break
    return "".join(parts)[:max_chars]


# --------------------------------------------------------------------------------------------
# Workbooks


def check_xlsx(archive: zipfile.ZipFile, *, max_rows: int, max_columns: int) -> None:
    """Refuse a workbook whose sheets declare more rows or columns than the caller reads."""
    from openpyxl.utils.cell import range_boundaries

    for info in archive.infolist():
        name = info.filename
        if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
            continue
        ref = _declared_dimension(archive, info)
        if not ref:
            continue
        try:
            _min_col, _min_row, last_column, last_row = range_boundaries(ref.split(":")[-1])
        except (ValueError, TypeError):
            continue  # a dimension openpyxl cannot read: the row count is checked as it streams
        if last_row and last_row > max_rows:
            raise UnsafeUpload(
                _("The sheet declares %(rows)s rows (%(ref)s); at most %(limit)s are read.")
                % {"rows": number(last_row), "ref": ref[:40], "limit": number(max_rows)},
                field="file",
            )
        if last_column and last_column > max_columns:
            raise UnsafeUpload(
                _("The sheet declares %(columns)s columns (%(ref)s); at most %(limit)s are read.")
                % {"columns": number(last_column), "ref": ref[:40], "limit": number(max_columns)},
                field="file",
            )


def _declared_dimension(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    """The ``ref`` of the sheet's <dimension>, read without reaching its cells."""
    with archive.open(info) as stream:
        try:
            for _event, element in iterparse(stream, events=("start",), forbid_dtd=True):
                local = element.tag.rsplit("}", 1)[-1]
                if local == "dimension":
                    return element.get("ref")
                if local == "sheetData":
                    return None
        except (DefusedXmlException, ParseError):
            return None  # refused or reported by open_zip / the reader
    return None


def sheet_rows(sheet: Any, *, max_rows: int) -> Iterator[tuple[int, tuple]]:
    """(row number, values) of a read-only openpyxl sheet, refused at the first row past
    ``max_rows`` (the rows are streamed: nothing before is kept here).

    The sheet's declared dimension is dropped first: it was checked by :func:`check_xlsx`, and
    a read-only sheet would otherwise stop at a dimension that claims too few rows and pad
    every row to one that claims too many columns."""
    sheet.reset_dimensions()
    for number_, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number_ > max_rows:
            raise UnsafeUpload(
                _("The sheet has more than %(limit)s rows; at most %(limit)s are read.")
                % {"limit": number(max_rows)},
                field="file",
            )
        yield number_, values


# --------------------------------------------------------------------------------------------
# Heavy jobs


@contextmanager
def heavy_job_slot() -> Iterator[None]:
    """Hold one of ``KBZ_HEAVY_JOB_SLOTS`` slots shared by every process while a heavy job
    runs, or raise Busy at once. The slots are PostgreSQL session advisory locks, so a process
    that dies frees its slot with its connection. Hold no database writes inside (the unlock
    must run in a usable connection). KBZ_HEAVY_JOB_SLOTS 0 sets no bound."""
    from django.conf import settings
    from django.db import DatabaseError, connection

    slots = settings.KBZ_HEAVY_JOB_SLOTS
    if slots <= 0:
        yield
        return
    taken = None
    with connection.cursor() as cursor:
        for slot in range(slots):
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [HEAVY_JOB_LOCK_CLASS, slot])
            if cursor.fetchone()[0]:
                taken = slot
                break
    if taken is None:
        retry = settings.KBZ_HEAVY_JOB_RETRY_AFTER
        raise Busy(
            _("Too many files are being checked right now; try again in %(seconds)s seconds.")
            % {"seconds": retry},
            retry_after=retry,
        )
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [HEAVY_JOB_LOCK_CLASS, taken])
        except DatabaseError:
            connection.close()  # closing the session frees the lock


def configure_libraries(limits: Limits) -> None:
    """Set the libraries' own bomb limits deliberately (called once at start-up)."""
    from PIL import Image

    # Pillow warns past MAX_IMAGE_PIXELS and refuses past twice it; ours is the one place that
    # decides, and fingerprints refuses past it before decoding anything.
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
