"""Reads of the materials register shared by the admin, the API and exports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from materials.choices import MatchMethod, MaterialStatus
from materials.models import Material, MaterialFingerprint
from organizations.models import Organization
from organizations.selectors import search_organizations
from utilities import fingerprints, uploads


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


# How a match ranks: identical bytes first, then identical text, then the nearest similar hash.
_RANK = {
    MatchMethod.SHA256: 0,
    MatchMethod.MD5: 1,
    MatchMethod.TEXT: 2,
    MatchMethod.PDQ: 3,
    MatchMethod.TLSH: 3,
}


def match_fingerprints[K](
    fps: Mapping[K, fingerprints.Fingerprints], *, user
) -> dict[K, list[Match]]:
    """{key: the materials that content is a copy of, best match first} for each fingerprint.

    The one answer to "which materials does this content match", for the checker attributing
    a fetched page (`user=None`: the system, which sees every material) and for «is this file
    banned?» (`user`: only the materials that user may view). What counts as a match is the
    same for both:

    - only materials in force: an excluded material is no longer banned, so a copy of it is
      neither attributed to it nor reported as banned;
    - exact: the same bytes by SHA-256 or by MD5 (both are hashes of the same input; a copy
      known only by its MD5 matches as well), or the same normalised text (text SHA-256);
    - similar: an image within fingerprints.PDQ_MATCH_THRESHOLD (PDQ, both hashes of at least
      PDQ_MIN_QUALITY), a text within fingerprints.TLSH_MATCH_THRESHOLD (TLSH).

    A material matched by several copies or methods is listed once, with its best match:
    SHA-256, then MD5, then text, then the smallest PDQ or TLSH distance. At most four queries
    whatever the number of fingerprints; the PDQ and TLSH hashes of the known copies (a few
    thousand rows) are compared here, in milliseconds; past some hundred thousand this wants
    an index (BK-tree or HMA's).
    """
    if not fps:
        return {}
    materials = Material.objects.all() if user is None else Material.objects.restrict(user, "view")
    materials = materials.filter(status=MaterialStatus.IN_FORCE)
    records = MaterialFingerprint.objects.filter(material__in=materials)
    # key -> material -> (rank, distance, method, fingerprint id)
    best: dict[K, dict[int, tuple[int, int, str, int]]] = {key: {} for key in fps}

    def offer(key, material_id, method, distance, fp_id):
        found = (_RANK[method], distance, method, fp_id)
        current = best[key].get(material_id)
        if current is None or found[:2] < current[:2]:
            best[key][material_id] = found

    exact = Q(sha256__in={fp.sha256 for fp in fps.values()})
    exact |= Q(md5__in={fp.md5 for fp in fps.values()})
    texts = {fp.text_sha256 for fp in fps.values() if fp.text_sha256}
    if texts:
        exact |= Q(text_sha256__in=texts)
    copies = list(
        records.filter(exact).values_list("id", "material_id", "sha256", "md5", "text_sha256")
    )
    for key, fp in fps.items():
        for fp_id, material_id, sha256, md5, text_sha256 in copies:
            if sha256 == fp.sha256:
                offer(key, material_id, MatchMethod.SHA256, 0, fp_id)
            elif md5 == fp.md5:
                offer(key, material_id, MatchMethod.MD5, 0, fp_id)
            elif fp.text_sha256 and text_sha256 == fp.text_sha256:
                offer(key, material_id, MatchMethod.TEXT, 0, fp_id)
    quality = fingerprints.PDQ_MIN_QUALITY
    images = {key: fp for key, fp in fps.items() if fp.pdq and fp.pdq_quality >= quality}
    if images:
        candidates = records.exclude(pdq="").filter(pdq_quality__gte=quality)
        pairs = list(candidates.values_list("id", "material_id", "pdq"))
        for key, fp in images.items():
            for fp_id, material_id, pdq in pairs:
                distance = fingerprints.pdq_distance(fp.pdq, pdq)
                if distance <= fingerprints.PDQ_MATCH_THRESHOLD:
                    offer(key, material_id, MatchMethod.PDQ, distance, fp_id)
    texts_fp = {key: fp for key, fp in fps.items() if fp.tlsh}
    if texts_fp:
        pairs = list(records.exclude(tlsh="").values_list("id", "material_id", "tlsh"))
        for key, fp in texts_fp.items():
            for fp_id, material_id, tlsh in pairs:
                try:
                    distance = fingerprints.tlsh_distance(fp.tlsh, tlsh)
                except ValueError:
                    continue
                if distance <= fingerprints.TLSH_MATCH_THRESHOLD:
                    offer(key, material_id, MatchMethod.TLSH, distance, fp_id)
    wanted = {material_id for found in best.values() for material_id in found}
    loaded = materials.select_related("decision", "organization").in_bulk(wanted) if wanted else {}
    return {
        key: [
            Match(loaded[material_id], method, distance, fp_id)
            for material_id, (_rank, distance, method, fp_id) in sorted(
                found.items(), key=lambda item: (item[1][:2], item[0])
            )
            if material_id in loaded
        ]
        for key, found in best.items()
    }


def match_file(data: bytes, user, *, filename: str = "", content_type: str = "") -> MatchResult:
    """«Is this file banned?»: fingerprints of the bytes against the known copies of the
    materials in force that the user may view (match_fingerprints).

    The bytes are not stored; only a prosecutor's attach_copy keeps a file. Fingerprinting
    holds a heavy-job slot (uploads.Busy when none is free) and refuses a hostile file
    (uploads.UnsafeUpload, naming the problem).
    """
    fp = upload_fingerprints(data, filename=filename, content_type=content_type)
    return MatchResult(fp, match_fingerprints({0: fp}, user=user)[0])


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
