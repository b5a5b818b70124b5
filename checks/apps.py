from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChecksConfig(AppConfig):
    name = "checks"
    verbose_name = _("Link checks")

    def ready(self):
        from accounts.signals import access_changed
        from checks.notifications import notify_auditors_of_access_change

        from . import (
            access,  # noqa: F401  (rules and role grants)
            tasks,  # noqa: F401  (registered in every process: scheduling sends by name)
        )

        # Auditors are alerted of every access change (accounts.services) in the portal.
        access_changed.connect(notify_auditors_of_access_change, dispatch_uid="checks.auditors")
