from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChecksConfig(AppConfig):
    name = "checks"
    verbose_name = _("Link checks")

    def ready(self):
        from accounts.signals import access_changed
        from checks.notifications import (
            notify_assignment,
            notify_auditors_of_access_change,
            notify_bulk_assignment,
        )
        from registry.signals import link_assigned, links_assigned

        from . import (
            access,  # noqa: F401  (rules and role grants)
            tasks,  # noqa: F401  (registered in every process: scheduling sends by name)
        )

        # Auditors are alerted of every access change (accounts.services) in the portal.
        access_changed.connect(notify_auditors_of_access_change, dispatch_uid="checks.auditors")
        # Whoever a link is assigned to is told so in the portal (registry.services.assign).
        link_assigned.connect(notify_assignment, dispatch_uid="checks.assignment")
        links_assigned.connect(notify_bulk_assignment, dispatch_uid="checks.bulk_assignment")
