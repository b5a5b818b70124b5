from django.db import models
from django.utils.translation import gettext_lazy as _


class CourtClassification(models.TextChoices):
    """What a court recognised an organization or a material as (shared by both registers)."""

    EXTREMIST = "extremist", _("extremist")
    TERRORIST = "terrorist", _("terrorist")


class DecisionOutcome(models.TextChoices):
    RECOGNISE_EXTREMIST = "recognise_extremist", _("recognise as extremist")
    RECOGNISE_TERRORIST = "recognise_terrorist", _("recognise as terrorist")
    BAN_ORGANIZATION = "ban_organization", _("ban the organization")
    LIFT_BAN = "lift_ban", _("lift the ban")
    EXCLUDE_MATERIAL = "exclude_material", _("exclude the material from the list")


RECOGNITION_OUTCOME = {
    CourtClassification.EXTREMIST: DecisionOutcome.RECOGNISE_EXTREMIST,
    CourtClassification.TERRORIST: DecisionOutcome.RECOGNISE_TERRORIST,
}
