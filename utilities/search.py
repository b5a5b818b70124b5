"""Search keys shared by the registers: one spelling-tolerant form for Russian, Kazakh and Latin.

Names of banned organizations and materials reach us in Cyrillic (Russian and Kazakh) and in
Latin transliterations that differ from source to source («Хизб ут-Тахрир», «Хизбут-Тахрир»,
«Hizb ut-Tahrir», «Khizb at-Takhrir»). `search_key` reduces any of them to lower-case Latin
letters and digits, words separated by single spaces, with the usual transliteration variants
folded together. The registers store it in `search_key`; PostgreSQL compares keys with trigram
word similarity (misspellings). Working in ASCII also keeps pg_trgm independent of the
database's locale. No Django imports.
"""

import re
import unicodedata

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "sh", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    # Kazakh letters
    "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
}  # fmt: skip

# Latin spellings that transliterations disagree on, folded to one form.
_LATIN_FOLDS = (
    ("kh", "h"),
    ("x", "h"),
    ("q", "k"),
    ("w", "v"),
    ("j", "zh"),
    ("ph", "f"),
    ("yu", "u"),
    ("ya", "a"),
    ("iy", "i"),
    ("yi", "i"),
    ("ij", "i"),
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DOUBLE = re.compile(r"([a-z])\1+")


def search_key(*parts: str | None) -> str:
    """The folded Latin form of the given texts: «Хизб ут-Тахрир» -> «hizb ut tahrir»."""
    text = " ".join(p for p in parts if p)
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text)  # й and ё lost their marks above: map both
    text = "".join(_CYRILLIC.get(ch, ch) for ch in text)
    text = _NON_ALNUM.sub(" ", text)
    for old, new in _LATIN_FOLDS:
        text = text.replace(old, new)
    text = _DOUBLE.sub(r"\1", text)
    return " ".join(text.split())


def compact(key: str) -> str:
    """The key without spaces: «hizbut tahrir» and «hizb ut tahrir» meet as «hizbuttahrir»."""
    return key.replace(" ", "")
