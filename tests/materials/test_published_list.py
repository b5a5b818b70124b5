"""The official list in its published shape: «#;Материал;Дата включения», Windows-1251, «;»,
CRLF, no category column, the decision inside the description, struck-off numbers.

The fixture is invented (tests/materials/fixtures/make_published_list.py writes it and the
answers in published_list.expected.json); it carries the oddities of real exports.
"""

import dataclasses
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.choices import AgencyKind, Role
from decisions.models import CourtDecision
from materials import services
from materials.choices import MaterialStatus
from materials.listparse import (
    EXTREMIST,
    TERRORIST,
    guess_kind,
    is_struck_off,
    parse_list,
    short_title,
    write_list,
)
from materials.models import Material
from tests.materials.fixtures.make_published_list import build
from tests.second_factor import log_in

FIXTURES = Path(__file__).parent / "fixtures"
PUBLISHED = FIXTURES / "published_list.csv"
EXPECTED = json.loads((FIXTURES / "published_list.expected.json").read_text(encoding="utf-8"))
STRUCK = [e["number"] for e in EXPECTED if e["excluded"]]
LISTED = [e for e in EXPECTED if not e["excluded"]]
TODAY = dt.date(2026, 1, 1)


def published(text: str = "", *, name: str = "list.csv") -> io.BytesIO:
    """The fixture, or ``text`` in the published encoding and line ends."""
    data = text.replace("\n", "\r\n").encode("cp1251") if text else PUBLISHED.read_bytes()
    upload = io.BytesIO(data)
    upload.name = name
    return upload


def answers(row) -> dict:
    got = {"excluded": row.excluded}
    if not row.excluded:
        got |= {
            "title": row.title,
            "kind": row.kind,
            "court": row.court,
            "decision_date": row.decision_date.isoformat(),
            "included_on": row.included_on.isoformat(),
        }
    return got


# --------------------------------------------------------------------------------------------
# The fixture itself


def test_fixture_is_in_the_published_shape_and_up_to_date():
    data = PUBLISHED.read_bytes()
    assert data == build()[0], "run tests/materials/fixtures/make_published_list.py again"
    text = data.decode("cp1251")
    assert text.startswith("#;Материал;Дата включения\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert len(text.splitlines()) > 300  # records spanning two lines make more lines than records
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


# --------------------------------------------------------------------------------------------
# Category for the whole file


def test_every_record_reads_as_written_with_the_category_given_for_the_file():
    result = parse_list(PUBLISHED, classification=EXTREMIST, today=TODAY)
    assert result.ok, result.errors[:5]
    assert not result.warnings
    assert (result.encoding, result.delimiter) == ("cp1251", ";")
    assert [r.number for r in result.rows] == [e["number"] for e in EXPECTED]
    assert {r.classification for r in result.rows} == {EXTREMIST}
    for row, expected in zip(result.rows, EXPECTED, strict=True):
        wanted = {k: v for k, v in expected.items() if k not in ("number", "line")}
        assert answers(row) == wanted, row.number


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), records=st.integers(1, 80))
def test_any_list_the_generator_writes_reads_as_written(seed, records):
    data, expected = build(seed, records)
    result = parse_list(data, "list.csv", classification=TERRORIST, today=TODAY)
    assert result.ok, result.errors[:3]
    assert [answers(r) for r in result.rows] == [
        {k: v for k, v in e.items() if k not in ("number", "line")} for e in expected
    ]


def test_without_a_category_every_row_says_the_category_is_missing_for_the_whole_file():
    result = parse_list(PUBLISHED, today=TODAY)
    assert len(result.errors) == len(EXPECTED)
    assert {e.field for e in result.errors} == {"category"}
    assert "укажите категорию для всего файла" in result.errors[0].message


def test_the_lists_title_gives_the_category():
    title = "Федеральный список экстремистских материалов\r\n".encode("cp1251")
    result = parse_list(title + PUBLISHED.read_bytes(), "list.csv", today=TODAY)
    assert result.ok, result.errors[:3]
    assert {r.classification for r in result.rows} == {EXTREMIST}


