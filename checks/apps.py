from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChecksConfig(AppConfig):
    name = "checks"
    verbose_name = _("Link checks")

    def ready(self):
        from accounts.choices import Role
        from accounts.roles import extend_role_permissions
        from accounts.signals import access_changed
        from checks.notifications import notify_auditors_of_access_change

        # Auditors are alerted of every access change (accounts.services) in the portal.
        access_changed.connect(notify_auditors_of_access_change, dispatch_uid="checks.auditors")

        # Checks, statistics and republication groups are read by whoever may read the link
        # (the access policy decides which rows); only the system writes them. Everyone with
        # case content reads and marks their own notifications.
        read = [
            "checks.view_check",
            "checks.view_linkstats",
            "checks.view_republicationgroup",
        ]
        notes = ["checks.view_notification", "checks.change_notification"]
        extend_role_permissions(
            {
                Role.OFFICER: [*read, *notes],
                Role.SUPERVISOR: [*read, *notes],
                Role.PROSECUTOR: [*read, *notes],
                Role.ANALYST: [*read, *notes],
                Role.AUDITOR: [*read, "checks.view_notification"],
            }
        )
