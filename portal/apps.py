from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from accounts.choices import Role
        from accounts.roles import extend_role_permissions

        # Whoever may submit links may keep submission batches (the policy: their own only).
        batches = [
            f"portal.{action}_{model}"
            for action in ("add", "view", "change", "delete")
            for model in ("bulksubmission", "bulkchunk")
        ]
        extend_role_permissions(
            dict.fromkeys((Role.OFFICER, Role.SUPERVISOR, Role.PROSECUTOR), batches)
        )
