"""Reads of the materials register shared by the admin, the API and exports."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

import fingerprints
from kibernadzor import uploads
from materials.choices import MatchMethod
from materials.models import Material, MaterialFingerprint
from organizations.models import Organization
from organizations.selectors import search_organizations


def materials_for(user) -> QuerySet:
    return Material.objects.restrict(user, "view").select_related(
        "organization", "decision", "decision__region"
    )


def search_materials(queryset: QuerySet, q: str) -> QuerySet:
    """By number, title, description, author, or the name or alias of the related organization;
    Russian or Kazakh, tolerant of misspellings and transliteration (see decisions.selectors)."""
    from decisions.selectors import text_search

    q = (q or "").strip()
    if not q:
        return queryset
    organizations = search_organizations(Organization.objects.all(), q).values("pk")
    also = Q(organization__in=organizations)
    digits = q.lstrip("№").strip()
    if digits.isdigit():
        also |= Q(number=int(digits))
    return text_search(
        queryset,
        q,
        fulltext_fields=("title", "description", "author"),
        also=also,
    )


@dataclass(frozen=True)
class Match:
    material: Material
    method: str  # MatchMethod
    distance: int = 0  # 0 for identical; Hamming (PDQ) or TLSH distance otherwise
    fingerprint_id: int | None = None

    @property
    def method_label(self) -> str:
        return str(MatchMethod(self.method).label)


@dataclass(frozen=True)
class MatchResult:
    fingerprints: fingerprints.Fingerprints
    matches: list[Match]

    @property
    def matched(self) -> bool:
        return bool(self.matches)


def match_fingerprints(fp: fingerprints.Fingerprints, user) -> MatchResult:
    """The materials that `fp` is a copy of: identical bytes or text first, then similar images
    (PDQ within the match threshold) and texts (TLSH within the match threshold).

    Similar-hash candidates are compared in Python: a few thousand known copies take
    milliseconds; past some hundred thousand this wants an index (BK-tree or HMA's).
    """
    visible = Material.objects.restrict(user, "view")
    records = MaterialFingerprint.objects.filter(material__in=visible)
    best: dict[int, tuple[int, str, int, int]] = {}  # material -> (distance, method, fp id, rank)

    def offer(material_id, method, distance, fp_id, rank):
        current = best.get(material_id)
        if current is None or (rank, distance) < (current[3], current[0]):
            best[material_id] = (distance, method, fp_id, rank)

    exact = Q(sha256=fp.sha256) | Q(md5=fp.md5)
    if fp.text_sha256:
        exact |= Q(text_sha256=fp.text_sha256)
    for rec in records.filter(exact).values("id", "material_id", "sha256", "md5", "text_sha256"):
        if rec["sha256"] == fp.sha256:
            offer(rec["material_id"], MatchMethod.SHA256, 0, rec["id"], 0)
        elif rec["md5"] == fp.md5:
            offer(rec["material_id"], MatchMethod.MD5, 0, rec["id"], 1)
        else:
            offer(rec["material_id"], MatchMethod.TEXT, 0, rec["id"], 2)
    if fp.pdq and fp.pdq_quality >= fingerprints.PDQ_MIN_QUALITY:
        for rec in records.exclude(pdq="").filter(
            pdq_quality__gte=fingerprints.PDQ_MIN_QUALITY
        ).values("id", "material_id", "pdq"):  # fmt: skip
            distance = fingerprints.pdq_distance(fp.pdq, rec["pdq"])
            if distance <= fingerprints.PDQ_MATCH_THRESHOLD:
                offer(rec["material_id"], MatchMethod.PDQ, distance, rec["id"], 3)
    if fp.tlsh:
        for rec in records.exclude(tlsh="").values("id", "material_id", "tlsh"):
            try:
                distance = fingerprints.tlsh_distance(fp.tlsh, rec["tlsh"])
            except ValueError:
                continue
            if distance <= fingerprints.TLSH_MATCH_THRESHOLD:
                offer(rec["material_id"], MatchMethod.TLSH, distance, rec["id"], 3)
    materials = visible.select_related("decision", "organization").in_bulk(list(best))
    matches = [
        Match(materials[mid], method, distance, fp_id)
        for mid, (distance, method, fp_id, _rank) in sorted(
            best.items(), key=lambda item: (item[1][3], item[1][0], item[0])
        )
        if mid in materials
    ]
    return MatchResult(fp, matches)


def match_file(data: bytes, user, *, filename: str = "", content_type: str = "") -> MatchResult:
    """«Is this file banned?»: fingerprints of the bytes against every known copy.

    The bytes are not stored; only a prosecutor's attach_copy keeps a file. Fingerprinting
    holds a heavy-job slot (uploads.Busy when none is free) and refuses a hostile file
    (uploads.UnsafeUpload, naming the problem).
    """
    fp = upload_fingerprints(data, filename=filename, content_type=content_type)
    return match_fingerprints(fp, user)


def upload_fingerprints(data: bytes, *, filename: str = "", content_type: str = ""):
    """Fingerprints of an uploaded file, within the upload limits and a heavy-job slot."""
    with uploads.heavy_job_slot():
        return fingerprints.file_fingerprints(
            data,
            filename=filename,
            content_type=content_type,
            limits=uploads.Limits.from_settings(),
            strict=True,
        )
