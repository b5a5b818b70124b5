"""Demo organizations for `manage.py seed_demo`: the 24 organizations of data/organizations.csv.

Public facts compiled from press reports (see shared/data/README.md). A blank date or court stays
blank: the demo never invents one. Idempotent: keyed by the Russian name.
"""

import csv
import datetime as dt
import re
from pathlib import Path

from django.db import transaction

from decisions.choices import DecisionOutcome
from decisions.models import CourtDecision
from decisions.services import region_of_court
from organizations.choices import AliasKind, OrganizationStatus
from organizations.models import Organization, OrganizationAlias, refresh_search_key

DATA = Path(__file__).resolve().parent / "data" / "organizations.csv"

# Other spellings the press and the organizations themselves use.
KNOWN_ALIASES = {
    "Хизб ут-Тахрир аль-Ислами": ["Хизб ут-Тахрир", "Хизбут-Тахрир", "Hizb ut-Tahrir al-Islami"],
    "Исламское государство (ИГИЛ)": ["ИГИЛ", "ИГ", "ДАИШ", "ISIS", "ISIL", "Daesh"],
    "Аль-Каида": ["Аль-Кайда", "Al-Qaida"],
    "Движение «Талибан»": ["Талибан", "Taliban"],
    "Джебхат ан-Нусра": ["Фронт ан-Нусра", "Jabhat an-Nusra"],
    "Арестантское уркаганское единство (АУЕ)": ["АУЕ", "AUE"],
    "Демократический выбор Казахстана": ["ДВК", "DVK"],
    "АУМ Синрике": ["Аум Синрикё", "Aum Shinrikyo"],
    "Таблиги Джамагат": ["Таблиги Джамаат", "Tablighi Jamaat"],
}
_ABBREVIATION = re.compile(r"\(([^)]+)\)")


def _aliases(row: dict) -> list[tuple[str, str]]:
    name = row["name_ru"]
    found = [(a, AliasKind.ALIAS) for a in KNOWN_ALIASES.get(name, [])]
    for abbreviation in _ABBREVIATION.findall(name):
        found.append((abbreviation, AliasKind.ABBREVIATION))
    unique: dict[str, str] = {}
    for alias, kind in found:
        if alias not in unique and alias != name and alias != row["name_en"]:
            unique[alias] = AliasKind.ABBREVIATION if alias.isupper() else kind
    return list(unique.items())


@transaction.atomic
def seed(stdout=None) -> str:
    with DATA.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    existing = set(Organization.objects.values_list("name_ru", flat=True))
    created = 0
    for row in rows:
        if row["name_ru"] in existing:
            continue
        decision_date = (
            dt.date.fromisoformat(row["decision_date"]) if row["decision_date"] else None
        )
        organization = Organization.objects.create(
            name_ru=row["name_ru"],
            name_en=row["name_en"],
            classification=row["classification"],
            status=OrganizationStatus.BANNED,
            banned_on=decision_date,
            description=row["note"],
            is_demo=True,
        )
        if decision_date or row["court"]:
            decision, _ = CourtDecision.objects.get_or_create(
                court=row["court"],
                decision_date=decision_date,
                outcome=DecisionOutcome.BAN_ORGANIZATION,
                is_demo=True,
                defaults={"region": region_of_court(row["court"])},
            )
            organization.decisions.add(decision)
        OrganizationAlias.objects.bulk_create(
            OrganizationAlias(organization=organization, name=alias, kind=kind)
            for alias, kind in _aliases(row)
        )
        refresh_search_key(organization.pk)
        created += 1
    total = Organization.objects.filter(is_demo=True).count()
    return f"Organizations: {total} demo banned organizations ({created} new)"
