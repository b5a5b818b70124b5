"""Read and write the official list of court-recognised extremist and terrorist materials.

The list is published as a table with the columns «№», «Наименование информационного
материала», «Решение суда», «Категория» (see ``shared/data/materials_sample.csv``) in CSV or XLSX.
Real files are messy, so this module is tolerant where tolerance cannot change the meaning and
strict where it could:

* the header row is searched for in the first rows of the file (titles before it are skipped) and
  recognised by its meaning in Russian, Kazakh or English (``№`` / ``N`` / ``Номер`` …); columns
  may come in any order, unknown columns are skipped with a warning;
* CSV: the encoding (UTF-8 with or without BOM, UTF-16 with BOM, Windows-1251) and delimiter
  (comma, semicolon, tab, bar; or Excel's ``sep=`` line) are detected;
* XLSX: every sheet that has a header row is read; a merged cell applies to every row it spans;
* blank rows, repeated header rows (page breaks) and the «1 2 3 4» column-numbering row are
  skipped; a row that holds only a category word in a merged or single cell is a section heading
  that gives the category to the rows below it and starts a new numbering;
* dates: ``12.03.2019``, ``1.3.19``, ``2019-03-12``, «12 марта 2019 года», «2019 жылғы 12
  наурыз»; the date after «вступило в силу» / «күшіне енді» is the date of entry into force;
* the decision may stand in the description column instead of its own column;
* the published shape ``#;Материал;Дата включения`` (Windows-1251, ``;``, CRLF, no category
  column): the category of the whole file is given by the caller (``classification``) or by the
  list's title above the header; «Дата включения» is the date the material entered the list;
  a record the export broke over two lines or cut with an unquoted ``;`` is put back together;
* a struck-off number («Исключен», «Исключен;», «исключен из списка») is a row with
  ``excluded=True`` and no title, never a material titled «Исключен».

Each problem is reported with the row number a spreadsheet user sees (1-based, header included)
and a message in Russian for the prosecutor; in a CSV whose records span lines the message also
gives the file's own line («Строка 12 (строка 14 в файле), …»). A row with an error is not in
``rows``; every other row is. A file that is not what its name claims yields one file-level
error (``row == 0``).

Numbers are unique within a numbering scope: one sheet, or one section of a sheet after a
category heading. A repeated number with identical content is a harmless duplicate (warning,
skipped); with different content it is an error on the later row that names the earlier one.

``court`` is the court's name in the nominative where the phrase has the usual shape
(«решение Алмалинского районного суда г. Алматы» → «Алмалинский районный суд г. Алматы»): the
adjectives before the word «суд» are put in the nominative, the words after it are kept as
written. Kazakh phrases keep their words («… аудандық сотының» → «… аудандық соты»). When no court
is recognised ``court`` is empty. The module has no Django imports.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import os
import re
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Literal

from utilities.tabular import FORMULA_TRIGGERS, CellWriter, new_workbook, safe_cell

__all__ = [
    "CLASSIFICATIONS",
    "CLASSIFICATION_LABELS",
    "COLUMN_TITLES",
    "EXTREMIST",
    "KINDS",
    "STRUCK_OFF",
    "TERRORIST",
    "MaterialRow",
    "ParseResult",
    "RowError",
    "clean_text",
    "guess_kind",
    "guess_languages",
    "is_struck_off",
    "parse_classification",
    "parse_decision",
    "parse_list",
    "short_title",
    "write_list",
]

EXTREMIST = "extremist"
TERRORIST = "terrorist"
CLASSIFICATIONS = (EXTREMIST, TERRORIST)
CLASSIFICATION_LABELS = {EXTREMIST: "экстремистский", TERRORIST: "террористический"}
KINDS = ("print", "video", "audio", "image", "web_page", "social_account", "other")

# Field keys (RowError.field) and the column titles written by write_list.
COLUMN_TITLES = {
    "number": "№",
    "title": "Наименование информационного материала",
    "decision": "Решение суда",
    "category": "Категория",
    "court": "Суд",
    "decision_date": "Дата решения",
    "entry_into_force": "Дата вступления в силу",
    "included_on": "Дата включения",
}
_BASE_COLUMNS = ("number", "title", "decision", "category")
_OPTIONAL_COLUMNS = ("court", "decision_date", "entry_into_force", "included_on")

STRUCK_OFF = "Исключен"  # how the published list writes a struck-off number
TITLE_MAX = 500
_HEADER_SEARCH_ROWS = 30
_MAX_COLUMNS = 60
_MAX_BLANK_RUN = 2000  # an XLSX whose dimension claims a million rows stops after this many blanks
_MAX_DECLARED_COLUMNS = 16384  # what Excel allows; only the first _MAX_COLUMNS are read
MAX_ROWS = 20_000  # rows of a file (per sheet); the official list has a few thousand
_MIN_YEAR = 1990


@dataclass(frozen=True)
class MaterialRow:
    """One material of the list."""

    row: int  # source row as a spreadsheet user sees it (1-based, header included)
    number: int  # the «№» of the list, a positive integer
    title: str  # short title: the «…» name, else the first sentence; at most 500 characters
    description: str  # the full cleaned text of the description column
    classification: str  # "extremist" | "terrorist"
    kind: str  # one of KINDS, guessed from the description
    languages: tuple[str, ...]  # ISO 639-1 codes guessed from the description, in text order
    court: str  # court name (nominative where feasible), "" when not recognised
    decision_date: dt.date | None
    entry_into_force: dt.date | None
    decision_text: str  # the decision as written (cleaned of extra whitespace)
    sheet: str = ""  # XLSX sheet name ("" for CSV)
    included_on: dt.date | None = None  # «Дата включения»: the day the material entered the list
    excluded: bool = False  # a struck-off number («Исключен»): title and description are empty


@dataclass(frozen=True)
class RowError:
    """An error or warning. ``row == 0`` and ``field == "file"`` for a file-level problem.

    ``field`` is one of the keys of COLUMN_TITLES, "file", "header" or "" (the whole row).
    ``message`` is a complete Russian sentence for the user.
    """

    row: int
    field: str
    message: str
    sheet: str = ""

    def __str__(self) -> str:
        return self.message


@dataclass
class ParseResult:
    rows: list[MaterialRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    format: str = ""  # "csv" | "xlsx" | "" when the file could not be read
    encoding: str | None = None  # CSV only
    delimiter: str | None = None  # CSV only

    @property
    def ok(self) -> bool:
        return not self.errors


class _FileError(Exception):
    pass


# --------------------------------------------------------------------------------------------
# Text helpers

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_WS_RE = re.compile(r"\s+")


def clean_text(value: Any) -> str:
    """NFC, no invisible characters, every run of whitespace (NBSP, newlines…) one space."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value)).translate(_INVISIBLE)
    return _WS_RE.sub(" ", text).strip()


def _fold(text: str) -> str:
    return text.lower().replace("ё", "е")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.strftime("%d.%m.%Y")
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    text = clean_text(value)
    # write_list protects cells from spreadsheet formula injection with a leading apostrophe
    # (utilities.tabular.safe_cell); reading it back removes it.
    if len(text) > 1 and text[0] == "'" and text[1:].lstrip()[:1] in FORMULA_TRIGGERS:
        text = text[1:].strip()
    return text


