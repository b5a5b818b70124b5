"""Hostile files, built small on disk, for the upload defences' tests (utilities.uploads).

Each is what an attacker with an ordinary account can upload: a workbook whose sheet declares
or holds a million rows in a few hundred kilobytes, a workbook with a DOCTYPE and entities
(billion laughs), a DOCX that unpacks to 120 MB, a PNG of 64 or 900 megapixels, a PDF that
declares a million pages. tracemalloc measures what refusing them costs in the test process.
"""

import io
import struct
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable, Iterable

MiB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def peak_allocation(call: Callable[[], object]) -> tuple[object, int]:
    """(what ``call`` returned, or the exception it raised; the peak bytes it allocated)."""
    tracemalloc.start()
    try:
        try:
            result = call()
        except Exception as error:  # noqa: BLE001 - the caller asserts on it
            result = error
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _workbook_without_sheet() -> dict[str, bytes]:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "url"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name != SHEET}


def xlsx(sheet_chunks: Iterable[bytes]) -> bytes:
    """A valid workbook whose first sheet's XML is the given chunks, streamed into the zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in _workbook_without_sheet().items():
            archive.writestr(name, content)
        with archive.open(SHEET, "w", force_zip64=True) as sheet:
            for chunk in sheet_chunks:
                sheet.write(chunk)
    return buffer.getvalue()


def sheet_xml(rows: int, *, dimension: str | None = None, row: bytes = b"") -> Iterable[bytes]:
    """A sheet of ``rows`` tiny rows (a number each, or ``row``), with a <dimension> if given."""
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{SHEET_NS}">'.encode()
    if dimension:
        yield f'<dimension ref="{dimension}"/>'.encode()
    yield b"<sheetData>"
    row = row or b"<row><c><v>1</v></c></row>"
    block = row * 10_000
    for _ in range(rows // 10_000):
        yield block
    yield row * (rows % 10_000)
    yield b"</sheetData></worksheet>"


def million_row_xlsx(*, dimension: str | None = "A1:B1000000") -> bytes:
    """1,000,000 tiny rows; about 100 KB on disk."""
    return xlsx(sheet_xml(1_000_000, dimension=dimension))


def billion_laughs_xlsx() -> bytes:
    """A sheet with a DOCTYPE whose nested entities expand to 10⁹ "lol"s."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">'
        for n in range(1, 10)
    )
    sheet = (
        f'<?xml version="1.0"?>\n<!DOCTYPE worksheet [{entities}]>'
        f'<worksheet xmlns="{SHEET_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr">'
        "<is><t>&lol9;</t></is></c></row></sheetData></worksheet>"
    )
    return xlsx([sheet.encode()])


def docx_bomb(unpacked: int = 120 * MiB) -> bytes:
    """A DOCX whose document.xml is ``unpacked`` bytes of one-letter paragraphs (~120 KB)."""
    buffer = io.BytesIO()
    paragraph = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>"
    block = paragraph * (MiB // len(paragraph))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as document:
            document.write(f'<w:document xmlns:w="{W_NS}"><w:body>'.encode())
            written = 0
            while written < unpacked:
                document.write(block)
                written += len(block)
            document.write(b"</w:body></w:document>")
    return buffer.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int, height: int) -> bytes:
    """A black greyscale PNG of width × height; its IDAT is a few hundred kilobytes at most."""
    compressor = zlib.compressobj(9)
    line = b"\x00" * (width + 1)  # filter byte + one byte a pixel
    data = b"".join(compressor.compress(line) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return png_chunks(header, data)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width × height and holds no pixels (Pillow reads only the header)."""
    return png_chunks(struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0), zlib.compress(b""))


def png_chunks(header: bytes, data: bytes) -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


def pdf_declaring_pages(count: int) -> bytes:
    """A one-page PDF whose page tree declares ``count`` pages."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, NumberObject

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer._root_object["/Pages"].get_object()[NameObject("/Count")] = NumberObject(count)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
