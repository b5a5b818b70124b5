from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaterialsConfig(AppConfig):
    name = "materials"
    verbose_name = _("Court-recognised materials")

    def ready(self):
        from accounts.roles import extend_role_permissions
        from decisions.roles import register_permissions
        from utilities import uploads

        # Pillow's decompression-bomb limit, set deliberately (KBZ_UPLOAD_MAX_PIXELS).
        uploads.configure_libraries(uploads.Limits.from_settings())
        extend_role_permissions(
            register_permissions("materials", ["material"], ["materialfingerprint"])
        )
