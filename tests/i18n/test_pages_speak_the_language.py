"""The main portal pages, read in Kazakh and in English by several roles, show no interface
word of another language.

What the page says is its visible text, less what is data rather than interface: <code>
(defanged URLs), elements marked with another `lang` (an organization's official Russian name,
the language switcher), and every text value stored in the rows the pages show (names of
agencies, materials, users; titles that exist only in Russian). What is left must be:

- in English: no Cyrillic word at all;
- in Kazakh and in Russian: no Latin word that the language's catalogue itself does not use
  (it writes "API", "CSV", "URL", "Telegram"… where the language does; anything else is an
  English word left over).

The oracle is the catalogue, not a list kept by hand, so new pages and strings are covered as
they come; a failure names the page, the role and the words.
"""

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from lxml import html

from accounts.choices import Role
from orders import services as order_services
from orders.choices import RecipientKind
from orders.models import Recipient
from portal import submissions
from registry import services as registry_services
from registry.choices import LinkPlatform, LinkState, ReportSource
from registry.intake import parse_text
from tests.factories import UserFactory
from tests.i18n.catalogs import compiled_catalogue
from tests.i18n.test_catalogs import CYRILLIC_QUOTATIONS_IN_ENGLISH
from tests.materials.factories import MaterialFactory, OrganizationFactory
from tests.registry.factories import LinkFactory
from tests.second_factor import log_in

CYRILLIC_WORD = re.compile(r"\w*[\u0400-\u04ff]\w*")
LATIN_WORD = re.compile(r"(?<![\w.@/-])[A-Za-z][A-Za-z]{2,}(?![\w@/])")
# Models whose stored text values are data on a page, not interface.
DATA_MODELS = [
    "accounts.Agency",
    "accounts.Region",
    "accounts.User",
    "organizations.Organization",
    "organizations.OrganizationAlias",
    "materials.Material",
    "decisions.CourtDecision",
    "registry.Link",
    "registry.Report",
    "registry.StateChange",
]


@pytest.fixture
def workday(officer, prosecutor, auditor):
    """A small register as the demo has it: a link submitted, under review, attributed."""
    supervisor = UserFactory(agency=officer.agency, roles=[Role.SUPERVISOR])
    organization = OrganizationFactory(
        name_ru="Организация Тест", name_kk="Тест ұйымы", name_en="Test organization"
    )
    material = MaterialFactory()
    answers = registry_services.submit_urls(
        ["https://propaganda.example/channel/1", "t.me/some_channel/5", "not a link"],
        user=officer,
        source=ReportSource.FORM,
    )
    link_id = answers[0].link
    registry_services.transition(
        link_id, LinkState.UNDER_REVIEW, actor=supervisor, reason="повторная проверка"
    )
    registry_services.attribute(
        link_id, actor=prosecutor, organization=organization, material=material
    )
    recipient = Recipient.objects.create(
        name_ru="Министерство информации",
        name_kk="Ақпарат министрлігі",
        name_en="Ministry of Information",
        kind=RecipientKind.MINISTRY,
        deadline_hours=24,
    )
    confirmed = LinkFactory(first_reported_by=officer, state=LinkState.CONFIRMED)
    order = order_services.create_order(
        prosecutor, recipient=recipient, links=[confirmed], law_article="ст. 41-1 п. 1"
    )
    # A batch of the officer's with every kind of answer, invalid lines among them.
    lines = parse_text(
        "https://propaganda.example/channel/1\nftp://x.example/a\n\nhttp://x.example:99999/"
    )
    batch = submissions.start(officer, lines, source=ReportSource.FORM)
    submissions.process_next(officer, batch.pk, 0)
    return {
        "users": {
            "officer": officer,
            "supervisor": supervisor,
            "prosecutor": prosecutor,
            "auditor": auditor,
        },
        "link": link_id,
        "organization": organization,
        "material": material,
        "order": order,
        "batch": batch,
    }


def pages(workday) -> list[str]:
    return [
        reverse("portal:home"),
        reverse("portal:links"),
        reverse("portal:link", args=[workday["link"]]),
        reverse("portal:submit"),
        reverse("portal:materials"),
        reverse("portal:material", args=[workday["material"].pk]),
        reverse("portal:organizations"),
        reverse("portal:organization", args=[workday["organization"].pk]),
        reverse("portal:orders"),
        reverse("portal:order", args=[workday["order"].pk]),
        reverse("portal:submit_batch", args=[workday["batch"].pk]),
        reverse("portal:notifications"),
        reverse("portal:profile"),
    ]


