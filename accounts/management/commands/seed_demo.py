"""`manage.py seed_demo`: agencies, demo users and every register's demo data. Idempotent."""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts import demo

# Each app's demo module exposes seed(stdout) -> str (a one-line summary); run in this order.
APP_SEEDERS = [
    "organizations.demo",
    "materials.demo",
    "registry.demo",
    "orders.demo",
    "sources.demo",
]


class Command(BaseCommand):
    help = (
        "Load demo agencies, users and data (idempotent). Passwords are printed only in demo mode."
    )

    def handle(self, *args, **options):
        agencies = demo.seed_agencies()
        self.stdout.write(f"Agencies: {agencies} (central office 'gp' and 4 per region)")
        demo_mode = settings.DEMO_MODE
        users = demo.seed_users(lambda username: f"{username}-2026" if demo_mode else None)
        for username, role, agency, password in users:
            shown = f"password {password}" if demo_mode else "no password (set one: changepassword)"
            self.stdout.write(f"  demo user {username:<16} {role:<11} {agency:<14} {shown}")
            second = demo.seed_second_factor(username) if demo_mode else None
            if second:
                key, codes = second
                self.stdout.write(
                    f"  {'':<26} second factor: TOTP key {key}, recovery codes {' '.join(codes)}"
                )
        if not demo_mode:
            self.stdout.write("Not in demo mode (KBZ_DEMO unset): demo users cannot log in.")
        for module_name in APP_SEEDERS:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError:
                continue
            self.stdout.write(module.seed(self.stdout))
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
