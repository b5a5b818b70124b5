"""Demo agencies and users for `manage.py seed_demo`. Idempotent: keyed by stable codes."""

from base64 import b32encode

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor
from accounts.choices import AgencyKind, AgencyLevel, Role
from accounts.models import Agency, Region, User
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


# The demo's second factor: one fixed, public key for every demo user whose roles require one.
# It is printed by seed_demo and written in the README, so it protects nothing: demo mode only.
DEMO_TOTP_KEY = b"DEMO-ONLY-NOT-SECRET"  # 20 bytes; base32 IRCU2TZNJ5HEYWJNJZHVILKTIVBVERKU
DEMO_RECOVERY_CODES = ["demo0001", "demo0002", "demo0003"]


@transaction.atomic
def seed_second_factor(username: str) -> tuple[str, list[str]] | None:
    """Give a demo user whose roles require it a confirmed authenticator with the demo key and
    the demo recovery codes (restored on every run). Returns (base32 key, codes), or None."""
    user = User.objects.get(username=username, is_demo=True)
    if not second_factor.is_required(user):
        return None
    TOTPDevice.objects.filter(user=user).exclude(name="demo").delete()
    TOTPDevice.objects.update_or_create(
        user=user,
        name="demo",
        defaults={"key": DEMO_TOTP_KEY.hex(), "confirmed": True},
    )
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="demo recovery codes", confirmed=True)
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=code) for code in DEMO_RECOVERY_CODES
    )
    return b32encode(DEMO_TOTP_KEY).decode(), DEMO_RECOVERY_CODES
