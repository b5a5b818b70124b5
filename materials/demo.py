"""Demo materials for `manage.py seed_demo`: 1,692 invented entries (1,175 extremist, 517
terrorist) — the size and shape of the official list, clearly marked as demo.

Generated deterministically (a fixed seed): kinds, languages, regional and district courts of the
20 regions, and decision dates over ten years, numbered in the order of their decisions as the
official list is. Titles say «Демонстрационный материал»; every row has is_demo=True. Idempotent:
numbers already present are skipped. Set-based: a few bulk inserts.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from accounts.models import Region
from decisions.choices import RECOGNITION_OUTCOME, CourtClassification
from decisions.models import CourtDecision
from materials.models import Material
from organizations.models import Organization

EXTREMIST_COUNT = 1175
TERRORIST_COUNT = 517
TOTAL = EXTREMIST_COUNT + TERRORIST_COUNT
SEED = 20_260_101
FIRST_DAY = dt.date(2015, 1, 1)
DAYS = (dt.date(2024, 12, 31) - FIRST_DAY).days

KINDS = [
    ("print", 26), ("video", 30), ("audio", 12), ("image", 10), ("web_page", 8),
    ("social_account", 12), ("other", 2),
]  # fmt: skip
LANGUAGES = [
    (("ru",), 48), (("kk",), 16), (("ar",), 9), (("ru", "ar"), 8), (("kk", "ru"), 7),
    (("uz",), 4), (("ky",), 2), (("tg",), 2), (("en",), 2), (("tr",), 2),
]  # fmt: skip
LANGUAGE_PREPOSITIONAL = {
    "ru": "русском", "kk": "казахском", "ar": "арабском", "uz": "узбекском",
    "ky": "кыргызском", "tg": "таджикском", "en": "английском", "tr": "турецком",
}  # fmt: skip
# District courts of the three cities of republican significance: (nominative, genitive).
CITY_DISTRICTS = {
    "KZ-75": ["Алмалинский", "Бостандыкский", "Ауэзовский", "Медеуский", "Жетысуский",
              "Турксибский", "Наурызбайский", "Алатауский"],
    "KZ-71": ["Есильский", "Алматинский", "Сарыаркинский", "Байконурский"],
    "KZ-79": ["Абайский", "Аль-Фарабийский", "Енбекшинский", "Каратауский"],
}  # fmt: skip
CITY_SHORT = {"KZ-75": "г. Алматы", "KZ-71": "г. Астаны", "KZ-79": "г. Шымкента"}


def _genitive_adjective(word: str) -> str:
    for end, replacement in (("ский", "ского"), ("ный", "ного"), ("ий", "его"), ("ый", "ого")):
        if word.endswith(end):
            return word[: -len(end)] + replacement
    return word


@dataclass
class Court:
    name: str  # nominative
    genitive: str
    region: Region


def courts(regions: list[Region]) -> list[Court]:
    found = []
    for region in regions:
        gen = region.name_ru_genitive
        place = CITY_SHORT.get(region.iso_code, gen)
        found.append(
            Court(
                f"Специализированный межрайонный суд по уголовным делам {place}",
                f"специализированного межрайонного суда по уголовным делам {place}",
                region,
            )
        )
        for district in CITY_DISTRICTS.get(region.iso_code, []):
            found.append(
                Court(
                    f"{district} районный суд {place}",
                    f"{_genitive_adjective(district)} районного суда {place}",
                    region,
                )
            )
        if region.iso_code not in CITY_DISTRICTS:
            found.append(Court(f"Районный суд № 2 {gen}", f"районного суда № 2 {gen}", region))
    return found


def _description(rng: random.Random, kind: str, languages, number: int) -> str:
    name = f"Демонстрационный материал № {number}"
    langs = " и ".join(LANGUAGE_PREPOSITIONAL[c] for c in languages)
    on_lang = f"на {langs} языке" if len(languages) == 1 else f"на {langs} языках"
    if kind == "print":
        return f"Брошюра «{name}» {on_lang}, {rng.randint(8, 240)} страниц (демо)"
    if kind == "video":
        return (
            f"Видеоролик «{name}» продолжительностью {rng.randint(0, 59):02d} мин. "
            f"{rng.randint(0, 59):02d} сек. {on_lang} (демо)"
        )
    if kind == "audio":
        return f"Аудиозапись «{name}» {on_lang} (демо)"
    if kind == "image":
        return f"Изображение «{name}» с надписью {on_lang} (демо)"
    if kind == "web_page":
        return f"Интернет-ресурс «{name}», демо-адрес demo-{number}.example.invalid (демо)"
    if kind == "social_account":
        return f"Аккаунт «{name}» в социальной сети, публикации {on_lang} (демо)"
    return f"Материал «{name}» {on_lang} (демо)"


def plan(regions: list[Region], organizations: dict[str, list[int]]):
    """[(decision fields, [material fields…])…] in number order; the same on every run."""
    rng = random.Random(SEED)
    court_list = courts(regions)
    groups = []
    for classification, count in (
        (CourtClassification.EXTREMIST, EXTREMIST_COUNT),
        (CourtClassification.TERRORIST, TERRORIST_COUNT),
    ):
        left = count
        while left:
            size = min(left, rng.choice([1, 1, 1, 2, 2, 3, 4, 6]))
            left -= size
            decided = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
            groups.append((decided, classification, size, rng.choice(court_list)))
    groups.sort(key=lambda g: (g[0], g[1], g[3].name))
    result, number = [], 0
    for decided, classification, size, court in groups:
        in_force = decided + dt.timedelta(days=rng.randint(10, 45))
        decision = {
            "court": court.name,
            "region": court.region,
            "decision_date": decided,
            "entry_into_force": in_force,
            "outcome": RECOGNITION_OUTCOME[classification],
            "text": f"решение {court.genitive} от {decided:%d.%m.%Y}, "
            f"вступило в силу {in_force:%d.%m.%Y}",
            "case_number": f"ДЕМО-{decided:%Y}-{number + 1:04d}",
            "is_demo": True,
        }
        materials = []
        for _ in range(size):
            number += 1
            kind = rng.choices([k for k, _w in KINDS], [w for _k, w in KINDS])[0]
            languages = rng.choices([lg for lg, _w in LANGUAGES], [w for _l, w in LANGUAGES])[0]
            description = _description(rng, kind, languages, number)
            title = description.split(" (демо)")[0].split(",")[0][:500]
            org_ids = organizations.get(classification, [])
            organization_id = org_ids[rng.randrange(len(org_ids))] if org_ids else None
            materials.append(
                {
                    "number": number,
                    "title": title,
                    "description": description,
                    "kind": kind,
                    "classification": classification,
                    "languages": list(languages),
                    "author": f"Демо-автор {rng.randint(1, 60)}" if rng.random() < 0.2 else "",
                    "organization_id": organization_id if rng.random() < 0.15 else None,
                    "included_on": in_force,
                    "is_demo": True,
                }
            )
        result.append((decision, materials))
    return result


@transaction.atomic
def seed(stdout=None) -> str:
    present = set(Material.objects.values_list("number", flat=True))
    if len(present) < TOTAL or Material.objects.filter(is_demo=True).count() < TOTAL:
        organizations: dict[str, list[int]] = {}
        for pk, classification in Organization.objects.order_by("name_ru").values_list(
            "pk", "classification"
        ):
            organizations.setdefault(classification, []).append(pk)
        regions = list(Region.objects.order_by("iso_code"))
        todo = [
            (decision, [m for m in materials if m["number"] not in present])
            for decision, materials in plan(regions, organizations)
        ]
        todo = [(d, ms) for d, ms in todo if ms]
        decisions = bulk_create_with_history(
            [CourtDecision(**d) for d, _ms in todo], CourtDecision, batch_size=500
        )
        materials = []
        for decision, (_d, rows) in zip(decisions, todo, strict=True):
            for row in rows:
                material = Material(decision=decision, **row)
                material.search_key = material.compute_search_key()
                materials.append(material)
        bulk_create_with_history(materials, Material, batch_size=500)
    counts = {
        c: Material.objects.filter(is_demo=True, classification=c).count()
        for c in CourtClassification.values
    }
    return (
        f"Materials: {sum(counts.values())} demo materials "
        f"({counts['extremist']} extremist, {counts['terrorist']} terrorist)"
    )
