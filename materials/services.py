"""Writes to the materials register: import of the official list, fingerprints of copies.

Every import is all or nothing: a file with a bad row writes nothing and reports every bad row
with its number and field; a good file is applied in one transaction with a few queries whatever
its size. Re-importing the same file changes nothing.

A struck-off number of the list («Исключен») marks its material excluded (status EXCLUDED; the
date of exclusion is left as it was, since the list does not give it); a number the register does
not hold yet is recorded as an excluded material with no title, so that the number stays taken
and is never imported as a material titled «Исключен». A material already excluded is never put
back in force by an import: that takes a prosecutor.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import Region
from decisions.choices import RECOGNITION_OUTCOME
from decisions.models import CourtDecision
from decisions.services import region_of_court
from kibernadzor.errors import Conflict, DomainError
from materials import listparse, selectors
from materials.choices import MaterialStatus
from materials.models import Material, MaterialFingerprint
from utilities import uploads

# Fields the official list is the authority for: an import updates these. Kind and languages
# are only guessed from the text, so they are set when a material is created and otherwise left
# to the prosecutors who correct them. The date of inclusion is updated when the list gives it;
# the status only ever becomes "excluded", by a struck-off number (see the module docstring).
LIST_FIELDS = ("title", "description", "classification", "decision_id", "included_on", "status")

DEFAULT_MATCH_MAX_BYTES = 50 * 1024 * 1024


class FileTooLarge(DomainError):
    http_status = 413
    code = "file_too_large"


@dataclass
class ImportReport:
    """What an import did (or, in a dry run or when rejected, would do)."""

    filename: str
    dry_run: bool
    created: list[listparse.MaterialRow] = field(default_factory=list)
    updated: list[tuple[listparse.MaterialRow, list[str]]] = field(default_factory=list)
    unchanged: list[listparse.MaterialRow] = field(default_factory=list)
    excluded: list[listparse.MaterialRow] = field(default_factory=list)  # struck off by this file
    rejected: list[listparse.RowError] = field(default_factory=list)
    warnings: list[listparse.RowError] = field(default_factory=list)
    decisions_created: int = 0

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def applied(self) -> bool:
        return self.ok and not self.dry_run

    def summary(self) -> str:
        state = (
            "dry run, nothing written"
            if self.dry_run
            else ("applied" if self.ok else "rejected, nothing written")
        )
        return (
            f"{self.filename}: {len(self.created)} to create, {len(self.updated)} to update, "
            f"{len(self.excluded)} to strike off, "
            f"{len(self.unchanged)} unchanged, {len(self.rejected)} rejected, "
            f"{self.decisions_created} new court decisions ({state})"
            if not self.applied
            else f"{self.filename}: {len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.excluded)} struck off, "
            f"{len(self.unchanged)} unchanged, {self.decisions_created} new court decisions"
        )

    def describe(self) -> str:
        """The summary in the reader's language (the admin's message); `summary()` stays the
        command's log line. A rejected import says only that nothing was written and how many
        rows are wrong: what it would have created is not news."""
        counts = {
            "file": self.filename,
            "created": len(self.created),
            "updated": len(self.updated),
            "excluded": len(self.excluded),
            "unchanged": len(self.unchanged),
            "decisions": self.decisions_created,
        }
        if not self.ok:
            return ngettext(
                "%(file)s: rejected, nothing was written: %(count)d row has errors.",
                "%(file)s: rejected, nothing was written: %(count)d rows have errors.",
                len(self.rejected),
            ) % {"file": self.filename, "count": len(self.rejected)}
        if self.dry_run:
            return (
                gettext(
                    "%(file)s: dry run, nothing was written. It would create %(created)d, "
                    "update %(updated)d and strike off %(excluded)d materials; %(unchanged)d "
                    "unchanged; %(decisions)d new court decisions."
                )
                % counts
            )
        return (
            gettext(
                "%(file)s: %(created)d materials created, %(updated)d updated, %(excluded)d "
                "struck off; %(unchanged)d unchanged; %(decisions)d new court decisions."
            )
            % counts
        )

    def as_dict(self) -> dict:
        return {
            "filename": self.filename,
            "dry_run": self.dry_run,
            "applied": self.applied,
            "created": [r.number for r in self.created],
            "updated": [{"number": r.number, "fields": f} for r, f in self.updated],
            "excluded": [r.number for r in self.excluded],
            "unchanged": len(self.unchanged),
            "decisions_created": self.decisions_created,
            "rejected": [error_dict(e) for e in self.rejected],
            "warnings": [error_dict(e) for e in self.warnings],
        }


def error_dict(error: listparse.RowError) -> dict:
    return {"row": error.row, "field": error.field, "sheet": error.sheet, "message": error.message}


def _decision_key(row: listparse.MaterialRow) -> tuple[str, str] | None:
    if row.excluded or (not row.decision_text and not row.court):
        return None
    return (row.decision_text, RECOGNITION_OUTCOME[row.classification])


def import_material_list(
    source, filename: str = "", *, user=None, dry_run: bool = False, classification=None
):
    """Import the official list (CSV or XLSX) from a path, file object or bytes.

    ``classification`` ("extremist" or "terrorist") is the category of the whole file, for a
    list that has no category column (the published shape «#;Материал;Дата включения»).

    Returns an ImportReport. With errors in the file nothing is written (`report.ok` is False);
    with `dry_run` nothing is written either and the report says what would happen. A file
    over KBZ_MATERIALS_IMPORT_MAX_BYTES, or a workbook that utilities.uploads refuses, is
    one file-level error. Parsing holds a heavy-job slot (Busy when none is free).
    """
    filename = filename or getattr(source, "name", "") or str(source)[:100]
    try:
        data = _read_capped(source, settings.KBZ_MATERIALS_IMPORT_MAX_BYTES)
    except FileTooLarge as too_large:
        report = ImportReport(filename=str(filename), dry_run=dry_run)
        report.rejected = [listparse.RowError(0, "file", too_large.message)]
        return report
    with uploads.heavy_job_slot():
        result = listparse.parse_list(
            data,
            str(filename),
            max_rows=settings.KBZ_MATERIALS_IMPORT_MAX_ROWS,
            limits=uploads.Limits.from_settings(),
            classification=classification or None,
        )
    report = ImportReport(filename=str(filename), dry_run=dry_run, warnings=list(result.warnings))
    report.rejected = list(result.errors)
    rows = _unique_numbers(result.rows, report)

    existing = {m.number: m for m in Material.objects.filter(number__in=[r.number for r in rows])}
    keys = {k for r in rows if (k := _decision_key(r))}
    decisions: dict[tuple[str, str], CourtDecision] = {}
    for decision in CourtDecision.objects.filter(text__in={k[0] for k in keys}).order_by("pk"):
        decisions.setdefault((decision.text, decision.outcome), decision)
    new_decisions: dict[tuple[str, str], CourtDecision] = {}
    regions = list(Region.objects.all())
    for row in rows:
        key = _decision_key(row)
        if key and key not in decisions and key not in new_decisions:
            new_decisions[key] = CourtDecision(
                court=row.court,
                region=region_of_court(row.court, regions),
                decision_date=row.decision_date,
                entry_into_force=row.entry_into_force,
                outcome=key[1],
                text=row.decision_text,
            )
    report.decisions_created = len(new_decisions)

    to_create: list[Material] = []
    to_update: list[Material] = []
    for row in rows:
        key = _decision_key(row)
        decision = decisions.get(key) if key else None
        material = existing.get(row.number)
        if row.excluded:
            _strike_off(row, material, report, to_create, to_update)
            continue
        if material is None:
            report.created.append(row)
            to_create.append(
                Material(
                    number=row.number,
                    title=row.title,
                    description=row.description,
                    classification=row.classification,
                    kind=row.kind,
                    languages=list(row.languages),
                    included_on=row.included_on or row.entry_into_force or row.decision_date,
                )
            )
            to_create[-1]._decision_key = key
            continue
        wanted = {
            "title": row.title,
            "description": row.description,
            "classification": row.classification,
        }
        if row.included_on is not None:
            wanted["included_on"] = row.included_on
        changed = [name for name, value in wanted.items() if getattr(material, name) != value]
        if key in new_decisions or (decision is not None and material.decision_id != decision.pk):
            changed.append("decision")
        if changed:
            for name, value in wanted.items():
                setattr(material, name, value)
            material._decision_key = key
            to_update.append(material)
            report.updated.append((row, changed))
        else:
            report.unchanged.append(row)

    if not report.ok or dry_run:
        return report
    change_reason = f"import of {report.filename}"[:100]
    with transaction.atomic():
        if new_decisions:
            created = bulk_create_with_history(
                list(new_decisions.values()), CourtDecision,
                default_user=user, default_change_reason=change_reason,
            )  # fmt: skip
            decisions.update(zip(new_decisions.keys(), created, strict=True))
        for material in [*to_create, *to_update]:
            key = material._decision_key
            if key:
                material.decision = decisions[key]
            material.search_key = material.compute_search_key()
        try:
            if to_create:
                bulk_create_with_history(
                    to_create, Material, default_user=user, default_change_reason=change_reason
                )
            if to_update:
                bulk_update_with_history(
                    to_update, Material, [*LIST_FIELDS, "search_key"],
                    default_user=user, default_change_reason=change_reason,
                )  # fmt: skip
        except IntegrityError as exc:
            # Another import of the same numbers ran at the same moment: nothing of this one stays.
            raise Conflict(
                str(_("The list was changed by another import at the same time; try again."))
            ) from exc
    return report


def _strike_off(row, material, report, to_create, to_update) -> None:
    """A struck-off number: its material excluded, or an excluded material with no title."""
    if material is None:
        report.excluded.append(row)
        to_create.append(
            Material(
                number=row.number,
                title="",
                description=row.description,
                classification=row.classification,
                included_on=row.included_on,
                status=MaterialStatus.EXCLUDED,
            )
        )
        to_create[-1]._decision_key = None
    elif material.status != MaterialStatus.EXCLUDED:
        report.excluded.append(row)
        material.status = MaterialStatus.EXCLUDED
        material._decision_key = None
        to_update.append(material)
    else:
        report.unchanged.append(row)


def _read_capped(source, limit: int) -> bytes:
    """The bytes of a path, file object or bytes; FileTooLarge past ``limit``, found by the
    declared size where there is one and never by reading more than ``limit + 1`` bytes."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | os.PathLike):
        if os.path.getsize(source) > limit:
            raise _too_large(os.path.getsize(source), limit)
        with open(source, "rb") as fh:
            data = fh.read(limit + 1)
    else:
        size = getattr(source, "size", None)
        if size is not None and size > limit:
            raise _too_large(size, limit)
        data = source.read(limit + 1)
    if len(data) > limit:
        raise _too_large(len(data), limit)
    return data


def _too_large(size: int, limit: int) -> FileTooLarge:
    return FileTooLarge(
        str(_("The file is %(size)s MB; at most %(limit)s MB are taken."))
        % {"size": uploads.megabytes(size), "limit": uploads.megabytes(limit)},
        field="file",
    )


def _unique_numbers(rows, report: ImportReport) -> list[listparse.MaterialRow]:
    """Numbers are unique in the register; the parser allows a repeat in another section."""
    seen: dict[int, listparse.MaterialRow] = {}
    unique = []
    for row in rows:
        first = seen.get(row.number)
        if first is None:
            seen[row.number] = row
            unique.append(row)
            continue
        where = f" ({first.sheet})" if first.sheet else ""
        report.rejected.append(
            listparse.RowError(
                row=row.row,
                field="number",
                message=f"номер {row.number} уже встречается в строке {first.row}{where}",
                sheet=row.sheet,
            )
        )
    return unique


def export_material_list(materials: Iterable[Material], fmt: str) -> bytes:
    """The register in the official list's shape (CSV or XLSX), readable by the importer.

    The date of inclusion is written when known; a number struck off before the register knew
    its material (excluded, no title) is written «Исключен», as the published list writes it.
    """
    rows = [
        listparse.MaterialRow(
            row=0,
            number=m.number,
            title=m.title,
            description=m.description or m.title,
            classification=m.classification,
            kind=m.kind,
            languages=tuple(m.languages or ()),
            court=m.decision.court if m.decision else "",
            decision_date=m.decision.decision_date if m.decision else None,
            entry_into_force=m.decision.entry_into_force if m.decision else None,
            decision_text=m.decision.text if m.decision else "",
            included_on=m.included_on,
            excluded=m.status == MaterialStatus.EXCLUDED and not m.title,
        )
        for m in materials
    ]
    return listparse.write_list(rows, fmt)


# --- fingerprints -------------------------------------------------------------------------------
def match_max_bytes() -> int:
    return getattr(settings, "KBZ_MATCH_MAX_BYTES", DEFAULT_MATCH_MAX_BYTES)


def read_upload(upload) -> bytes:
    """The bytes of an uploaded file, refused past the size cap before it is read."""
    limit = match_max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise FileTooLarge(
            str(_("The file is larger than %(limit)d MB; upload a smaller file."))
            % {"limit": limit // (1024 * 1024)},
            field="file",
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(
            str(_("The file is larger than %(limit)d MB; upload a smaller file."))
            % {"limit": limit // (1024 * 1024)},
            field="file",
        )
    return data


@transaction.atomic
def attach_copy(
    material: Material, upload, *, keep_file: bool = False, note: str = ""
) -> MaterialFingerprint:
    """Record the fingerprints of a known copy of `material`; keep the file only if asked."""
    data = read_upload(upload)
    name = getattr(upload, "name", "") or ""
    fp = selectors.upload_fingerprints(
        data, filename=name, content_type=getattr(upload, "content_type", "") or ""
    )
    record = MaterialFingerprint.objects.filter(material=material, sha256=fp.sha256).first()
    if record is None:
        record = MaterialFingerprint(material=material, sha256=fp.sha256)
    record.kind = fp.kind
    record.md5 = fp.md5
    record.text_sha256 = fp.text_sha256 or ""
    record.pdq = fp.pdq or ""
    record.pdq_quality = fp.pdq_quality
    record.tlsh = fp.tlsh or ""
    record.size = fp.size
    record.filename = name[:300]
    record.note = note or record.note
    if keep_file:
        from django.core.files.base import ContentFile

        record.file.save(name or fp.sha256, ContentFile(data), save=False)
    record.save()
    return record