def test_a_category_column_still_decides_its_rows():
    text = (
        "№;Наименование;Решение суда;Категория\n"
        "1;Брошюра «А»;решение Кировского районного суда г. Уфы от 01.02.2010;террористический\n"
        "2;Брошюра «Б»;решение Кировского районного суда г. Уфы от 01.02.2010;\n"
    )
    result = parse_list(published(text), classification=EXTREMIST, today=TODAY)
    assert [(r.number, r.classification) for r in result.rows] == [(1, TERRORIST), (2, EXTREMIST)]


def test_an_unknown_classification_is_a_programming_error():
    with pytest.raises(ValueError):
        parse_list(PUBLISHED, classification="экстремистский")


# --------------------------------------------------------------------------------------------
# Description: title, court, decision date


def test_court_and_decision_date_are_taken_out_of_the_description():
    text = (
        "#;Материал;Дата включения\n"
        "1;Листовка «Обращение Национально-патриотического фронта «Память»» (решение"
        " Первомайского районного суда г. Омска от 01.02.2007);;15.03.2007\n"
    )
    (row,) = parse_list(published(text), classification=EXTREMIST, today=TODAY).rows
    assert row.title == "Обращение Национально-патриотического фронта «Память»"
    assert row.court == "Первомайский районный суд г. Омска"
    assert row.decision_date == dt.date(2007, 2, 1)
    assert row.decision_text == "решение Первомайского районного суда г. Омска от 01.02.2007"
    assert row.included_on == dt.date(2007, 3, 15)
    assert row.kind == "print"


@pytest.mark.parametrize(
    ("description", "title", "kind", "court", "decided"),
    [
        (
            "Книга «Ислам: Ответы на вопросы» М. Азиза (решение Ленинского районного суда"
            " г. Оренбурга от 21.05.2007);",
            "Ислам: Ответы на вопросы", "print", "Ленинский районный суд г. Оренбурга",
            "2007-05-21",
        ),
        (
            "Видеоролик «Россия для всех», продолжительностью 3 мин. 28 сек., начинающийся словами"
            " «Братья» (решение Кировского районного суда г. Екатеринбурга от 22.09.2010);",
            "Россия для всех", "video", "Кировский районный суд г. Екатеринбурга", "2010-09-22",
        ),
        (
            "Музыкальный альбом группы «Коловрат» «Наше время» (решение Савеловского районного"
            " суда города Москвы от 01.02.2011);",
            "Наше время", "audio", "Савеловский районный суд города Москвы", "2011-02-01",
        ),
        (
            "Статья «Слово о земле», опубликованная в газете «Русская правда» № 3 (29) 2006 г."
            " (решение Мещанского районного суда г. Москвы от 12.12.2008);",
            "Слово о земле", "print", "Мещанский районный суд г. Москвы", "2008-12-12",
        ),
        (
            "Аудиофайл «Голос», размещенный в сети Интернет (решение Октябрьского районного суда"
            " г. Ижевска Удмуртской Республики от 10.08.2012);",
            "Голос", "audio", "Октябрьский районный суд г. Ижевска Удмуртской Республики",
            "2012-08-10",
        ),
        (
            "Интернет-страница пользователя «ivan_fixture» социальной сети «ВКонтакте» (решение"
            " Верховного Суда Республики Башкортостан от 03.04.2013);",
            "ivan_fixture", "social_account", "Верховный Суд Республики Башкортостан", "2013-04-03",
        ),
        (
            "Материалы интернет-сайта http://www.fixture.invalid (решение Нальчикского городского"
            " суда Кабардино-Балкарской Республики от 05.06.2012);",
            "Материалы интернет-сайта http://www.fixture.invalid", "web_page",
            "Нальчикский городской суд Кабардино-Балкарской Республики", "2012-06-05",
        ),
        (
            "Книга «Доктрина «Русского порядка»» автора Вымыслова (по решению Кировского районного"
            " суда г. Уфы от 24.03.2010, вступившему в законную силу 20.04.2010);",
            "Доктрина «Русского порядка»", "print", "Кировский районный суд г. Уфы", "2010-03-24",
        ),
    ],
)  # fmt: skip
def test_real_looking_records(description, title, kind, court, decided):
    text = f'#;Материал;Дата включения\n1;"{description}";01.01.2015\n'
    result = parse_list(published(text), classification=EXTREMIST, today=TODAY)
    assert result.ok and not result.warnings, (result.errors, result.warnings)
    (row,) = result.rows
    assert (row.title, row.kind, row.court) == (title, kind, court)
    assert row.decision_date.isoformat() == decided
    assert row.included_on == dt.date(2015, 1, 1)


