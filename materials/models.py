from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.querysets import RestrictedQuerySet
from decisions.choices import CourtClassification
from materials.choices import FingerprintKind, MaterialKind, MaterialStatus
from utilities.search import search_key


class Material(models.Model):
    """An information material a court recognised as extremist or terrorist."""

    number = models.PositiveIntegerField(
        _("number in the official list"), unique=True, help_text=_("«№» of the official list.")
    )
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description as written in the decision"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=MaterialKind, default=MaterialKind.OTHER
    )
    classification = models.CharField(
        _("classification"), max_length=16, choices=CourtClassification, db_index=True
    )
    languages = models.JSONField(
        _("languages"), default=list, blank=True, help_text=_('ISO 639-1 codes, e.g. ["ru"].')
    )
    author = models.CharField(_("author"), max_length=300, blank=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("related organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="materials",
    )
    decision = models.ForeignKey(
        "decisions.CourtDecision",
        verbose_name=_("court decision"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="materials",
    )
    included_on = models.DateField(_("date of inclusion"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MaterialStatus, default=MaterialStatus.IN_FORCE
    )
    excluded_on = models.DateField(_("excluded on"), null=True, blank=True)
    search_key = models.TextField(_("search key"), blank=True, editable=False)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_key"])

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["number"]
        indexes = [models.Index(fields=["status", "classification", "kind"])]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="material_number_positive"),
            models.CheckConstraint(
                condition=Q(status=MaterialStatus.IN_FORCE, excluded_on__isnull=True)
                | Q(status=MaterialStatus.EXCLUDED),
                name="material_in_force_has_no_exclusion_date",
                violation_error_message=_("A material in force has no date of exclusion."),
            ),
        ]

    def __str__(self) -> str:
        # A number struck off the list before the register knew it has no title.
        return f"№ {self.number}. {self.title}" if self.title else f"№ {self.number}"

    def save(self, *args, **kwargs):
        self.search_key = self.compute_search_key()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_key"}
        super().save(*args, **kwargs)

    def compute_search_key(self) -> str:
        return search_key(str(self.number), self.title, self.author)


def fingerprint_file_path(instance, filename: str) -> str:
    return f"materials/copies/{instance.sha256[:2]}/{instance.sha256}/{filename}"


class MaterialFingerprint(models.Model):
    """The fingerprints of one known copy of a material, to recognise further copies.

    The file itself is kept only when a prosecutor attaches it; the hashes are enough to match.
    """

    material = models.ForeignKey(
        Material, verbose_name=_("material"), on_delete=models.CASCADE,
        related_name="fingerprints",
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=8, choices=FingerprintKind)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    md5 = models.CharField(_("MD5"), max_length=32, db_index=True)
    text_sha256 = models.CharField(
        _("SHA-256 of the normalised text"), max_length=64, blank=True, db_index=True
    )
    pdq = models.CharField(_("PDQ (image)"), max_length=64, blank=True)
    pdq_quality = models.PositiveSmallIntegerField(_("PDQ quality"), default=0)
    tlsh = models.CharField(_("TLSH (text)"), max_length=80, blank=True)
    size = models.PositiveBigIntegerField(_("size, bytes"), default=0)
    filename = models.CharField(_("file name"), max_length=300, blank=True)
    file = models.FileField(
        _("attached copy"), upload_to=fingerprint_file_path, blank=True, max_length=400
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fingerprint of a copy")
        verbose_name_plural = _("fingerprints of known copies")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["material", "sha256"], name="fingerprint_unique_per_material"
            )
        ]

    def __str__(self) -> str:
        return f"{self.filename or self.get_kind_display()} ({self.sha256[:12]}…)"
