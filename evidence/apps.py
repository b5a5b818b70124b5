from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = _("Evidence")

    def ready(self):
        from . import (
            access,  # noqa: F401  (rules and role grants)
            tasks,  # noqa: F401  (registered in every process)
        )
        from .triggers import connect

        # Captures at first check, on change, on confirmation, when an order is signed.
        connect()
