"""Import of the official list: messy files, all-or-nothing, idempotence, dry run, export."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from decisions.models import CourtDecision
from materials import services
from materials.models import Material

SAMPLES = Path(__file__).parent / "samples"
# The shape of the published list (a copy of the product team's sample).
SHARED_SAMPLE = Path(__file__).resolve().parent / "samples" / "official_list_sample.csv"

CLEAN = (
    "№,Наименование информационного материала,Решение суда,Категория\n"
    '1,"Брошюра «Путь» на русском языке, 48 страниц",'
    '"решение Алмалинского районного суда г. Алматы от 12.03.2019, вступило в силу 28.03.2019",'
    "экстремистский\n"
    "2,Видеоролик «Призыв»,"
    '"решение Алмалинского районного суда г. Алматы от 12.03.2019, вступило в силу 28.03.2019",'
    "экстремистский\n"
    "3,Аудиозапись «Проповедь» на казахском языке,"
    "решение специализированного межрайонного суда по уголовным делам Атырауской области"
    " от 04.11.2020,террористический\n"
)

# Title rows, double spaces, dd.mm.yy dates, a blank row, a harmless repeat, the decision inside
# the description — and two bad rows (an impossible date, a number that is not a number).
MESSY = (
    "Перечень информационных материалов;;;\n"
    ";;;\n"
    "№ п/п;Наименование материала;Решение суда;Категория\n"
    '1.;"Брошюра  «Путь»   на русском языке";решение Алмалинского районного суда г. Алматы'
    " от 12.03.2019;Экстремистский\n"
    ";;;\n"
    '2;"Аудиозапись «Проповедь», решение Есильского районного суда г. Астаны от 15.06.21";;'
    "экстремистский\n"
    "3;Листовка «Третья»;решение Медеуского районного суда г. Алматы от 31.02.2020;экстремистский\n"
    '1.;"Брошюра  «Путь»   на русском языке";решение Алмалинского районного суда г. Алматы'
    " от 12.03.2019;Экстремистский\n"
    "4а;Журнал «Четвёртый»;решение Алмалинского районного суда г. Алматы от 01.01.2021;"
    "экстремистский\n"
)


def csv_file(text: str, name: str = "list.csv") -> io.BytesIO:
    data = io.BytesIO(text.encode("utf-8"))
    data.name = name
    return data


@pytest.mark.django_db
def test_clean_list_creates_materials_with_their_shared_decisions():
    report = services.import_material_list(csv_file(CLEAN), "list.csv")
    assert report.applied
    assert [r.number for r in report.created] == [1, 2, 3]
    first, second, third = Material.objects.order_by("number").select_related("decision")
    assert first.title == "Путь"
    assert first.kind == "print" and first.languages == ["ru"]
    assert first.decision.court == "Алмалинский районный суд г. Алматы"
    assert first.decision.region.iso_code == "KZ-75"
    assert str(first.decision.entry_into_force) == "2019-03-28"
    assert third.classification == "terrorist"
    assert third.decision.region.iso_code == "KZ-23"  # Атырауская область
    assert second.decision == first.decision  # one decision covers both materials
    assert CourtDecision.objects.count() == 2
    assert first.history.count() == 1


@pytest.mark.django_db
def test_messy_file_reports_the_bad_rows_and_imports_nothing():
    report = services.import_material_list(csv_file(MESSY), "messy.csv")
    assert not report.ok
    assert {(e.row, e.field) for e in report.rejected} == {(7, "decision"), (9, "number")}
    assert all(e.message for e in report.rejected)
    assert [r.number for r in report.created] == [1, 2]  # what would have been created
    assert any(w.row == 8 for w in report.warnings)  # the repeated row 1 is a warning
    assert Material.objects.count() == 0
    assert CourtDecision.objects.count() == 0


@pytest.mark.django_db
def test_the_same_number_twice_across_sections_is_rejected():
    text = (
        CLEAN + "3,Изображение «Другое»,решение Алмалинского районного суда г. Алматы"
        " от 12.03.2019,экстремистский\n"
    )
    report = services.import_material_list(csv_file(text), "dup.csv")
    assert not report.ok
    assert [(e.row, e.field) for e in report.rejected] == [(5, "number")]
    assert Material.objects.count() == 0


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(django_assert_max_num_queries):
    services.import_material_list(csv_file(CLEAN), "list.csv")
    before = list(Material.objects.values().order_by("number"))
    history = Material.history.count()
    # Five, and two that take and free the heavy-job slot (utilities.uploads).
    with django_assert_max_num_queries(7):
        report = services.import_material_list(csv_file(CLEAN), "list.csv")
    assert report.applied
    assert (len(report.created), len(report.updated), len(report.unchanged)) == (0, 0, 3)
    assert report.decisions_created == 0
    assert list(Material.objects.values().order_by("number")) == before
    assert Material.history.count() == history
    assert CourtDecision.objects.count() == 2


@pytest.mark.django_db
def test_changed_title_updates_the_material_and_keeps_a_prosecutors_kind():
    services.import_material_list(csv_file(CLEAN), "list.csv")
    Material.objects.filter(number=2).update(kind="audio")  # corrected by a prosecutor
    changed = CLEAN.replace("Видеоролик «Призыв»", "Видеоролик «Призыв к насилию»")
    report = services.import_material_list(csv_file(changed), "list.csv")
    assert [(r.number, fields) for r, fields in report.updated] == [(2, ["title", "description"])]
    material = Material.objects.get(number=2)
    assert material.title == "Призыв к насилию"
    assert material.kind == "audio"
    assert material.history.count() == 2


@pytest.mark.django_db
def test_dry_run_reports_and_writes_nothing():
    report = services.import_material_list(csv_file(CLEAN), "list.csv", dry_run=True)
    assert report.ok and not report.applied
    assert len(report.created) == 3 and report.decisions_created == 2
    assert Material.objects.count() == 0 and CourtDecision.objects.count() == 0


@pytest.mark.django_db
def test_command_dry_run_prints_what_would_change(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(CLEAN, encoding="utf-8")
    out = io.StringIO()
    call_command("import_materials", str(path), "--dry-run", stdout=out)
    text = out.getvalue()
    assert "would create № 1 (row 2)" in text
    assert "3 to create" in text and "dry run" in text
    assert Material.objects.count() == 0
    call_command("import_materials", str(path), stdout=io.StringIO())
    assert Material.objects.count() == 3


@pytest.mark.django_db
def test_command_names_rejected_rows_and_fails(tmp_path):
    path = tmp_path / "messy.csv"
    path.write_text(MESSY, encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 rows rejected"):
        call_command("import_materials", str(path), stdout=out)
    assert "rejected, row 7, field decision" in out.getvalue()
    assert "rejected, row 9, field number" in out.getvalue()
    assert Material.objects.count() == 0


@pytest.mark.django_db
def test_cp1251_semicolon_sample_with_merged_mess_is_refused_whole():
    report = services.import_material_list(SAMPLES / "messy_cp1251_semicolon.csv")
    assert not report.ok
    assert {e.row for e in report.rejected} == {9, 10, 11, 13}
    assert Material.objects.count() == 0


@pytest.mark.django_db
def test_shared_sample_imports():
    report = services.import_material_list(SHARED_SAMPLE)
    assert report.applied and len(report.created) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_reads_back_unchanged(fmt):
    services.import_material_list(csv_file(CLEAN), "list.csv")
    content = services.export_material_list(
        Material.objects.select_related("decision").order_by("number"), fmt
    )
    report = services.import_material_list(io.BytesIO(content), f"export.{fmt}")
    assert report.applied
    assert len(report.unchanged) == 3 and not report.created and not report.updated
