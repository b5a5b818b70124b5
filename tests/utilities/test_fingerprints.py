"""Fingerprints: exact hashes, PDQ for images, TLSH for text. No database."""

import hashlib
import io
import random

import pytest
from PIL import Image, ImageDraw

from utilities import fingerprints as fp

# Two unrelated texts of about 3 KB each: TLSH is stable from a few kilobytes of text up.
RULES = """Настоящее положение определяет порядок работы комиссии по рассмотрению обращений граждан
и организаций, поступивших в письменной или электронной форме. Комиссия собирается не реже одного
раза в месяц, а при большом числе обращений чаще, по решению председателя. Секретарь комиссии
ведёт журнал учёта, в который вносятся дата поступления обращения, фамилия и адрес заявителя,
краткое содержание вопроса, фамилия исполнителя и сведения о принятом решении. Ответ направляется
заявителю в течение пятнадцати рабочих дней со дня регистрации обращения. Если вопрос требует
дополнительной проверки или запроса документов в других органах, срок может быть продлён не более
чем на тридцать дней, о чём заявителю сообщается письменно с указанием причин. Обращение, в
котором не указаны фамилия заявителя и адрес для ответа, не рассматривается, за исключением
случаев, когда в нём сообщается о готовящемся преступлении. Повторные обращения по вопросу, на
который заявителю уже дан исчерпывающий ответ, могут быть оставлены без рассмотрения по решению
председателя комиссии. Протоколы заседаний подписываются председателем и секретарём и хранятся в
течение пяти лет, после чего передаются в архив в установленном порядке. Члены комиссии обязаны
соблюдать конфиденциальность сведений о частной жизни заявителей, ставших им известными в связи с
рассмотрением обращений. Контроль за исполнением решений комиссии возлагается на заместителя
председателя, который ежеквартально докладывает о результатах на общем собрании сотрудников.
Заявитель вправе знакомиться с материалами, касающимися рассмотрения его обращения, если это не
затрагивает права и законные интересы других лиц и не содержит сведений, составляющих охраняемую
законом тайну. Решение комиссии может быть обжаловано в вышестоящий орган или в суд."""

MOUNTAINS = """Погода в горах меняется быстро: утром светит солнце, а к обеду над перевалом
собираются тучи и может пойти мокрый снег. Опытные туристы берут с собой тёплую одежду даже
летом, запас воды, фонарь с новыми батарейками и аптечку, а перед выходом сообщают спасателям
маршрут и время возвращения. На открытых гребнях часто дует сильный ветер, поэтому палатки
ставят в укрытиях, за большими камнями или в редком лесу у верхней границы деревьев. Лучшее
время для походов по Заилийскому Алатау — конец лета и начало осени, когда реки мелеют после
таяния ледников, а тропы становятся сухими и надёжными. Переходить горные реки безопаснее рано
утром, пока вода холодная и её уровень ниже, чем днём. Новичкам советуют начинать с
однодневных маршрутов к озёрам и водопадам, постепенно увеличивая высоту и протяжённость
переходов. На высоте более трёх тысяч метров многие чувствуют головную боль и слабость: это
признаки горной болезни, и лучшее средство от неё — спуститься ниже и отдохнуть. Собирая
рюкзак, тяжёлые вещи кладут ближе к спине, а то, что может понадобиться в пути, — в верхний
клапан. Костры разводят только в разрешённых местах и тщательно заливают водой перед уходом.
Мусор уносят с собой: в горах он разлагается десятилетиями. Встречая диких животных, не
пытаются их кормить или фотографировать вблизи, а спокойно уходят в сторону. Вечером у палатки
хорошо видны звёзды, и если повезёт, можно заметить, как над хребтом пролетает спутник,
медленно пересекая небо с запада на восток."""


def scene(seed: int, size=(640, 480)) -> Image.Image:
    """A deterministic picture with structure: a gradient and a dozen random shapes."""
    rnd = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        shade = int(255 * y / height)
        draw.line([(0, y), (width, y)], fill=(shade, 80, 255 - shade))
    for _ in range(12):
        x0, y0 = rnd.randrange(width), rnd.randrange(height)
        box = [x0, y0, x0 + rnd.randrange(40, 250), y0 + rnd.randrange(40, 250)]
        colour = tuple(rnd.randrange(256) for _ in range(3))
        (draw.ellipse if rnd.random() < 0.5 else draw.rectangle)(box, fill=colour)
    return image


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def test_resized_jpeg_copy_matches_and_unrelated_image_does_not():
    original = scene(1)
    png = fp.file_fingerprints(encode(original, "PNG"), "original.png", "image/png")
    copy_bytes = encode(original.resize((320, 240), Image.Resampling.LANCZOS), "JPEG", quality=50)
    copy = fp.file_fingerprints(copy_bytes, "copy.jpg")
    other = fp.file_fingerprints(encode(scene(2), "PNG"), "other.png")

    assert png.kind == copy.kind == other.kind == "image"
    assert len(png.pdq) == 64 and int(png.pdq, 16) >= 0
    assert png.pdq_quality >= fp.PDQ_MIN_QUALITY
    assert png.sha256 != copy.sha256  # different bytes, same picture
    assert fp.pdq_distance(png.pdq, copy.pdq) <= fp.PDQ_MATCH_THRESHOLD
    assert fp.pdq_match(png.pdq, copy.pdq)
    assert fp.pdq_distance(png.pdq, other.pdq) > fp.PDQ_MATCH_THRESHOLD
    assert not fp.pdq_match(png.pdq, other.pdq)