def _q(text: str, limit: int = 60) -> str:
    text = clean_text(text)
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return f"«{text}»"


# --------------------------------------------------------------------------------------------
# Classification, kind, languages, title


def parse_classification(text: str) -> tuple[str | None, str | None]:
    """Return (classification, None) or (None, Russian reason) for a category cell."""
    words = re.findall(r"[\w-]+", _fold(clean_text(text)))
    ext = any(w.startswith(("экстремист", "экстремизм", "extremis")) for w in words)
    ter = any(w.startswith(("террорист", "терроризм", "terroris")) for w in words)
    if ext and ter:
        return None, f"указаны обе категории в {_q(text)}: укажите одну"
    if ext:
        return EXTREMIST, None
    if ter:
        return TERRORIST, None
    if not words:
        return None, "не указана категория"
    return None, f"неизвестная категория {_q(text)}"


_SOCIAL = (
    r"(?:социальн|соц\.|соцсет|вконтакте|\bвк\b|\bvk\b|одноклассник|facebook|фейсбук|telegram"
    r"|телеграм|instagram|инстаграм|whatsapp|tiktok|youtube|twitter)"
)
# Each kind's words; the kind named earliest in the description wins, and on a tie the first
# kind listed here («Видеоканал» is an account, not a video).
_KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        (
            "social_account",
            r"аккаунт|учетн\w* запис|видеоканал|канал|сообществ|паблик|\bпрофил[ьея]"
            rf"|\bгрупп[аеуыо]\b(?=[^.;]{{0,80}}{_SOCIAL})|\bгрупп\w* пользовател"
            r"|(?:личн\w*|персональн\w*) страниц|(?:интернет-|веб-)?страниц\w* пользовател"
            rf"|страниц\w*\s+(?:[^.;]{{0,60}}?\s)?(?:в|на)\s+{_SOCIAL}",
        ),
        (
            "video",
            r"видео|бейне|фильм|ролик|\bклип|телепередач|телесюжет|\bdvd\b|кинохроник",
        ),
        (
            "audio",
            r"аудио|звукозапис|\bпесн|\bпесен|нашид|\bmp3\b|фонограм|дыбыс|\bальбом"
            r"|музыкальн\w*\s+(?:альбом|композици|произведени|трек|запис)|\bкомпозици"
            r"|\bтрек|\bсингл|\bcd\b|компакт-диск|радиопередач|подкаст|\bгимн",
        ),
        (
            "image",
            r"изображени|фото|сурет|картинк|рисун|иллюстрац|графическ|демотиватор|коллаж"
            r"|карикатур|символик|эмблем|открытк|\bмем\b|\bмемы\b|\bобои",
        ),
        (
            "web_page",
            r"веб-|\bвеб\s|сайт|интернет-ресурс|интернет ресурс|интернет-страниц|\bwww\."
            r"|https?://|\burl\b|электронн\w* (?:ресурс|страниц)|\bдомен|\bфорум|\bблог"
            r"|страниц\w*\s+(?:[^.;]{0,60}?\s)?в\s+сети\s+интернет",
        ),
        (
            "print",
            r"брошюр|\bкниг|кітап|журнал|листовк|парақша|газет|буклет|плакат|печатн|рукопис"
            r"|\bиздани|\bстать[яиюе]|\bстатей|публикаци|стихотворени|\bстих[иа]?\b|\bпоэм"
            r"|\bтекст|\bброшур|\bманифест|\bпамятк|\bвоззвани|\bпрокламаци|\bтрактат",
        ),
    )
)


def guess_kind(description: str) -> str:
    """The kind named earliest in the text («Видеоролик на сайте …» is a video)."""
    text = _fold(description)
    best: tuple[int, str] | None = None
    for kind, pattern in _KIND_PATTERNS:
        m = pattern.search(text)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), kind)
    return best[1] if best else "other"


_RU_LANGS = {
    "русск": "ru",
    "казахск": "kk",
    "арабск": "ar",
    "английск": "en",
    "узбекск": "uz",
    "кыргызск": "ky",
    "киргизск": "ky",
    "таджикск": "tg",
    "турецк": "tr",
    "уйгурск": "ug",
    "азербайджанск": "az",
    "туркменск": "tk",
    "персидск": "fa",
    "немецк": "de",
    "французск": "fr",
    "чеченск": "ce",
    "татарск": "tt",
}
_KK_LANGS = {
    "орыс": "ru",
    "қазақ": "kk",
    "араб": "ar",
    "ағылшын": "en",
    "өзбек": "uz",
    "қырғыз": "ky",
    "тәжік": "tg",
    "түрік": "tr",
    "ұйғыр": "ug",
}
_EN_LANGS = {
    "russian": "ru",
    "kazakh": "kk",
    "arabic": "ar",
    "english": "en",
    "uzbek": "uz",
    "kyrgyz": "ky",
    "tajik": "tg",
    "turkish": "tr",
}
_ADJ = r"[а-я]+(?:ом|их|ий)"
_RU_LANG_SPAN = re.compile(rf"\bна\s+{_ADJ}(?:(?:\s*,\s*|\s+и\s+|\s*-\s*|\s+){_ADJ})*")
_KK_LANG_RE = re.compile(r"(?<!\w)(" + "|".join(_KK_LANGS) + r")\s+тіл")
_EN_LANG_RE = re.compile(r"\bin\s+(" + "|".join(_EN_LANGS) + r")\b")
_RU_STEM_RE = re.compile(r"\b(" + "|".join(_RU_LANGS) + r")")


def guess_languages(description: str) -> tuple[str, ...]:
    """ISO 639-1 codes named as the material's language («на русском и казахском языках»)."""
    text = _fold(description)
    found: list[tuple[int, str]] = []
    for span in _RU_LANG_SPAN.finditer(text):
        for m in _RU_STEM_RE.finditer(span.group()):
            found.append((span.start() + m.start(), _RU_LANGS[m.group(1)]))
    found += [(m.start(), _KK_LANGS[m.group(1)]) for m in _KK_LANG_RE.finditer(text)]
    found += [(m.start(), _EN_LANGS[m.group(1)]) for m in _EN_LANG_RE.finditer(text)]
    codes: list[str] = []
    for _, code in sorted(found):
        if code not in codes:
            codes.append(code)
    return tuple(codes)


_QUOTE_PAIRS = {"«": "»", "“": "”", "„": "“"}
_QUOTE_SKIP_BEFORE = re.compile(r"(?:слов\w*|фраз\w*|текст\w*|надпис\w*|призыв\w*)\s*:?\s*$")
# A quoted name after these words names who made or published the work, not the work: it is the
# title only when nothing else is quoted («песня группы «Коловрат» «Название»» is «Название»).
_QUOTE_MAKER_BEFORE = re.compile(
    r"(?:автор\w*|пользовател\w*|псевдоним\w*|ник\w*|издательств\w*|изд\.|организаци\w*"
    r"|движени\w*|партии|объединени\w*|групп\w*|ансамбл\w*|исполнител\w*|студи\w*"
    r"|редакци\w*|газет[аыеу]|журнал[аеу]?|канал\w*|сообществ\w*|сайт\w*|сети|сетях"
    r"|мессенджер\w*|интернет-ресурс\w*)\s*:?\s*$"
)
_GENERIC_PREFIX = re.compile(
    r"^(?:информационн\w+\s+материал\w*|материал\w*)\s*(?:[-–—:]\s*|,\s*а\s+именно\s+)",
    re.IGNORECASE,
)
_ABBREVIATIONS = {
    "г",
    "гг",
    "им",
    "ул",
    "стр",
    "с",
    "п",
    "пп",
    "мин",
    "сек",
    "т",
    "тт",
    "д",
    "обл",
    "р",
    "рис",
    "см",
    "др",
    "пр",
    "ч",
    "ст",
    "кн",
    "вып",
    "изд",
    "л",
    "экз",
    "no",
    "n",
    "тел",
}


