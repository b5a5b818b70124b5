from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SourcesConfig(AppConfig):
    name = "sources"
    verbose_name = _("Watched sources")

    def ready(self):
        from . import (
            access,  # noqa: F401  (rules and role grants)
            tasks,  # noqa: F401  (beat sends them by name)
        )