def stored_values() -> list[str]:
    values = set()
    for label in DATA_MODELS:
        model = apps.get_model(label)
        for row in model.objects.values():
            values.update(v for v in row.values() if isinstance(v, str) and len(v) > 1)
    return sorted(values, key=len, reverse=True)


def interface_text(content: bytes, language: str, data: list[str]) -> str:
    doc = html.fromstring(content.decode("utf-8"))
    for element in doc.xpath(
        "//script | //style | //code | //textarea | //*[@lang and not(self::html)]"
        f"[not(starts-with(@lang, '{language}'))]"
    ):
        element.drop_tree()
    text = " ".join(" ".join(doc.body.itertext()).split())
    for value in data:
        text = text.replace(value, " ")
    # What a message quotes from the input ('ftp', 'bad host') is data too.
    return re.sub(r"'[^']*'", " ", text)


def latin_words_of_catalogue(language: str) -> set[str]:
    """Latin words the catalogue's translations use, and the platforms' own names (brand
    names, the same in every language: registry.choices.LinkPlatform)."""
    words = {
        w.lower() for label in LinkPlatform.labels for w in re.findall(r"[A-Za-z]+", str(label))
    }
    for translated in compiled_catalogue(language).values():
        words.update(w.lower() for w in re.findall(r"[A-Za-z]+", translated))
    return words


@pytest.mark.parametrize("language", ["kk", "en", "ru"])
@pytest.mark.parametrize("role", ["officer", "supervisor", "prosecutor", "auditor"])
def test_pages_show_no_interface_word_of_another_language(workday, client, role, language):
    log_in(client, workday["users"][role])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    data = stored_values()
    allowed_latin = latin_words_of_catalogue(language) if language != "en" else set()
    # Russian words English msgids quote on purpose (the column header «ссылка»).
    allowed_cyrillic = set(CYRILLIC_WORD.findall(" ".join(CYRILLIC_QUOTATIONS_IN_ENGLISH)))
    found, read = {}, 0
    for path in pages(workday):
        response = client.get(path)
        if response.status_code in (403, 404):
            continue  # the role may not see this page: the policy's tests cover that
        assert response.status_code == 200, (path, response.status_code)
        assert html.fromstring(response.content).xpath("/html/@lang") == [language]
        read += 1
        text = interface_text(response.content, language, data)
        if language == "en":
            foreign = [w for w in CYRILLIC_WORD.findall(text) if w not in allowed_cyrillic]
        else:
            foreign = [w for w in LATIN_WORD.findall(text) if w.lower() not in allowed_latin]
        if foreign:
            found[path] = sorted(set(foreign))
    assert read >= 6, f"{role} could read only {read} of the pages: the check would be vacuous"
    assert not found, f"{role} reading {language} sees untranslated words: {found}"


def test_the_check_would_see_an_untranslated_word():
    """The page check is not vacuous: an English word in a Kazakh page is caught, a Russian
    one in an English page is caught, and data is not."""
    page = (
        b"<html lang='kk'><body><p>\xd0\x96\xd0\xb0\xd2\xa3\xd0\xb0 Submitted</p>"
        b"<code>hxxps://x[.]example</code><span lang='ru'>\xd0\x98\xd0\xbc\xd1\x8f</span>"
        b"</body></html>"
    )
    text = interface_text(page, "kk", [])
    assert LATIN_WORD.findall(text) == ["Submitted"]
    assert "hxxps" not in text and "Имя" not in text
    english = interface_text(
        "<html lang='en'><body><p>State: Новая</p></body></html>".encode(), "en", []
    )
    assert CYRILLIC_WORD.findall(english) == ["Новая"]


def test_a_batchs_refusals_are_said_in_the_language_of_whoever_reads_them(workday, client):
    """The refusals were stored in the submitter's language; the page says them again in the
    reader's, with the values the line held."""
    log_in(client, workday["users"]["officer"])
    url = reverse("portal:submit_batch", args=[workday["batch"].pk])
    expected = {
        "kk": ["Сілтеме бос.", "Тек веб-сілтемелер (http немесе https) тіркеледі, 'ftp'"],
        "ru": ["Ссылка пуста.", "Регистрируются только веб-ссылки (http или https), а не"],
        "en": ["The link is empty.", "'99999' is not a valid port number."],
    }
    for language, sentences in expected.items():
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        content = html.fromstring(client.get(url).content.decode()).text_content()
        for sentence in sentences:
            assert sentence in content, (language, sentence)
