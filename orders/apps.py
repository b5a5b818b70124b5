from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Blocking orders")

    def ready(self):
        from . import access  # noqa: F401  (rules and role grants)