def _straight_quote_opens(text: str, i: int) -> bool:
    """Whether the ``"`` at ``i`` opens a quotation: it stands before a word, not after one."""
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before.isspace() or before in "(«„“-—–:;,/") and not after.isspace()


def _quoted_spans(text: str) -> list[tuple[int, int, str]]:
    """Top-level «…» (and “…”, „…“, "…") spans: (start, end, inner).

    Quotes nest («Обращение фронта «Память»» is one span); straight quotes nest too, an opening
    one being the one before a word (``"Обращение фронта "Память""``). A span left open takes
    up to the last closing quote and gets its missing closing quotes back.
    """
    spans: list[tuple[int, int, str]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        close = _QUOTE_PAIRS.get(ch)
        if ch == '"':
            close = '"'
        if close is None:
            i += 1
            continue
        depth, j = 1, i + 1
        while j < len(text):
            if ch == '"' and text[j] == '"':
                depth += 1 if _straight_quote_opens(text, j) and j + 1 < len(text) else -1
            elif text[j] == close:
                depth -= 1
            elif text[j] == ch:
                depth += 1
            if depth == 0:
                break
            j += 1
        if j >= len(text):  # unbalanced: take up to the last closing quote, if any
            j = text.rfind(close, i + 1)
            if j == -1:
                i += 1
                continue
        inner = text[i + 1 : j]
        if ch != '"':
            inner += close * max(0, inner.count(ch) - inner.count(close))
        spans.append((i, j + 1, inner))
        i = j + 1
    return spans


def _first_sentence(text: str) -> str:
    for m in re.finditer(r"[.!?…](?=\s+[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ«\"“„(])", text):
        before = re.search(r"(\w+)$", text[: m.start()])
        word = before.group(1) if before else ""
        if m.group() == "." and (
            _fold(word) in _ABBREVIATIONS or (len(word) == 1 and word.isupper()) or word.isdigit()
        ):
            continue
        return text[: m.start() + (0 if m.group() == "." else 1)]
    return text.rstrip(".")


def _truncate(text: str, limit: int = TITLE_MAX) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def short_title(description: str) -> str:
    """The «…» name in the description, else its first sentence; at most TITLE_MAX characters.

    Quotes introduced by «словами», «фразой», «текстом», «надписью» are quotations, not names.
    A decision inside the description («… решение … суда от …») is not part of the title.
    """
    text = clean_text(description)
    decision = _find_decision_in_text(text)
    head = text[: decision.start()].rstrip(" ,;:–—-(") if decision else text
    if not head:
        head = text
    makers: list[str] = []
    for start, _end, inner in _quoted_spans(head):
        inner = clean_text(inner)
        if not inner.strip(".… "):
            continue
        before = _fold(head[max(0, start - 30) : start])
        if _QUOTE_SKIP_BEFORE.search(before):
            continue
        if _QUOTE_MAKER_BEFORE.search(before):
            makers.append(inner)
            continue
        return _truncate(inner)
    if makers:
        return _truncate(makers[0])
    head = _GENERIC_PREFIX.sub("", head) or head
    sentence = _first_sentence(head).strip()
    return _truncate(sentence[:1].upper() + sentence[1:])


# --------------------------------------------------------------------------------------------
# Decisions: dates and courts

_RU_MONTHS = {
    "январ": 1,
    "феврал": 2,
    "март": 3,
    "апрел": 4,
    "ма": 5,
    "июн": 6,
    "июл": 7,
    "август": 8,
    "сентябр": 9,
    "октябр": 10,
    "ноябр": 11,
    "декабр": 12,
}
_KK_MONTHS = {
    "қаңтар": 1,
    "ақпан": 2,
    "наурыз": 3,
    "сәуір": 4,
    "мамыр": 5,
    "маусым": 6,
    "шілде": 7,
    "тамыз": 8,
    "қыркүйек": 9,
    "қазан": 10,
    "қараша": 11,
    "желтоқсан": 12,
}
_RU_MONTH_RE = (
    r"(января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)"
)
_KK_MONTH_RE = "(" + "|".join(_KK_MONTHS) + r")\w*"
_DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("iso", re.compile(r"(?<![\d./-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d./-]?\d)")),
    (
        "num",
        re.compile(
            r"(?<![\d./-])(\d{1,2})\s?([./-])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?![\d./-]?\d)"
        ),
    ),
    (
        "ru",
        re.compile(
            rf"(?<!\d)[«\"]?(\d{{1,2}})[»\"]?\s*{_RU_MONTH_RE}\s*(\d{{4}})(?:\s*(?:года|г\.|г\b))?",
            re.IGNORECASE,
        ),
    ),
    (
        "kk",
        re.compile(
            rf"(?<!\d)(\d{{4}})\s*(?:ж\.|жылғы|жылы|ж\b)?\s*[«\"]?(\d{{1,2}})[»\"]?\s*-?\s*{_KK_MONTH_RE}",
            re.IGNORECASE,
        ),
    ),
)
_ENTRY_RE = re.compile(
    r"вступ\w*|в\s+(?:законную\s+)?силу|законн\w*\s+сил\w*|күшіне|entry\s+into\s+force|effective",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _DateHit:
    start: int
    end: int
    raw: str
    value: dt.date | None
    problem: str = ""


def _make_date(year: int, month: int, day: int, raw: str, start: int, end: int) -> _DateHit:
    try:
        value = dt.date(year, month, day)
    except ValueError:
        return _DateHit(start, end, raw, None, f"некорректная дата {_q(raw)}")
    if year < _MIN_YEAR:
        return _DateHit(start, end, raw, None, f"некорректная дата {_q(raw)}: год раньше 1990")
    return _DateHit(start, end, raw, value)


def _find_dates(text: str) -> list[_DateHit]:
    hits: list[_DateHit] = []
    for kind, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if re.search(r"№\s*$", text[: m.start()]):
                continue  # a case number such as «№ 2-12-15», not a date
            g = m.groups()
            if kind == "iso":
                y, mo, d = int(g[0]), int(g[1]), int(g[2])
            elif kind == "num":
                d, mo, y = int(g[0]), int(g[2]), int(g[3])
                if len(g[3]) == 2:
                    y += 2000 if y < 70 else 1900
            elif kind == "ru":
                d, y = int(g[0]), int(g[2])
                month_word = g[1].lower()
                mo = next(v for k, v in _RU_MONTHS.items() if month_word.startswith(k))
            else:
                y, d = int(g[0]), int(g[1])
                mo = _KK_MONTHS[g[2].lower()]
            hits.append(_make_date(y, mo, d, m.group().strip(), m.start(), m.end()))
    hits.sort(key=lambda h: (h.start, -h.end))
    result: list[_DateHit] = []
    for hit in hits:
        if result and hit.start < result[-1].end:
            continue
        result.append(hit)
    return result


_DECISION_WORD = r"(?:решени|постановлени|приговор|определени)\w*"
_DECISION_IN_TEXT = re.compile(
    rf"(?:\bпо\s+|\bсогласно\s+|\bна\s+основании\s+)?\b{_DECISION_WORD}\s+(?:[^.;]*?\s)?суд\w*",
    re.IGNORECASE,
)


def _without_closing_bracket(text: str) -> str:
    """«решение … от 01.02.2007);» → «решение … от 01.02.2007»: the bracket that closes the
    description's «(решение …)» is not part of the decision."""
    text = text.strip(" .;")
    while text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].rstrip(" .;")
    return text