@pytest.mark.parametrize(
    ("description", "title"),
    [
        ("Листовка «Обращение фронта «Память»»", "Обращение фронта «Память»"),
        ("Листовка «Обращение фронта «Память»", "Обращение фронта «Память»"),  # one » lost
        ('Статья "Обращение фронта "Память"" в газете', 'Обращение фронта "Память"'),
        ("Книга Вымыслова П.П. «Путь воина»", "Путь воина"),
        ("Статья автора «Вымыслов П.П.» под названием «Путь воина»", "Путь воина"),
        ("Песня группы «Ночной дозор» «Путь воина»", "Путь воина"),
        ("Музыкальный альбом «Путь воина» группы «Ночной дозор»", "Путь воина"),
        ("Видеоролик пользователя «volk_fixture» под названием «Зов»", "Зов"),
        ("Газета «Вестник» № 5", "Вестник"),  # only a maker's name in quotes: it is the title
        ("Информационный материал – книга Вымыслова П.П. Путь", "Книга Вымыслова П.П. Путь"),
        ("Листовка, начинающаяся словами «Братья»", "Листовка, начинающаяся словами «Братья»"),
    ],
)  # fmt: skip
def test_title_keeps_nested_quotes_and_prefers_the_works_name(description, title):
    assert short_title(description) == title


# --------------------------------------------------------------------------------------------
# Kind


@pytest.mark.parametrize(
    ("description", "kind"),
    [
        ("Музыкальный альбом «Путь воина» группы «Ночной дозор»", "audio"),
        ("Альбом «Зов крови» исполнителя Вымыслова П.П.", "audio"),
        ("Песня группы «Коловрат» «Вперёд»", "audio"),
        ("Компакт-диск с записью песен группы «Полярный круг»", "audio"),
        ("Аудиозапись проповеди на русском языке", "audio"),
        ("Аудиокнига «Наследие»", "audio"),
        ("Музыкальная композиция «Бастион»", "audio"),
        ("Нашид «Братья»", "audio"),
        ("Статья «Голос правды», опубликованная в газете «Вестник» № 3", "print"),
        ("Статья «Голос правды», размещенная на сайте www.fixture.invalid", "print"),
        ("Книга Вымыслова П.П. «Путь воина»", "print"),
        ("Брошюра «Наследие», 48 с.", "print"),
        ("Листовка «Обращение фронта «Память»»", "print"),
        ("Журнал «Бастион» № 4", "print"),
        ("Газета «Вестник» № 12 (45)", "print"),
        ("Стихотворение «Сыны земли»", "print"),
        ("Информационный материал – текст обращения «К народу»", "print"),
        ("Публикация «Под знаменем» в сети Интернет", "print"),
        ("Видеоролик «Огонь и сталь» продолжительностью 3 мин. 12 сек.", "video"),
        ("Видеофильм «Хроники движения «Рассвет»»", "video"),
        ("Кинофильм «Зов крови»", "video"),
        ("Музыкальный видеоклип «Путь воина» группы «Ночной дозор»", "video"),
        ("Видеозапись выступления, размещенная на странице пользователя", "video"),
        ("DVD с записью фильма «Бастион»", "video"),
        ("Изображение (фотография) с подписью «Голос правды»", "image"),
        ("Графическое изображение свастики", "image"),
        ("Карикатура «Бастион»", "image"),
        ("Фотоальбом «Наследие»", "image"),
        ("Демотиватор с надписью «Зов»", "image"),
        ("Интернет-сайт http://fixture.invalid", "web_page"),
        ("Материал, размещенный на интернет-странице http://fixture.invalid/a", "web_page"),
        ("Веб-страница «Наследие»", "web_page"),
        ("Интернет-ресурс «Бастион»", "web_page"),
        ("Форум «Северный ветер»", "web_page"),
        ("Страница пользователя «volk_fixture» в социальной сети «ВКонтакте»", "social_account"),
        ("Сообщество «Северный ветер» в социальной сети «Одноклассники»", "social_account"),
        ("Группа «Белая стража» в социальной сети «ВКонтакте»", "social_account"),
        ("Видеоканал «Заря» на видеохостинге", "social_account"),
        ("Telegram-канал «Голос предков»", "social_account"),
        ("Аккаунт «zov_fixture» в Instagram", "social_account"),
        ("Личная страница «Иван Вымыслов»", "social_account"),
    ],
)  # fmt: skip
def test_kind_is_guessed_from_the_descriptions_words(description, kind):
    assert guess_kind(description) == kind


