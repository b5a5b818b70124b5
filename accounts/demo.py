"""Demo agencies and users for `manage.py seed_demo`. Idempotent: keyed by stable codes."""

from django.db import transaction

from accounts.choices import AgencyKind, AgencyLevel, Role
from accounts.models import Agency, Region
from accounts.services import provision_user

CENTRAL_CODE = "gp"

# kind -> (Russian name pattern with the region in the genitive, English pattern)
REGIONAL_AGENCIES = {
    AgencyKind.PROSECUTOR: ("Прокуратура {gen}", "Prosecutor's Office of {en}"),
    AgencyKind.KNB: ("Департамент КНБ по {dat}", "KNB Department for {en}"),
    AgencyKind.POLICE: ("Департамент полиции {gen}", "Police Department of {en}"),
    AgencyKind.AKIMAT: ("Акимат {gen}", "Akimat of {en}"),
}

# One demo user per role: (username, role, agency code, position).
DEMO_USERS = [
    ("demo_officer", Role.OFFICER, "police-KZ-75", "Оперуполномоченный (демо)"),
    ("demo_supervisor", Role.SUPERVISOR, "police-KZ-75", "Начальник отдела (демо)"),
    ("demo_prosecutor", Role.PROSECUTOR, CENTRAL_CODE, "Прокурор управления (демо)"),
    ("demo_analyst", Role.ANALYST, CENTRAL_CODE, "Аналитик (демо)"),
    ("demo_auditor", Role.AUDITOR, CENTRAL_CODE, "Служба внутренней безопасности (демо)"),
    ("demo_admin", Role.ADMIN, CENTRAL_CODE, "Системный администратор (демо)"),
]


def dative(genitive: str) -> str:
    """«Абайской области» -> «Абайской области»; «города Алматы» -> «городу Алматы»."""
    return genitive.replace("города ", "городу ", 1)


@transaction.atomic
def seed_agencies() -> int:
    central, _ = Agency.objects.update_or_create(
        code=CENTRAL_CODE,
        defaults={
            "name_ru": "Генеральная прокуратура Республики Казахстан",
            "name_kk": "Қазақстан Республикасының Бас прокуратурасы",
            "name_en": "General Prosecutor's Office of the Republic of Kazakhstan",
            "kind": AgencyKind.PROSECUTOR,
            "level": AgencyLevel.REPUBLICAN,
            "region": None,
            "parent": None,
        },
    )
    count = 1
    for region in Region.objects.all():
        for kind, (ru, en) in REGIONAL_AGENCIES.items():
            Agency.objects.update_or_create(
                code=f"{kind}-{region.iso_code}",
                defaults={
                    "name_ru": ru.format(
                        gen=region.name_ru_genitive, dat=dative(region.name_ru_genitive)
                    ),
                    "name_en": en.format(en=region.name_en),
                    "kind": kind,
                    "level": AgencyLevel.REGIONAL,
                    "region": region,
                    "parent": central if kind == AgencyKind.PROSECUTOR else None,
                },
            )
            count += 1
    return count


def seed_users(password_for) -> list[tuple[str, str, str, str | None]]:
    """Create the demo users; `password_for(username)` gives a password or None (unusable)."""
    created = []
    for username, role, agency_code, position in DEMO_USERS:
        password = password_for(username)
        provision_user(
            username,
            agency_code=agency_code,
            roles=[role],
            password=password,
            first_name="Демо",
            last_name=role.label.capitalize(),
            position=position,
            is_demo=True,
        )
        created.append((username, role, agency_code, password))
    return created
