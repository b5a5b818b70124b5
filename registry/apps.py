from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Link registry")

    def ready(self):
        from . import access  # noqa: F401  (rules and role grants)
