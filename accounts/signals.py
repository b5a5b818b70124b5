"""Signals the accounts app sends; other apps connect to them in their AppConfig.ready()."""

from django.dispatch import Signal

# Sent with `grant` (an accounts.models.RoleGrant) after every access change is recorded or
# decided: the checks app turns it into a portal notification for each auditor.
access_changed = Signal()