def test_fixture_kinds_cover_every_kind():
    assert {e["kind"] for e in LISTED} == {
        "print", "audio", "video", "image", "web_page", "social_account",
    }  # fmt: skip


# --------------------------------------------------------------------------------------------
# Struck-off numbers


@pytest.mark.parametrize(
    "text",
    [
        "Исключен",
        "Исключен;",
        "исключен из списка",
        "ИСКЛЮЧЕН",
        "Исключён",
        "(исключен)",
        "Пункт исключен",
        "Исключен решением Кировского районного суда г. Уфы от 01.02.2012",
        "Тізімнен алынып тасталды",
        "Excluded",
    ],
)
def test_struck_off_spellings(text):
    assert is_struck_off(text)


@pytest.mark.parametrize("text", ["Книга «Исключенный»", "Листовка исключенного члена партии"])
def test_a_description_that_only_mentions_exclusion_is_a_material(text):
    assert not is_struck_off(text)


@pytest.mark.django_db
def test_struck_off_numbers_become_excluded_materials_never_titled_excluded():
    report = services.import_material_list(published(), classification=EXTREMIST)
    assert report.applied, report.rejected[:3]
    assert sorted(r.number for r in report.excluded) == STRUCK
    assert len(report.created) == len(LISTED)
    excluded = Material.objects.filter(status=MaterialStatus.EXCLUDED)
    assert sorted(excluded.values_list("number", flat=True)) == STRUCK
    assert set(excluded.values_list("title", flat=True)) == {""}
    assert not Material.objects.filter(title__icontains="исключ").exists()
    assert not Material.objects.filter(description__icontains="исключ").exists()
    assert str(excluded.first()) == f"№ {STRUCK[0]}"
    assert Material.objects.filter(status=MaterialStatus.IN_FORCE).count() == len(LISTED)


@pytest.mark.django_db
def test_a_later_list_striking_off_a_known_material_excludes_it_and_keeps_its_title():
    text = "#;Материал;Дата включения\n1;Брошюра «Наследие» (решение Кировского районного суда г. Уфы от 01.02.2010);01.03.2010\n"  # noqa: E501
    services.import_material_list(published(text), classification=EXTREMIST)
    struck = "#;Материал;Дата включения\n1;Исключен;\n"
    report = services.import_material_list(published(struck), classification=EXTREMIST)
    assert [r.number for r in report.excluded] == [1]
    material = Material.objects.get(number=1)
    assert (material.status, material.title, material.excluded_on) == (
        MaterialStatus.EXCLUDED,
        "Наследие",
        None,
    )
    assert material.included_on == dt.date(2010, 3, 1)
    again = services.import_material_list(published(struck), classification=EXTREMIST)
    assert again.excluded == [] and len(again.unchanged) == 1
    # The published record again does not put an excluded material back in force.
    services.import_material_list(published(text), classification=EXTREMIST)
    assert Material.objects.get(number=1).status == MaterialStatus.EXCLUDED


# --------------------------------------------------------------------------------------------
# Import: decisions, dates, idempotence, all or nothing


