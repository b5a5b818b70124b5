"""seed_demo loads the registers' demo data: 24 organizations, 1,692 materials."""

import io

import pytest
from django.core.management import call_command

from decisions.models import CourtDecision
from materials.models import Material
from organizations.models import Organization


@pytest.mark.django_db
def test_seed_demo_loads_the_official_counts_and_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    assert Material.objects.count() == 1692
    assert Material.objects.filter(classification="extremist").count() == 1175
    assert Material.objects.filter(classification="terrorist").count() == 517
    assert not Material.objects.filter(is_demo=False).exists()
    assert Organization.objects.count() == 24
    decisions = CourtDecision.objects.count()
    numbers = list(Material.objects.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, 1693))

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "1692 demo materials (1175 extremist, 517 terrorist)" in out.getvalue()
    assert Material.objects.count() == 1692 and CourtDecision.objects.count() == decisions


@pytest.mark.django_db
def test_demo_materials_are_realistic_and_deterministic():
    call_command("seed_demo", stdout=io.StringIO())
    kinds = set(Material.objects.values_list("kind", flat=True))
    assert {"print", "video", "audio", "image", "web_page", "social_account"} <= kinds
    on_materials = CourtDecision.objects.filter(materials__isnull=False).distinct()
    years = {d.year for d in on_materials.dates("decision_date", "year")}
    assert years == set(range(2015, 2025))
    assert (
        CourtDecision.objects.filter(region__isnull=False).values("region").distinct().count() == 20
    )
    first = Material.objects.get(number=1)
    assert "Демонстрационный материал № 1" in first.title
    # decisions in the order of the list
    dates = list(
        Material.objects.order_by("number").values_list("decision__decision_date", flat=True)
    )
    assert dates == sorted(dates)


@pytest.mark.django_db
def test_demo_organizations_never_invent_a_court_or_date():
    call_command("seed_demo", stdout=io.StringIO())
    aum = Organization.objects.get(name_ru="АУМ Синрике")
    assert aum.banned_on is None and not aum.decisions.exists()
    isis = Organization.objects.get(name_en="Islamic State (ISIS)")
    assert isis.decisions.get().court == "суд Есильского района г. Астаны"
    assert {"ИГИЛ", "ДАИШ"} <= set(isis.aliases.values_list("name", flat=True))