def _find_decision_in_text(text: str) -> re.Match[str] | None:
    """A court decision written inside the description («… решением … суда от 12.03.2019»)."""
    m = _DECISION_IN_TEXT.search(text)
    if m is None or m.start() == 0:
        return None  # the whole cell is a decision: not a description with a decision in it
    return m


_COURT_NOUN = re.compile(r"\b(суд(?:а|у|ом|е)?)\b", re.IGNORECASE)
_KK_COURT = re.compile(r"(?<!\w)((?:[\w.-]+\s+){0,6}?соты)(?:ның|нің)?(?!\w)", re.IGNORECASE)
_COURT_STOP = re.compile(
    r"\s+от\b|\s*[(;,]|\s+№\s*\S*[-/]|\s+по\s+делу\b|\s+(?:о\s+)?призна|\s+вступ|\s+дата\b"
    r"|\s+\d{1,2}\s?[./-]\s?\d{1,2}\s?[./-]|\s+\d{1,2}\s+[а-я]+\s+\d{4}|\s+\d{4}",
    re.IGNORECASE,
)
_ADJ_WORD = re.compile(r"^[А-Яа-яЁё-]+(?:ого|его|ым|им|ом|ем|ый|ий|ой)$")
_NOT_COURT_WORD = re.compile(
    r"^(?:вынесенн|принят|постановленн|указанн|данн|котор|(?:эт|т)(?:ого|им|ом)$|е[её]$|его$)",
    re.IGNORECASE,
)
_NOMINATIVE_EXCEPTIONS = {
    "городск": "городской",
    "областн": "областной",
    "окружн": "окружной",
}
_NOMINATIVE_SUFFIXES = (
    ("ского", "ский"),
    ("цкого", "цкий"),
    ("ским", "ский"),
    ("цким", "цкий"),
    ("ском", "ский"),
    ("цком", "цкий"),
    ("его", "ий"),
    ("ого", "ый"),
    ("ым", "ый"),
    ("им", "ий"),
    ("ем", "ий"),
    ("ом", "ый"),
)


def _nominative(word: str) -> str:
    low = word.lower()
    for stem, nominative in _NOMINATIVE_EXCEPTIONS.items():
        if low.startswith(stem):
            return word[: len(stem)] + nominative[len(stem) :]
    for suffix, replacement in _NOMINATIVE_SUFFIXES:
        if low.endswith(suffix):
            return word[: -len(suffix)] + replacement
    return word


def _extract_court(text: str) -> str:
    m_kw = re.search(_DECISION_WORD, text, re.IGNORECASE)
    candidates = [text[m_kw.end() :], text] if m_kw else [text]
    for segment in candidates:
        noun = _COURT_NOUN.search(segment)
        if noun is None:
            continue
        before = segment[: noun.start()].split()
        adjectives: list[str] = []
        for word in reversed(before):
            if not _ADJ_WORD.match(word) or _NOT_COURT_WORD.match(word):
                break
            adjectives.insert(0, word)
        rest = segment[noun.end() :]
        stop = _COURT_STOP.search(rest)
        if stop:
            rest = rest[: stop.start()]
        rest = " ".join(rest.split()[:12]).rstrip(" ,.;:–—-")
        if not adjectives and not rest:
            continue  # «решение суда от …»: no name
        noun_word = noun.group(1)
        if noun_word.lower() != "суд":  # oblique case: put the phrase in the nominative
            adjectives = [_nominative(w) for w in adjectives]
            noun_word = noun_word[:3]
        court = " ".join([*adjectives, noun_word] + ([rest] if rest else []))
        return court[:1].upper() + court[1:]
    kk = _KK_COURT.search(text)
    if kk:
        court = clean_text(kk.group(1))
        return court[:1].upper() + court[1:]
    return ""


@dataclass(frozen=True)
class _Decision:
    court: str
    decision_date: dt.date | None
    entry_into_force: dt.date | None
    problems: tuple[str, ...]  # errors
    notes: tuple[str, ...]  # warnings


def _analyse_decision(text: str, today: dt.date) -> _Decision:
    problems: list[str] = []
    notes: list[str] = []
    decision_date = entry = None
    prev_end = 0
    hits = _find_dates(text)
    for hit in hits:
        if hit.value is None:
            problems.append(hit.problem)
            prev_end = hit.end
            continue
        if hit.value > today:
            problems.append(f"дата {_q(hit.raw)} ещё не наступила")
        context = text[max(prev_end, hit.start - 80) : hit.start]
        if _ENTRY_RE.search(context):
            entry = entry or hit.value
        elif decision_date is None:
            decision_date = hit.value
        prev_end = hit.end
    if text and not hits:
        notes.append("в тексте решения не найдена дата")
    if decision_date and entry and entry < decision_date:
        problems.append(
            f"дата вступления в силу {entry:%d.%m.%Y} раньше даты решения {decision_date:%d.%m.%Y}"
        )
    court = _extract_court(text) if text else ""
    if text and not court:
        notes.append("в тексте решения не найдено наименование суда")
    return _Decision(court, decision_date, entry, tuple(problems), tuple(notes))


def parse_decision(
    text: str, today: dt.date | None = None
) -> tuple[str, dt.date | None, dt.date | None]:
    """(court, decision_date, entry_into_force) from a decision's text; bad dates give None."""
    d = _analyse_decision(clean_text(text), today or dt.date.today())
    return d.court, d.decision_date, d.entry_into_force


# --------------------------------------------------------------------------------------------
# Header recognition

_NUMBER_HEADERS = {
    "№",
    "n",
    "no",
    "nr",
    "nº",
    "n°",
    "#",
    "№№",
    "номер",
    "номерпп",
    "порядковыйномер",
    "пп",
    "№пп",
    "nпп",
    "№№пп",
    "рс",
    "№рс",
    "рн",
    "реттікнөмірі",
    "реттікнөмір",
    "реттіксаны",
    "number",
    "num",
}