@pytest.mark.django_db
def test_import_keeps_the_date_of_inclusion_and_links_the_court_decisions():
    services.import_material_list(published(), classification=EXTREMIST)
    materials = {m.number: m for m in Material.objects.select_related("decision")}
    for expected in LISTED:
        material = materials[expected["number"]]
        assert material.included_on.isoformat() == expected["included_on"]
        assert material.title == expected["title"]
        assert material.kind == expected["kind"]
        assert material.classification == EXTREMIST
        assert material.decision.court == expected["court"]
        assert material.decision.decision_date.isoformat() == expected["decision_date"]
    # Materials of one decision share it, as the importer always did.
    assert CourtDecision.objects.count() == len(
        {m.decision.text for m in materials.values() if m.decision}
    )


@pytest.mark.django_db
def test_reimporting_the_published_list_changes_nothing(django_assert_max_num_queries):
    services.import_material_list(published(), classification=EXTREMIST)
    before = list(Material.objects.values().order_by("number"))
    history, decisions = Material.history.count(), CourtDecision.objects.count()
    with django_assert_max_num_queries(7):
        report = services.import_material_list(published(), classification=EXTREMIST)
    assert report.applied
    assert (report.created, report.updated, report.excluded) == ([], [], [])
    assert len(report.unchanged) == len(EXPECTED)
    assert list(Material.objects.values().order_by("number")) == before
    assert (Material.history.count(), CourtDecision.objects.count()) == (history, decisions)


@pytest.mark.django_db
def test_a_later_date_of_inclusion_updates_the_material():
    text = "#;Материал;Дата включения\n1;Брошюра «Наследие» (решение Кировского районного суда г. Уфы от 01.02.2010);01.03.2010\n"  # noqa: E501
    services.import_material_list(published(text), classification=EXTREMIST)
    report = services.import_material_list(
        published(text.replace("01.03.2010", "02.03.2010")), classification=EXTREMIST
    )
    assert [fields for _row, fields in report.updated] == [["included_on"]]
    assert Material.objects.get(number=1).included_on == dt.date(2010, 3, 2)


def broken_fixture() -> io.BytesIO:
    """The fixture with a bad date of inclusion and a bad number late in the file."""
    lines = PUBLISHED.read_bytes().decode("cp1251").split("\r\n")
    last = next(
        e for e in reversed(LISTED) if e["included_on"] and lines[e["line"] - 1].count(";") == 2
    )
    lines[last["line"] - 1] = lines[last["line"] - 1].rsplit(";", 1)[0] + ";31.02.2010"
    other = LISTED[-5]
    number = str(other["number"])
    lines[other["line"] - 1] = number + "а" + lines[other["line"] - 1][len(number) :]
    data = io.BytesIO("\r\n".join(lines).encode("cp1251"))
    data.name = "list.csv"
    return data, last, other


@pytest.mark.django_db
def test_bad_rows_are_named_by_row_file_line_and_field_and_nothing_is_imported():
    data, bad_date, bad_number = broken_fixture()
    report = services.import_material_list(data, classification=EXTREMIST)
    assert not report.ok
    errors = {e.field: e for e in report.rejected}
    assert set(errors) == {"included_on", "number"}
    date_error = errors["included_on"]
    # The row is the one a spreadsheet shows (a line break the file did not quote makes two);
    # the message also gives the file's own line, which records spanning lines push further.
    row = date_error.row
    assert row < bad_date["line"]
    assert date_error.message == (
        f"Строка {row} (строка {bad_date['line']} в файле), поле «Дата включения»:"
        " некорректная дата «31.02.2010»"
    )
    assert f"«{bad_number['number']}а»" in errors["number"].message
    assert f"строка {bad_number['line']} в файле" in errors["number"].message
    assert not Material.objects.exists() and not CourtDecision.objects.exists()


