"""Every message the code marks for translation has a Russian and a Kazakh translation in the
compiled catalogues, and the compiled catalogues are those of the .po files in the checkout.

English is the language of the msgids, so the English catalogue is needed only for msgids
written in another script (legal quotations in help texts), and only those are checked for it.
"""

import gettext
import re
import shutil
import subprocess

import pytest

from tests.i18n.catalogs import (
    LOCALE_DIR,
    compiled_catalogue,
    extracted_messages,
    translation_of,
)

CYRILLIC = re.compile(r"[\u0400-\u04ff]")
PLACEHOLDER = re.compile(r"%\(\w+\)[-+ #0]*\d*(?:\.\d+)?[sdifr]|%[sd]|\{[^{}]*\}|<[^<>]+>")

# Translations that are rightly the msgid itself: names of services and formats that every
# language writes alike. Anything else identical to its English msgid is an untranslated copy.
SAME_IN_EVERY_LANGUAGE = {
    "API": "the abbreviation, as in Russian and Kazakh texts",
    "URL": "the abbreviation, as in Russian and Kazakh texts",
    "SHA-256": "the name of the hash function",
    "MD5": "the name of the hash function",
    "ETag": "the name of the HTTP header",
    "Telegram": "a service's own name",
    "YouTube": "a service's own name",
    "VK": "a service's own name",
    "OK.ru": "a service's own name",
    "Instagram": "a service's own name",
    "Facebook": "a service's own name",
    "TikTok": "a service's own name",
    "X (Twitter)": "a service's own name",
    "WhatsApp": "a service's own name",
}

# Msgids in Cyrillic that English readers see as they are: quotations of Russian legal texts.
CYRILLIC_QUOTATIONS_IN_ENGLISH = {
    "The decision as the official list writes it, e.g. «решение … суда от …».",
    "Generated as ПР-<year>/<sequence>; may be edited while the order is a draft.",
    "E.g. «ст. 41-1 п. 1 Закона РК «О связи»».",
    "TXT (one URL a line), CSV or XLSX (the column named url, link or ссылка, else the first "
    "column); up to %(lines)d lines and %(mb)d MB.",
}


@pytest.fixture(scope="module")
def messages():
    found = extracted_messages()
    # A sanity floor: an extraction that silently found nothing would pass every check below.
    assert len(found) > 1000, f"only {len(found)} messages extracted; is xgettext working?"
    return found


def untranslated(messages, language):
    catalogue = compiled_catalogue(language)
    return [str(m) for m in messages if not translation_of(catalogue, m)]


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_message_has_a_translation(messages, language):
    missing = untranslated(messages, language)
    assert not missing, (
        f"{len(missing)} message(s) have no {language} translation in "
        f"locale/{language}/LC_MESSAGES/django.po (or it is fuzzy, or the .mo is not compiled):\n"
        + "\n".join(missing)
    )


def test_messages_written_in_cyrillic_have_an_english_translation(messages):
    missing = [
        m
        for m in untranslated(messages, "en")
        if CYRILLIC.search(m.split(" (")[0])
        and not any(m.startswith(repr(q)) for q in CYRILLIC_QUOTATIONS_IN_ENGLISH)
    ]
    assert not missing, "No English translation for:\n" + "\n".join(missing)


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_no_translation_is_a_copy_of_the_english(messages, language):
    catalogue = compiled_catalogue(language)
    copies = []
    for message in messages:
        forms = translation_of(catalogue, message)
        if not forms or forms[0] != message.msgid:
            continue
        if not re.search(r"[A-Za-z]", PLACEHOLDER.sub("", message.msgid)):
            continue  # only placeholders and punctuation: "%(lower)s – %(upper)s"
        if message.msgid not in SAME_IN_EVERY_LANGUAGE:
            copies.append(str(message))
    assert not copies, f"{language} translations that only copy the English:\n" + "\n".join(copies)


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_compiled_catalogue_is_that_of_the_po_file(language, tmp_path):
    """The .mo files are tracked: one compiled from the .po now must say the same."""
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt (GNU gettext) is needed, as for compilemessages"
    po = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(po)], check=True)
    with fresh.open("rb") as mo:
        expected = dict(gettext.GNUTranslations(mo)._catalog)
    assert compiled_catalogue(language) == expected, (
        f"locale/{language}/LC_MESSAGES/django.mo is not compiled from its .po: run "
        "`DEBUG=1 python manage.py compilemessages --ignore=.venv`"
    )
