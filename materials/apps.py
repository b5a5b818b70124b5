from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaterialsConfig(AppConfig):
    name = "materials"
    verbose_name = _("Court-recognised materials")

    def ready(self):
        from utilities import uploads

        from . import access  # noqa: F401  (rules and role grants)

        # Pillow's decompression-bomb limit, set deliberately (KBZ_UPLOAD_MAX_PIXELS).
        uploads.configure_libraries(uploads.Limits.from_settings())