# --------------------------------------------------------------------------------------------
# Entry points


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["extremist", "экстремистский"])
def test_command_takes_the_category_for_the_whole_file(tmp_path, value):
    out = tmp_path / "out"
    with out.open("w") as stdout:
        call_command("import_materials", str(PUBLISHED), "--classification", value, stdout=stdout)
    assert Material.objects.filter(classification=EXTREMIST).count() == len(EXPECTED)
    text = out.read_text()
    assert f"struck off № {STRUCK[0]}" in text
    assert f"{len(STRUCK)} struck off" in text


@pytest.mark.django_db
def test_command_without_a_category_names_every_row_and_imports_nothing(tmp_path):
    out = tmp_path / "out"
    with out.open("w") as stdout, pytest.raises(CommandError):
        call_command("import_materials", str(PUBLISHED), stdout=stdout)
    assert "укажите категорию для всего файла" in out.read_text()
    assert not Material.objects.exists()
    with pytest.raises(CommandError):
        call_command("import_materials", str(PUBLISHED), "--classification", "неизвестно")


def test_admin_import_page_takes_the_category_for_the_whole_file(make_user):
    user = make_user(Role.PROSECUTOR, kind=AgencyKind.PROSECUTOR, is_staff=True)
    client = Client()
    log_in(client, user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ru"
    url = reverse("admin:materials_material_import")
    page = client.get(url).content.decode()
    assert 'name="classification"' in page
    response = client.post(
        url,
        {
            "file": SimpleUploadedFile("list.csv", PUBLISHED.read_bytes()),
            "classification": TERRORIST,
        },
    )
    assert response.status_code == 200
    assert "Исключённые номера" in response.content.decode()
    assert Material.objects.filter(classification=TERRORIST).count() == len(EXPECTED)


def test_api_import_takes_the_category_for_the_whole_file(make_user, api_client):
    user = make_user(Role.PROSECUTOR, kind=AgencyKind.PROSECUTOR)
    log_in(api_client, user)
    response = api_client.post(
        "/api/v1/materials/import/",
        {
            "file": SimpleUploadedFile("list.csv", PUBLISHED.read_bytes()),
            "classification": EXTREMIST,
        },
        format="multipart",
    )
    assert response.status_code == 200, response.content[:500]
    assert response.json()["excluded"] == STRUCK


# --------------------------------------------------------------------------------------------
# Export


def test_export_writes_the_date_of_inclusion_and_struck_off_numbers_and_reads_back():
    rows = parse_list(PUBLISHED, classification=EXTREMIST, today=TODAY).rows
    data = write_list(rows, "csv")
    header = data.decode("utf-8-sig").splitlines()[0]
    assert header.endswith("Дата включения")
    again = parse_list(data, "export.csv", today=TODAY)
    assert again.ok, again.errors[:3]
    position = {"row": 0, "sheet": ""}
    assert [dataclasses.replace(r, **position) for r in again.rows] == [
        dataclasses.replace(r, **position) for r in rows
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_register_export_of_the_published_list_reads_back_unchanged(fmt):
    services.import_material_list(published(), classification=EXTREMIST)
    content = services.export_material_list(
        Material.objects.select_related("decision").order_by("number"), fmt
    )
    report = services.import_material_list(io.BytesIO(content), f"export.{fmt}")
    assert report.applied, report.rejected[:3]
    assert len(report.unchanged) == len(EXPECTED)
    assert (report.created, report.updated, report.excluded) == ([], [], [])


def test_published_shape_in_a_workbook_takes_its_category_from_the_title():
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Федеральный список экстремистских материалов (учебный пример)"])
    sheet.append(["#", "Материал", "Дата включения"])
    sheet.append([1, "Листовка «Обращение фронта «Память»» (решение Первомайского районного суда"
                  " г. Омска от 01.02.2007);", dt.datetime(2007, 3, 15)])  # fmt: skip
    sheet.append([2, "Исключен;", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = parse_list(buffer.getvalue(), "list.xlsx", today=TODAY)
    assert result.ok, result.errors
    first, second = result.rows
    assert (first.title, first.classification, first.included_on) == (
        "Обращение фронта «Память»",
        EXTREMIST,
        dt.date(2007, 3, 15),
    )
    assert first.court == "Первомайский районный суд г. Омска"
    assert (second.number, second.excluded, second.title) == (2, True, "")
