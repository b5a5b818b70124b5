"""factory_boy factories for the registers (decisions, organizations, materials)."""

import datetime as dt

import factory

from decisions.choices import CourtClassification, DecisionOutcome
from decisions.models import CourtDecision
from materials.choices import MaterialKind
from materials.models import Material
from organizations.models import Organization, OrganizationAlias
from tests.factories import region


class CourtDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourtDecision

    court = "Алмалинский районный суд г. Алматы"
    region = factory.LazyFunction(lambda: region("KZ-75"))
    decision_date = dt.date(2019, 3, 12)
    entry_into_force = dt.date(2019, 3, 28)
    outcome = DecisionOutcome.RECOGNISE_EXTREMIST
    text = factory.Sequence(lambda n: f"решение Алмалинского районного суда г. Алматы № {n}")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name_ru = factory.Sequence(lambda n: f"Организация {n}")
    name_en = factory.Sequence(lambda n: f"Organization {n}")
    classification = CourtClassification.EXTREMIST


class AliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganizationAlias

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Псевдоним {n}")


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Material

    number = factory.Sequence(lambda n: 10_000 + n)
    title = factory.Sequence(lambda n: f"Брошюра «Материал {n}»")
    description = factory.LazyAttribute(lambda m: f"{m.title} на русском языке")
    kind = MaterialKind.PRINT
    classification = CourtClassification.EXTREMIST
    languages = factory.LazyFunction(lambda: ["ru"])
    decision = factory.SubFactory(CourtDecisionFactory)
