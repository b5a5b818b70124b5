from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = _("Court decisions")

    def ready(self):
        from . import access  # noqa: F401  (rules and role grants)