def _header_field(text: str) -> str | None:
    h = _fold(clean_text(text))
    if not h:
        return None
    compact = re.sub(r"[\s.:/\\_)(-]", "", h)
    if compact in _NUMBER_HEADERS:
        return "number"
    if (
        compact.startswith(("№", "номер", "n"))
        and re.search(r"решени|дел|шешім|іс", h)
        and not re.search(r"суд|сот", h)
    ):
        return None  # «№ решения», «номер дела»: not the list's number nor the decision itself
    if re.search(r"включени|внесени|енгізіл|inclusion|included|date added", h):
        return "included_on"
    if re.search(r"вступ|в силу|күшіне|entry into force|effective", h):
        return "entry_into_force"
    if (
        h == "дата"
        or (h.startswith("дата") and re.search(r"решени|вынесени|постановлени", h))
        or ("шешім" in h and "күн" in h and "сот " not in h)
        or h in ("decision date", "date of decision", "date")
    ):
        return "decision_date"
    if re.search(r"категори|классификац|санат|category|classification|\bхарактер\b", h):
        return "category"
    if re.search(r"\bсуд(?!ебн)\w*|\bсот\w*|\bcourt\b", h) and not re.search(
        r"решени|шешім|decision|акт|постановлени|приговор|реквизит", h
    ):
        return "court"
    if re.search(
        r"решени|шешім|decision|судебн\w* акт|реквизит|постановлени|приговор|^основани", h
    ):
        return "decision"
    if re.search(r"наименовани|назван|материал|атау|title|name|описани|description|содержани", h):
        return "title"
    if re.search(r"экстремист|террорист", h):
        return "category"
    return None


@dataclass
class _Header:
    index: int  # position in the table
    row: int  # source row number
    columns: dict[str, int]
    labels: dict[str, str]
    extras: list[tuple[int, str]]


def _match_header(cells: Sequence[Any]) -> tuple[dict[str, int], dict[str, str], list]:
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    extras: list[tuple[int, str]] = []
    for col, value in enumerate(cells[:_MAX_COLUMNS]):
        text = _cell_text(value)
        if not text:
            continue
        key = _header_field(text)
        if key is None or key in columns:
            extras.append((col, text))
            continue
        columns[key] = col
        labels[key] = text
    return columns, labels, extras


def _find_header(table: list[tuple[int, list[Any]]]) -> _Header | None:
    for index, (rownum, cells) in enumerate(table[:_HEADER_SEARCH_ROWS]):
        columns, labels, extras = _match_header(cells)
        if "number" in columns and "title" in columns:
            return _Header(index, rownum, columns, labels, extras)
    return None


# --------------------------------------------------------------------------------------------
# Table → rows


class _Collector:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []
        self.rows: list[MaterialRow] = []
        self.show_sheet = False
        # CSV: the file's line where a row starts, when a record spanning lines shifts it.
        self.lines: dict[int, int] = {}

    def _prefix(self, row: int, sheet: str) -> str:
        where = f"строка {row}" if row else ""
        line = self.lines.get(row)
        if row and line and line != row:
            where += f" (строка {line} в файле)"
        if self.show_sheet and sheet:
            where = f"Лист {_q(sheet)}" + (f", {where}" if where else "")
        return where[:1].upper() + where[1:]

    def _message(self, row: int, label: str, text: str, sheet: str) -> str:
        prefix = self._prefix(row, sheet)
        if label:
            prefix += f", поле «{label}»" if prefix else f"Поле «{label}»"
        return f"{prefix}: {text}" if prefix else text[:1].upper() + text[1:]

    def error(self, row: int, key: str, label: str, text: str, sheet: str = "") -> None:
        self.errors.append(RowError(row, key, self._message(row, label, text, sheet), sheet))

    def warn(self, row: int, key: str, label: str, text: str, sheet: str = "") -> None:
        self.warnings.append(RowError(row, key, self._message(row, label, text, sheet), sheet))


def _parse_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value > 0 else None
    m = re.fullmatch(r"№?\s*(\d{1,9})\s*[.)]?", _cell_text(value))
    if m and int(m.group(1)) > 0:
        return int(m.group(1))
    return None


def _parse_date_cell(value: Any, today: dt.date) -> tuple[dt.date | None, str | None]:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if value.year < _MIN_YEAR:
            return None, f"некорректная дата {_q(_cell_text(value))}: год раньше 1990"
        if value > today:
            return None, f"дата {_q(_cell_text(value))} ещё не наступила"
        return value, None
    text = _cell_text(value)
    if not text:
        return None, None
    hits = _find_dates(text)
    if not hits:
        return None, f"не удалось распознать дату {_q(text)}"
    if hits[0].value is None:
        return None, hits[0].problem
    if hits[0].value > today:
        return None, f"дата {_q(hits[0].raw)} ещё не наступила"
    return hits[0].value, None


def _is_column_numbering(texts: list[str]) -> bool:
    values = [t for t in texts if t]
    return (
        len(values) >= 3
        and all(t.isdigit() for t in values)
        and ([int(t) for t in values] == list(range(1, len(values) + 1)))
    )


def _section_classification(texts: list[str], category_col: int | None) -> str | None:
    values = {(i, t) for i, t in enumerate(texts) if t}
    distinct = {t for _, t in values}
    if len(distinct) != 1 or any(i == category_col for i, _ in values):
        return None
    (text,) = distinct
    if len(text) > 200 or _parse_number(text) is not None or re.search(r"[«»\"“„]", text):
        return None
    words = _fold(text)
    if not re.search(r"экстремист|террорист|extremis|terroris", words):
        return None
    classification, problem = parse_classification(text)
    return classification if problem is None else None


_STRUCK_OFF = re.compile(
    r"^\(?\s*(?:(?:пункт|позиция|запись|номер|материал)\s+)?исключ[её]н[аоы]?(?!\w)"
    r"|^\(?\s*(?:тізімнен\s+)?(?:алынып\s+тасталды|шығарылды)(?!\w)"
    r"|^\(?\s*(?:excluded|struck\s+off|removed)(?!\w)",
    re.IGNORECASE,
)


def is_struck_off(description: str) -> bool:
    """Whether a record of the list is a struck-off number («Исключен», «исключен из списка»)."""
    return bool(_STRUCK_OFF.match(clean_text(description)))


def _title_classification(rows: Sequence[tuple[int, list[Any]]]) -> str | None:
    """The category the list's title names («Федеральный список экстремистских материалов»)."""
    for _rownum, cells in rows:
        text = " ".join(t for t in map(_cell_text, cells) if t)
        if re.search(r"экстремист|террорист|extremis|terroris", _fold(text)):
            classification, problem = parse_classification(text)
            if problem is None:
                return classification
    return None


