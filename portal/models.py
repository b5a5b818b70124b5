"""What the portal keeps of its own: bulk submissions being worked through.

A large file is submitted in chunks, one request each (portal.submissions), so the officer
sees results as they come and no request runs for minutes. The parsed lines wait here, cut
into chunks; each chunk keeps its results once processed, so the page can be reloaded, and
a chunk requested twice is answered from what was stored instead of being submitted again.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from registry.choices import ReportSource


class BulkSubmission(models.Model):
    """One officer's submission of a pasted list or a file, processed chunk by chunk."""

    # A random id: the batch's address is not guessable and says nothing about how many
    # batches exist (ownership is still checked on every request).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=8, choices=ReportSource.choices)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    confidential = models.BooleanField(_("confidential"), default=False)
    line_count = models.PositiveIntegerField(_("lines"))
    chunk_count = models.PositiveIntegerField(_("chunks"))
    position = models.PositiveIntegerField(
        _("next chunk"), default=0, help_text=_("Index of the next chunk to process.")
    )
    processed_lines = models.PositiveIntegerField(_("lines processed"), default=0)
    new_count = models.PositiveIntegerField(_("new"), default=0)
    known_count = models.PositiveIntegerField(_("known"), default=0)
    invalid_count = models.PositiveIntegerField(_("invalid"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk submission")
        verbose_name_plural = _("bulk submissions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(position__lte=F("chunk_count")), name="bulk_position_within_chunks"
            ),
            models.CheckConstraint(
                condition=Q(processed_lines__lte=F("line_count")),
                name="bulk_processed_within_lines",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename or self.get_source_display()} ({self.line_count})"

    @property
    def finished(self) -> bool:
        return self.position >= self.chunk_count


class BulkChunk(models.Model):
    """A slice of a bulk submission's lines and, once processed, their results."""

    batch = models.ForeignKey(BulkSubmission, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField(_("index"))
    lines = models.JSONField(_("lines"), help_text=_("[[line number, text], …]"))
    results = models.JSONField(_("results"), null=True, blank=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("chunk of a bulk submission")
        verbose_name_plural = _("chunks of bulk submissions")
        ordering = ["batch", "index"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "index"], name="bulk_chunk_unique_index")
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} #{self.index}"
