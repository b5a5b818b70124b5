"""Kinds and triggers of the checks app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CheckTrigger(models.TextChoices):
    """Why a check ran: the first check of a new link, a scheduled re-check, or an operator."""

    FIRST = "first", _("first check")
    RECHECK = "recheck", _("scheduled re-check")
    MANUAL = "manual", _("run by an operator")


class NotificationKind(models.TextChoices):
    REAPPEARED = "reappeared", _("link reappeared")
    MATERIAL_MATCH = "material_match", _("matches a court-recognised material")
    ACCESS_CHANGE = "access_change", _("access change")
    ORDER_OVERDUE = "order_overdue", _("order overdue")
