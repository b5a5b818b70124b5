from django.apps import AppConfig


class LegacyAuthtokenConfig(AppConfig):
    name = "accounts.legacy_authtoken"
    label = "authtoken"  # the label of rest_framework.authtoken, whose history this keeps
    verbose_name = "Old API tokens (migrations only)"
