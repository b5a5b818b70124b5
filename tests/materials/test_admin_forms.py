"""The material's admin form: languages ticked from the project's list (not typed as JSON),
the court decision found by its court, date or number (not typed as an id)."""

import pytest
from django.contrib import admin
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.urls import reverse

from materials.models import Material
from tests.materials.factories import CourtDecisionFactory, MaterialFactory


def material_form(user, material, **changes):
    """The admin's own form class for this user and material, bound to its data + changes."""
    request = RequestFactory().get("/admin/")
    request.user = user
    model_admin = admin.site._registry[Material]
    form_class = model_admin.get_form(request, material, change=True)
    data = {k: v for k, v in model_to_dict(material).items() if v is not None}
    data.update(changes)
    return form_class(data=data, instance=material)


@pytest.fixture
def material(db):
    return MaterialFactory(languages=["ru"])


def test_languages_are_ticks_from_the_project_list(prosecutor, client_for, material):
    page = client_for(prosecutor).get(
        reverse("admin:materials_material_change", args=[material.pk])
    )
    html = page.content.decode()
    assert 'type="checkbox" name="languages" value="kk"' in html
    assert 'name="languages" value="ru"' in html and "checked" in html
    assert '<textarea name="languages"' not in html


def test_ticked_languages_are_saved_as_the_list_of_codes(prosecutor, material):
    form = material_form(prosecutor, material, languages=["kk", "ar"])
    assert form.is_valid(), form.errors
    form.save()
    material.refresh_from_db()
    assert material.languages == ["kk", "ar"]


def test_a_language_outside_the_list_is_refused_naming_it(prosecutor, material):
    form = material_form(prosecutor, material, languages=["ru", "xx"])
    assert not form.is_valid()
    assert "xx" in " ".join(form.errors["languages"])
    material.refresh_from_db()
    assert material.languages == ["ru"]


def test_a_stored_code_the_list_does_not_know_is_kept(prosecutor, db):
    legacy = MaterialFactory(languages=["ru", "xx"])
    form = material_form(prosecutor, legacy, languages=["ru", "xx"])
    assert form.is_valid(), form.errors


def test_the_decision_is_chosen_by_court_date_and_number(prosecutor, client_for, material):
    wanted = CourtDecisionFactory(
        court="Есильский районный суд г. Астаны", case_number="2-555/2020"
    )
    client = client_for(prosecutor)
    page = client.get(reverse("admin:materials_material_change", args=[material.pk]))
    html = page.content.decode()
    assert 'name="decision"' in html and "admin-autocomplete" in html
    assert 'id="lookup_id_decision"' not in html  # no raw-id box

    found = client.get(
        reverse("admin:autocomplete"),
        {
            "term": "Есиль",
            "app_label": "materials",
            "model_name": "material",
            "field_name": "decision",
        },
    ).json()
    assert [r["id"] for r in found["results"]] == [str(wanted.pk)]
    assert found["results"][0]["text"] == "Есильский районный суд г. Астаны 12.03.2019 № 2-555/2020"

    form = material_form(prosecutor, material, decision=wanted.pk)
    assert form.is_valid(), form.errors
    assert form.save().decision == wanted
    assert not material_form(prosecutor, material, decision=10**9).is_valid()


def import_in(client, language, text, **fields):
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.post(
        reverse("admin:materials_material_import"),
        {"file": SimpleUploadedFile("list.csv", text.encode()), **fields},
    )


def test_a_rejected_import_lists_only_what_was_wrong_in_the_readers_language(
    prosecutor, client_for
):
    from tests.materials.test_import import MESSY

    for language, summary, field in [
        ("en", "list.csv: rejected, nothing was written: 2 rows have errors.", "number"),
        ("kk", "list.csv: қабылданбады, ештеңе жазылмады: 2 жолда қате бар.", "нөмір"),
        ("ru", "list.csv: отклонён, ничего не записано: в 2 строках ошибки.", "номер"),
    ]:
        page = import_in(client_for(prosecutor), language, MESSY)
        html = page.content.decode()
        assert summary in html
        assert "Путь" not in html  # a good row: it would have been created, not news now
        assert "New materials" not in html and "Новые материалы" not in html
        rows = html.split('id="rejected-rows"')[1].split("</table>")[0]
        assert f"<td>{field}</td>" in rows
        assert "<td>9</td>" in rows and "<td>7</td>" in rows
    assert not Material.objects.exists()


def test_an_applied_import_is_summarised_in_the_readers_language(prosecutor, client_for):
    from tests.materials.test_import import CLEAN

    html = import_in(client_for(prosecutor), "ru", CLEAN).content.decode()
    assert "list.csv: создано материалов: 3, изменено: 0, исключено: 0" in html
    assert Material.objects.count() == 3
