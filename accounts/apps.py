from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and agencies")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import access, checks  # noqa: F401  (rules and role grants; the policy check)
        from .roles import sync_roles_after_migrate

        # Roles are code: every migrate brings the role groups and their permissions up to date.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="accounts.sync_roles")
