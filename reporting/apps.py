from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reports")

    def ready(self):
        from accounts.choices import Role
        from accounts.roles import extend_role_permissions

        # Report facts are read by whoever reads links and reports (the policy picks the rows).
        extend_role_permissions(
            {
                role: ["reporting.view_linkfact", "reporting.view_repeatfact"]
                for role in (Role.OFFICER, Role.SUPERVISOR, Role.PROSECUTOR, Role.ANALYST,
                             Role.AUDITOR)
            }
        )  # fmt: skip