def _parse_table(
    table: list[tuple[int, list[Any]]],
    header: _Header,
    sheet: str,
    default_classification: str | None,
    out: _Collector,
    today: dt.date,
) -> None:
    cols = header.columns

    def label(key: str) -> str:
        return header.labels.get(key, COLUMN_TITLES[key])

    for _col, text in header.extras:
        out.warn(
            header.row,
            "header",
            "",
            f"столбец {_q(text)} не распознан и не загружается",
            sheet,
        )
    if "category" not in cols and default_classification is None:
        out.warn(
            header.row,
            "header",
            "",
            "не найден столбец «Категория»: категория берётся из заголовков разделов",
            sheet,
        )

    section = 0
    section_classification = default_classification
    seen: dict[tuple[int, int], tuple[int, tuple[str, ...]]] = {}

    for rownum, cells in table[header.index + 1 :]:
        texts = [_cell_text(v) for v in cells[:_MAX_COLUMNS]]

        def cell(key: str, cells: list[Any] = cells) -> Any:
            col = cols.get(key)
            return cells[col] if col is not None and col < len(cells) else None

        def text_of(key: str, texts: list[str] = texts) -> str:
            col = cols.get(key)
            return texts[col] if col is not None and col < len(texts) else ""

        if not any(texts):
            continue
        heading = _section_classification(texts, cols.get("category"))
        if heading is not None:
            section += 1
            section_classification = heading
            continue
        repeated_header, _, _ = _match_header(cells)
        if "number" in repeated_header and "title" in repeated_header:
            continue
        if _is_column_numbering(texts):
            continue
        number_text, description = text_of("number"), text_of("title")
        decision_text = text_of("decision")
        if not (number_text or description or decision_text):
            continue  # only cells filled by a merge, or notes in unrecognised columns
        if number_text and not (description or decision_text):
            out.warn(rownum, "", "", f"запись {_q(number_text)} пуста и пропущена", sheet)
            continue

        problems: list[tuple[str, str]] = []  # (field key, message)
        notes: list[tuple[str, str]] = []

        number = _parse_number(cell("number"))
        if not number_text:
            problems.append(("number", "не указан номер"))
        elif number is None:
            problems.append(
                ("number", f"номер {_q(number_text)} должен быть целым положительным числом")
            )
        struck_off = is_struck_off(description)
        if not description:
            problems.append(("title", "не указано наименование материала"))

        # Duplicates are judged on what the row says, before the rest is checked.
        if number is not None:
            signature = tuple(text_of(k) for k in cols if k != "number")
            key = (section, number)
            if key in seen:
                first_row, first_signature = seen[key]
                if first_signature == signature:
                    out.warn(
                        rownum,
                        "",
                        "",
                        f"запись № {number} повторяет строку {first_row} и пропущена",
                        sheet,
                    )
                    continue
                problems.append(("number", f"номер {number} уже использован в строке {first_row}"))
            else:
                seen[key] = (rownum, signature)

        decision_key = "decision"
        if struck_off:
            decision_text = ""  # what a struck-off record says is not the material's decision
        elif not decision_text and description:
            found = _find_decision_in_text(description)
            if found:
                decision_text = _without_closing_bracket(description[found.start() :])
                decision_key = "title"
        if decision_text:
            decision = _analyse_decision(decision_text, today)
        else:
            decision = _Decision("", None, None, (), ())
            if "decision_date" not in cols and not struck_off:
                notes.append(("decision", "не указано решение суда"))
        problems += [(decision_key, p) for p in decision.problems]
        for note in decision.notes:
            if "суда" in note and text_of("court"):
                continue  # the court has its own column
            if "дата" in note and (text_of("decision_date") or text_of("entry_into_force")):
                continue  # dates have their own columns
            notes.append((decision_key, note))
        court, decision_date, entry = (
            decision.court,
            decision.decision_date,
            decision.entry_into_force,
        )

        if text_of("court"):
            court = text_of("court")
        for key in ("decision_date", "entry_into_force"):
            if not text_of(key):
                continue
            value, problem = _parse_date_cell(cell(key), today)
            if problem:
                problems.append((key, problem))
                continue
            current = decision_date if key == "decision_date" else entry
            if current is not None and current != value:
                notes.append(
                    (
                        key,
                        f"дата {value:%d.%m.%Y} расходится с датой {current:%d.%m.%Y}"
                        " в тексте решения; принята дата из этого столбца",
                    )
                )
            if key == "decision_date":
                decision_date = value
            else:
                entry = value
        if (
            ("decision_date" in cols or "entry_into_force" in cols)
            and decision_date
            and entry
            and entry < decision_date
            and not any("раньше даты решения" in p for _, p in problems)
        ):
            problems.append(
                (
                    "entry_into_force",
                    f"дата вступления в силу {entry:%d.%m.%Y} раньше даты решения"
                    f" {decision_date:%d.%m.%Y}",
                )
            )

        category_text = text_of("category")
        classification: str | None = None
        if category_text:
            classification, problem = parse_classification(category_text)
            if problem:
                problems.append(("category", problem))
        else:
            classification = section_classification
            if classification is None:
                m = re.search(r"признан\w*\s+(экстремист|террорист)", _fold(decision_text))
                if m:
                    classification = EXTREMIST if m.group(1) == "экстремист" else TERRORIST
            if classification is None:
                problems.append(
                    (
                        "category",
                        "не указана категория"
                        if "category" in cols
                        else "не указана категория: в списке нет столбца «Категория», укажите"
                        " категорию для всего файла",
                    )
                )

        included_on = None
        if text_of("included_on"):
            included_on, problem = _parse_date_cell(cell("included_on"), today)
            if problem:
                problems.append(("included_on", problem))

        for key, message in problems:
            out.error(rownum, key, label(key), message, sheet)
        for key, message in notes:
            out.warn(rownum, key, label(key), message, sheet)
        if problems:
            continue
        assert number is not None and classification is not None
        if struck_off:
            out.rows.append(
                MaterialRow(
                    row=rownum,
                    number=number,
                    title="",
                    description="",
                    classification=classification,
                    kind="other",
                    languages=(),
                    court="",
                    decision_date=None,
                    entry_into_force=None,
                    decision_text="",
                    sheet=sheet,
                    included_on=included_on,
                    excluded=True,
                )
            )
            continue
        out.rows.append(
            MaterialRow(
                row=rownum,
                number=number,
                title=short_title(description),
                description=description,
                classification=classification,
                kind=guess_kind(description),
                languages=guess_languages(description),
                court=court,
                decision_date=decision_date,
                entry_into_force=entry,
                decision_text=decision_text,
                sheet=sheet,
                included_on=included_on,
            )
        )


# --------------------------------------------------------------------------------------------
# File formats

_MAGIC = (
    (b"PK\x03\x04", "архивом ZIP (например, книгой Excel XLSX)"),
    (b"\xd0\xcf\x11\xe0", "документом старого формата Microsoft Office (XLS/DOC)"),
    (b"%PDF", "документом PDF"),
    (b"\x89PNG", "изображением PNG"),
    (b"\xff\xd8\xff", "изображением JPEG"),
    (b"GIF8", "изображением GIF"),
    (b"{\\rtf", "документом RTF"),
    (b"\x1f\x8b", "архивом GZIP"),
    (b"Rar!", "архивом RAR"),
    (b"7z\xbc\xaf", "архивом 7z"),
)


