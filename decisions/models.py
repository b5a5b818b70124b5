from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.querysets import RestrictedQuerySet
from decisions.choices import DecisionOutcome


def decision_document_path(instance, filename: str) -> str:
    return f"decisions/{filename}"


class CourtDecision(models.Model):
    """A court decision behind the registers; one decision often covers many materials."""

    court = models.CharField(_("court"), max_length=300, blank=True)
    region = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="court_decisions",
        help_text=_("Region of the court."),
    )
    case_number = models.CharField(_("case number"), max_length=100, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    entry_into_force = models.DateField(_("date of entry into force"), null=True, blank=True)
    claimant = models.ForeignKey(
        "accounts.Agency",
        verbose_name=_("claimant prosecutor's office"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="court_claims",
    )
    outcome = models.CharField(_("what was decided"), max_length=32, choices=DecisionOutcome)
    text = models.TextField(
        _("decision as written"),
        blank=True,
        help_text=_("The decision as the official list writes it, e.g. «решение … суда от …»."),
    )
    summary = models.TextField(_("summary"), blank=True)
    document = models.FileField(
        _("document"), upload_to=decision_document_path, blank=True, max_length=300
    )
    document_sha256 = models.CharField(
        _("document SHA-256"), max_length=64, blank=True, editable=False
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("court decision")
        verbose_name_plural = _("court decisions")
        ordering = ["-decision_date", "-pk"]
        indexes = [models.Index(fields=["court", "decision_date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(entry_into_force__isnull=True)
                | models.Q(decision_date__isnull=True)
                | models.Q(entry_into_force__gte=models.F("decision_date")),
                name="decision_enters_into_force_after_it_is_made",
                violation_error_message=_("A decision cannot enter into force before it is made."),
            )
        ]

    def __str__(self) -> str:
        when = f" {self.decision_date:%d.%m.%Y}" if self.decision_date else ""
        number = f" № {self.case_number}" if self.case_number else ""
        return f"{self.court or _('court not recorded')}{when}{number}"
