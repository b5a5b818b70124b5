"""Writes to the court decisions register."""

import hashlib

from django.db import transaction

from accounts.models import Region
from decisions.models import CourtDecision


def document_sha256(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def region_of_court(court: str, regions: list[Region] | None = None) -> Region | None:
    """The region a court's name points at («… суд Атырауской области», «… г. Алматы»)."""
    if not court:
        return None
    regions = regions if regions is not None else list(Region.objects.all())
    text = court.lower()
    for region in regions:
        genitive = (region.name_ru_genitive or "").lower()
        city = genitive.removeprefix("города ").strip()
        if genitive and genitive in text:
            return region
        if genitive.startswith("города ") and (f"г. {city}" in text or f"города {city}" in text):
            return region
    return None


@transaction.atomic
def save_decision(decision: CourtDecision, *, document=None) -> CourtDecision:
    """Save a decision, recording the SHA-256 of its document and the region of its court."""
    if document is not None:
        decision.document = document
    if decision.document and (document is not None or not decision.document_sha256):
        decision.document_sha256 = document_sha256(decision.document)
    if not decision.document:
        decision.document_sha256 = ""
    if decision.region_id is None:
        decision.region = region_of_court(decision.court)
    decision.full_clean()
    decision.save()
    return decision