def _what_is(data: bytes) -> str | None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    return None


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        if b"\x00" in data:
            raise _FileError("файл не является текстовым CSV: содержит двоичные данные")
        encodings = ["utf-8", "cp1251"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\x0c")
        if "\x00" in text or controls > max(2, len(text) // 200):
            raise _FileError("файл не является текстовым CSV: содержит двоичные данные")
        return text, encoding
    raise _FileError("не удалось определить кодировку файла: сохраните его как CSV в UTF-8")


_DELIMITERS = (",", ";", "\t", "|")


def _read_csv(
    data: bytes | str,
    out: _Collector,
    result: ParseResult,
    today: dt.date,
    *,
    max_rows: int = MAX_ROWS,
    classification: str | None = None,
) -> None:
    if isinstance(data, str):
        text, encoding = data, None
    else:
        what = _what_is(data)
        if what:
            raise _FileError(f"файл назван как CSV, но является {what}")
        text, encoding = _decode(data)
    result.encoding = encoding
    delimiters: Sequence[str] = _DELIMITERS
    sep = re.match(r"\A\ufeff?sep=(.)[ \t]*\r?\n", text)
    first_line = 1
    if sep:
        delimiters = (sep.group(1),)
        text = text[sep.end() :]
        first_line = 2
    best: tuple[int, str, list[tuple[int, list[Any]]], _Header, list[int]] | None = None
    for delimiter in delimiters:
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            records, starts, consumed = [], [], 0
            for cells in itertools.islice(reader, max_rows + 1):
                starts.append(first_line + consumed)  # the file's line where the record starts
                consumed = reader.line_num
                records.append(cells)
        except csv.Error as exc:
            if len(delimiters) == 1:
                raise _FileError(f"файл CSV повреждён: {exc}") from exc
            continue
        if len(records) > max_rows:
            raise _FileError(f"в файле больше {max_rows} строк: загрузите не больше {max_rows}")
        table = [(i, list(cells)) for i, cells in enumerate(records, start=1)]
        header = _find_header(table)
        if header and (best is None or len(header.columns) > best[0]):
            best = (len(header.columns), delimiter, table, header, starts)
    if best is None:
        raise _FileError(_NO_HEADER)
    _, result.delimiter, table, header, starts = best
    out.lines = {rownum: starts[rownum - 1] for rownum, _cells in table}
    if "decision" not in header.columns:
        table = _mend_records(table, header, result.delimiter)
    default = classification or _title_classification(table[: header.index])
    _parse_table(table, header, "", default, out, today)


def _mend_records(
    table: list[tuple[int, list[Any]]], header: _Header, delimiter: str
) -> list[tuple[int, list[Any]]]:
    """Put back together the records of a list whose only text column is the description
    (the published shape «#;Материал;Дата включения»), as its exports break them:

    * a description cut by a line break the file did not quote continues on the next line,
      which then starts with text instead of a number: it is joined to the record before,
      as long as the two together do not have more cells than the header;
    * a delimiter the file did not quote inside the description («Исключен;», «… 2007);»)
      gives a record more cells than the header: the cells from the description on are joined
      back with the delimiter until the record fits (empty cells at the end are dropped first).
    """
    header_cells = [_cell_text(c) for c in table[header.index][1]]
    width = max(i for i, t in enumerate(header_cells) if t) + 1
    number_col, title_col = header.columns["number"], header.columns["title"]
    body: list[tuple[int, list[Any]]] = []
    for rownum, cells in table[header.index + 1 :]:
        cells = list(cells)
        while len(cells) > width and not _cell_text(cells[-1]):
            cells.pop()
        previous = body[-1][1] if body else None
        first = _cell_text(cells[0]) if cells else ""
        if (
            previous is not None
            and number_col == 0
            and first
            and len(previous) < width
            and len(previous) + len(cells) - 1 <= width
            and not re.fullmatch(r"№?\s*\d{1,9}\s*\.?", first)
            and any(_cell_text(c) for c in previous)
        ):
            previous[-1] = f"{previous[-1]}\n{cells[0]}"
            previous.extend(cells[1:])
            continue
        body.append((rownum, cells))
    for _rownum, cells in body:
        extra = len(cells) - width
        if extra > 0 and title_col < width:
            joined = delimiter.join(str(c) for c in cells[title_col : title_col + extra + 1])
            cells[title_col : title_col + extra + 1] = [joined]
    return table[: header.index + 1] + body


_NO_HEADER = (
    "не найдена строка заголовка таблицы: ожидаются столбцы «№», «Наименование информационного"
    " материала», «Решение суда», «Категория»"
)


def _sheet_table(ws: Any) -> list[tuple[int, list[Any]]]:
    max_col = min(ws.max_column or 1, _MAX_COLUMNS)
    grid: list[list[Any]] = []
    blank_run = 0
    for values in ws.iter_rows(min_row=1, min_col=1, max_col=max_col, values_only=True):
        cells = list(values)
        grid.append(cells)
        blank_run = 0 if any(v not in (None, "") for v in cells) else blank_run + 1
        if blank_run > _MAX_BLANK_RUN:
            break
    for merged in ws.merged_cells.ranges:
        min_col, min_row, _max_col, max_row = merged.bounds
        if min_col > max_col or min_row > len(grid):
            continue
        value = grid[min_row - 1][min_col - 1]
        for r in range(min_row, min(max_row, len(grid)) + 1):
            grid[r - 1][min_col - 1] = value
    return [(i, cells) for i, cells in enumerate(grid, start=1)]


def _check_xlsx(data: bytes, limits: Any, max_rows: int) -> None:
    """Refuse a hostile workbook before openpyxl loads it whole (it must, for merged cells):
    utilities.uploads checks the archive (declared sizes, ratio, no DOCTYPE) and the sheets'
    declared dimensions, then every sheet's rows are streamed and counted up to the limit."""
    import openpyxl  # noqa: PLC0415 - the CSV path does not need it

    from utilities import uploads  # noqa: PLC0415

    try:
        with uploads.open_zip(
            data, limits or uploads.Limits(), max_rows=max_rows, max_columns=_MAX_DECLARED_COLUMNS
        ) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise _FileError(
                    "файл назван как книга Excel XLSX, но является архивом другого формата"
                )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            for ws in workbook.worksheets:
                cells = 0
                for _number, values in uploads.sheet_rows(ws, max_rows=max_rows):
                    cells += len(values)
                    if cells > max_rows * _MAX_COLUMNS:
                        raise _FileError(
                            f"лист {_q(ws.title)} содержит больше {max_rows * _MAX_COLUMNS}"
                            " ячеек: книга слишком велика для загрузки"
                        )
        finally:
            workbook.close()
    except uploads.UnsafeUpload as exc:
        raise _FileError(exc.message) from None
    except _FileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on broken files
        raise _FileError("не удалось прочитать книгу Excel: файл повреждён") from exc


def _read_xlsx(
    data: bytes | str,
    out: _Collector,
    result: ParseResult,
    today: dt.date,
    *,
    limits: Any = None,
    max_rows: int = MAX_ROWS,
    classification: str | None = None,
) -> None:
    if isinstance(data, str) or not data.startswith(b"PK\x03\x04"):
        raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
        what = _what_is(raw)
        if what is None:
            try:
                raw[:4096].decode("utf-8")
                what = "текстовым файлом (возможно, CSV)"
            except UnicodeDecodeError:
                what = "файлом неизвестного формата"
        raise _FileError(f"файл назван как книга Excel XLSX, но является {what}")
    _check_xlsx(data, limits, max_rows)
    import openpyxl  # noqa: PLC0415 - the CSV path does not need it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on broken files
        raise _FileError("не удалось прочитать книгу Excel: файл повреждён") from exc
    try:
        sheets = [(ws.title, _sheet_table(ws)) for ws in workbook.worksheets]
    finally:
        workbook.close()
    non_empty = [(name, table) for name, table in sheets if any(any(c) for _, c in table)]
    out.show_sheet = len(non_empty) > 1
    parsed = 0
    for name, table in non_empty:
        header = _find_header(table)
        if header is None:
            out.warn(0, "header", "", f"лист пропущен: {_NO_HEADER}", name)
            continue
        parsed += 1
        default, problem = parse_classification(name)
        default = (
            classification
            or (default if problem is None else None)
            or _title_classification(table[: header.index])
        )
        _parse_table(table, header, name, default, out, today)
    if not parsed:
        raise _FileError(_NO_HEADER)


def _read_source(source: Any) -> tuple[bytes | str, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), ""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            return fh.read(), os.path.basename(os.fspath(source))
    data = source.read()
    name = getattr(source, "name", "")
    return data, os.path.basename(name) if isinstance(name, str) else ""


def parse_list(
    path_or_fileobj: str | os.PathLike[str] | BinaryIO | bytes,
    filename: str = "",
    *,
    today: dt.date | None = None,
    max_rows: int = MAX_ROWS,
    limits: Any = None,
    classification: str | None = None,
) -> ParseResult:
    """Parse a CSV or XLSX list of materials.

    ``filename`` (else the path's name) decides the format by its extension: .csv/.txt/.tsv are
    CSV, .xlsx/.xlsm are XLSX; with no known extension the content decides. ``today`` (default:
    the current date) is the limit for dates in the future. A file of more than ``max_rows``
    rows (per sheet) is refused; an XLSX is first checked by ``utilities.uploads`` against
    ``limits`` (an ``uploads.Limits``; its defaults when None). Never raises on bad content.

    ``classification`` (EXTREMIST or TERRORIST) is the category of the whole file (the
    published list has no category column: the whole list is one category); a category cell or
    a section heading still decides its own rows. Without it the rows that name no category
    take the sheet's name or the list's title above the header when either names one.
    """
    if classification is not None and classification not in CLASSIFICATIONS:
        raise ValueError(f"unknown classification {classification!r}")
    today = today or dt.date.today()
    result = ParseResult()
    try:
        data, source_name = _read_source(path_or_fileobj)
    except OSError as exc:
        name = filename or str(path_or_fileobj)
        message = f"Файл {_q(name)}: не удалось прочитать файл ({exc.strerror or exc})"
        result.errors.append(RowError(0, "file", message))
        return result
    filename = filename or source_name
    out = _Collector(filename)
    ext = os.path.splitext(filename)[1].lower()
    if ext in (".csv", ".txt", ".tsv"):
        fmt = "csv"
    elif ext in (".xlsx", ".xlsm"):
        fmt = "xlsx"
    elif ext == ".xls":
        fmt = "xls"
    elif ext:
        fmt = "unknown"
    else:
        is_zip = isinstance(data, bytes) and data.startswith(b"PK\x03\x04")
        fmt = "xlsx" if is_zip else "csv"
    try:
        if fmt == "xls":
            raise _FileError(
                "формат XLS (Excel 97–2003) не поддерживается: сохраните файл как XLSX или CSV"
            )
        if fmt == "unknown":
            raise _FileError(f"неподдерживаемый формат {_q(ext)}: загрузите файл CSV или XLSX")
        result.format = fmt
        if fmt == "csv":
            _read_csv(data, out, result, today, max_rows=max_rows, classification=classification)
        else:
            _read_xlsx(
                data, out, result, today,
                limits=limits, max_rows=max_rows, classification=classification,
            )  # fmt: skip
    except _FileError as exc:
        message = f"Файл {_q(filename)}: {exc}" if filename else f"Файл: {exc}"
        return ParseResult(errors=[RowError(0, "file", message)], format="")
    result.rows, result.errors, result.warnings = out.rows, out.errors, out.warnings
    return result


# --------------------------------------------------------------------------------------------
# Export


def _needs_column(rows: Sequence[MaterialRow], key: str) -> bool:
    if key == "included_on":
        return any(r.included_on is not None for r in rows)
    for r in rows:
        court, decision_date, entry = parse_decision(r.decision_text, today=dt.date.max)
        if key == "court" and r.court != court:
            return True
        if key == "decision_date" and r.decision_date != decision_date:
            return True
        if key == "entry_into_force" and r.entry_into_force != entry:
            return True
    return False


def write_list(rows: Iterable[MaterialRow], fmt: Literal["csv", "xlsx"]) -> bytes:
    """Export rows in the list's own column shape: «№», «Наименование информационного
    материала», «Решение суда», «Категория».

    «Суд», «Дата решения», «Дата вступления в силу» are added only when some row's value cannot
    be read back from its decision text, «Дата включения» when some row has that date; a
    struck-off number is written as the published list writes it, «Исключен»; so
    ``parse_list(write_list(rows))`` gives the same rows (row numbers and sheet names aside).
    CSV is UTF-8 with BOM (Excel opens it correctly), comma-separated. Every text cell passes
    utilities.tabular.safe_cell, the one function that neutralises formulas in every file the
    system writes (a cell starting with = + - @, a tab or carriage return, or their fullwidth
    forms, gets a leading apostrophe; the parser removes it).
    """
    rows = list(rows)
    keys = [*_BASE_COLUMNS, *(k for k in _OPTIONAL_COLUMNS if _needs_column(rows, k))]
    header = [COLUMN_TITLES[k] for k in keys]

    def values(r: MaterialRow) -> list[Any]:
        by_key: dict[str, Any] = {
            "number": r.number,
            "title": STRUCK_OFF if r.excluded else r.description,
            "decision": "" if r.excluded else r.decision_text,
            "category": CLASSIFICATION_LABELS[r.classification],
            "court": r.court,
            "decision_date": r.decision_date,
            "entry_into_force": r.entry_into_force,
            "included_on": r.included_on,
        }
        return [by_key[k] for k in keys]

    if fmt == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        for r in rows:
            writer.writerow([safe_cell(_cell_text(v)) if v is not None else "" for v in values(r)])
        return buffer.getvalue().encode("utf-8-sig")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        workbook = new_workbook(buffer)
        cells = CellWriter(workbook)
        bold = cells.format({"bold": True})
        wrapped = cells.format({"text_wrap": True, "valign": "top"})
        day = cells.format({"num_format": "DD.MM.YYYY"})
        sheet = workbook.add_worksheet("Материалы")
        sheet.freeze_panes(1, 0)
        widths = {"number": 8, "title": 70, "decision": 50, "category": 18, "court": 40}
        for index, key in enumerate(keys):
            sheet.set_column(index, index, widths.get(key, 16))
        for index, title in enumerate(header):
            sheet.write_string(0, index, title, bold)
        for row_index, r in enumerate(rows, start=1):
            for col, value in enumerate(values(r)):
                # Text is always written as text, never a formula, whatever it starts with.
                cells.write(
                    sheet, row_index, col, value,
                    number_format=day if isinstance(value, dt.date) else None,
                    text_format=wrapped,
                )  # fmt: skip
        workbook.close()
        return buffer.getvalue()
    raise ValueError(f"unknown format {fmt!r}: expected 'csv' or 'xlsx'")
