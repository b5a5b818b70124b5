from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Blocking orders")

    def ready(self):
        from checks.signals import checks_recorded

        from . import (
            access,  # noqa: F401  (rules and role grants)
            bulk,  # noqa: F401  (the bulk action "add to a draft order", registry.bulk)
            tasks,  # noqa: F401  (beat sends them by name)
        )
        from .checking import record_checks

        # A link of a sent order that a check finds gone is executed at the check's time.
        checks_recorded.connect(record_checks, dispatch_uid="orders.checks_recorded")
