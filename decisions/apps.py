from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = _("Court decisions")

    def ready(self):
        from accounts.roles import extend_role_permissions
        from decisions.roles import register_permissions

        extend_role_permissions(register_permissions("decisions", ["courtdecision"]))
