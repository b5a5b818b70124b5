from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("Banned organizations")

    def ready(self):
        from accounts.roles import extend_role_permissions
        from decisions.roles import register_permissions

        extend_role_permissions(
            register_permissions(
                "organizations", ["organization"], ["organizationalias", "onlinepresence"]
            )
        )
