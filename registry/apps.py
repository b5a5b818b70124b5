from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Link registry")

    def ready(self):
        from accounts.choices import Role
        from accounts.roles import extend_role_permissions

        # What each role may do with links (the access policy decides on which rows):
        # submitting is adding a Report; transitions, assignment and classification are
        # changes of a Link; nobody adds or deletes Links directly or edits the trail.
        read = [
            "registry.view_link",
            "registry.view_report",
            "registry.view_statechange",
            "registry.view_linkorganization",
            "registry.view_linkmaterial",
        ]
        submit = ["registry.add_report"]
        review = ["registry.change_link"]
        history = [
            "registry.view_historicallink",
            "registry.view_historicallinkorganization",
            "registry.view_historicallinkmaterial",
        ]
        extend_role_permissions(
            {
                Role.OFFICER: [*read, *submit],
                Role.SUPERVISOR: [*read, *submit, *review],
                Role.PROSECUTOR: [*read, *submit, *review, *history],
                Role.ANALYST: [*read],
                Role.AUDITOR: [*read, *history, "registry.view_confidentialread"],
            }
        )