def test_flat_image_has_low_quality():
    flat = fp.file_fingerprints(encode(Image.new("RGB", (200, 200), (90, 90, 90)), "PNG"))
    assert flat.kind == "image"
    assert flat.pdq_quality < fp.PDQ_MIN_QUALITY


def test_image_recognised_by_content_not_name():
    data = encode(scene(3), "GIF")
    assert fp.file_fingerprints(data, "notes.txt", "text/plain").kind == "image"


def test_lightly_edited_text_matches_and_unrelated_text_does_not():
    edited = (
        RULES.replace("пятнадцати", "десяти")
        .replace("пяти лет", "трёх лет")
        .replace("Секретарь комиссии", "Ответственный секретарь комиссии")
    )
    original, copy, other = (fp.text_fingerprints(t) for t in (RULES, edited, MOUNTAINS))
    assert original.tlsh and copy.tlsh and other.tlsh
    assert original.sha256 != copy.sha256
    assert fp.tlsh_distance(original.tlsh, copy.tlsh) <= fp.TLSH_MATCH_THRESHOLD
    assert fp.tlsh_match(original.tlsh, copy.tlsh)
    assert fp.tlsh_distance(original.tlsh, other.tlsh) > fp.TLSH_REVIEW_THRESHOLD
    assert not fp.tlsh_match(original.tlsh, other.tlsh)


def test_normalisation_ignores_case_width_and_whitespace():
    variant = "  " + RULES.upper().replace(" ", "\u00a0 \n", 5) + "\t"
    assert fp.normalise_text(variant) == fp.normalise_text(RULES)
    assert fp.text_fingerprints(variant).sha256 == fp.text_fingerprints(RULES).sha256
    assert fp.normalise_text("ＡＢＣ\u00a0 x") == "abc x"  # NFKC folds full-width letters


def test_short_or_monotonous_text_has_no_tlsh():
    assert fp.text_fingerprints("Короткий текст").tlsh is None
    assert fp.text_fingerprints("а" * 500).tlsh is None


def test_same_text_in_file_html_and_fetched_text_shares_text_hash():
    page = fp.text_fingerprints(RULES)
    as_file = fp.file_fingerprints(RULES.encode("cp1251"), "rules.txt")
    markup = (
        "<!doctype html><html><head><title>T</title><style>p{color:red}</style>"
        "<script>var secret = 1;</script></head><body><p>" + RULES + "</p></body></html>"
    )
    as_html = fp.file_fingerprints(markup.encode(), "page.html", "text/html; charset=utf-8")
    assert as_file.kind == as_html.kind == "text"
    assert as_file.text_sha256 == as_html.text_sha256 == page.text_sha256
    assert as_html.tlsh == page.tlsh
    assert "secret" not in fp.html_to_text(markup)


def test_identical_bytes_have_identical_hashes():
    data = encode(scene(4), "PNG")
    a, b = fp.file_fingerprints(data, "a.png"), fp.file_fingerprints(bytes(data), "b.bin")
    assert a.sha256 == b.sha256 == hashlib.sha256(data).hexdigest()
    assert a.md5 == b.md5 == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert a.size == len(data)


def test_video_and_unknown_bytes_get_exact_hashes_only():
    video = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40
    result = fp.file_fingerprints(video, "clip.mp4", "video/mp4")
    assert result.kind == "other"
    assert result.pdq is None and result.tlsh is None and result.text_sha256 is None
    assert result.sha256 == hashlib.sha256(video).hexdigest()
    broken = fp.file_fingerprints(b"\x89PNG\r\n\x1a\nnot really", "broken.png")
    assert broken.kind == "other" and broken.pdq is None


def _pdf_with_text(lines: list[str]) -> bytes:
    """A minimal one-page PDF with Latin text (built by hand: no PDF writer is needed)."""
    content = "BT /F1 10 Tf 40 800 Td 12 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        " /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    out.write(trailer.encode())
    return out.getvalue()


def test_pdf_text_is_hashed_like_the_same_text():
    lines = [
        f"Paragraph {i}: the committee reviews applications, keeps a register of letters "
        f"and answers within {i + 10} working days; records are kept for {i % 5 + 1} years."
        for i in range(30)
    ]
    result = fp.file_fingerprints(_pdf_with_text(lines), "doc.pdf", "application/pdf")
    assert result.kind == "pdf"
    assert result.tlsh is not None
    same = fp.text_fingerprints("\n".join(lines))
    assert fp.tlsh_distance(result.tlsh, same.tlsh) <= fp.TLSH_MATCH_THRESHOLD


def test_garbage_pdf_does_not_crash():
    result = fp.file_fingerprints(b"%PDF-1.7\n" + bytes(range(256)) * 8, "bad.pdf")
    assert result.kind == "pdf" and result.tlsh is None


def test_distances_validate_input():
    assert fp.pdq_distance("0" * 64, "f" * 64) == 256
    assert fp.pdq_distance("a" * 64, "A" * 64) == 0
    with pytest.raises(ValueError):
        fp.pdq_distance("abc", "0" * 64)
    with pytest.raises(ValueError):
        fp.tlsh_distance("TNULL", "TNULL")
    with pytest.raises(ValueError):
        fp.tlsh_distance("garbage", fp.text_fingerprints(RULES).tlsh)


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def test_docx_text_is_hashed_like_the_same_text():
    import zipfile

    paragraphs = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in RULES.splitlines())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "word/document.xml",
            f'<w:document xmlns:w="{W_NS}"><w:body>{paragraphs}</w:body></w:document>',
        )
    result = fp.file_fingerprints(buffer.getvalue(), "rules.docx")
    assert result.kind == "text"
    assert result.text_sha256 == fp.text_fingerprints(RULES).text_sha256
