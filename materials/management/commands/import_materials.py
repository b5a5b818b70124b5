"""`manage.py import_materials PATH [--classification extremist|terrorist] [--dry-run]`: load
the official list of materials."""

import argparse
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kibernadzor.errors import DomainError
from materials import listparse, services


def classification(value: str) -> str:
    """«extremist», «terrorist», or the category as the list writes it («экстремистский»)."""
    found, problem = listparse.parse_classification(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return found


class Command(BaseCommand):
    help = (
        "Import the official list of court-recognised materials (CSV or XLSX). All or nothing: "
        "a file with a bad row writes nothing. --dry-run prints what would change."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Report only; write nothing.")
        parser.add_argument(
            "--classification",
            type=classification,
            help="Category of the whole file (extremist or terrorist), for a list with no "
            "category column such as the published «#;Материал;Дата включения».",
        )

    def handle(self, *args, path: Path, dry_run: bool, classification=None, **options):
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            report = services.import_material_list(
                path, path.name, dry_run=dry_run, classification=classification
            )
        except DomainError as refused:  # Busy (every heavy-job slot taken), Conflict
            raise CommandError(refused.message) from None
        verb = "would create" if not report.applied else "created"
        for row in report.created:
            self.stdout.write(f"  {verb} № {row.number} (row {row.row}): {row.title[:80]}")
        verb = "would update" if not report.applied else "updated"
        for row, fields in report.updated:
            self.stdout.write(f"  {verb} № {row.number} (row {row.row}): {', '.join(fields)}")
        verb = "would strike off" if not report.applied else "struck off"
        for row in report.excluded:
            self.stdout.write(f"  {verb} № {row.number} (row {row.row})")
        for warning in report.warnings:
            self.stdout.write(f"  warning, {_where(warning)}: {warning.message}")
        for error in report.rejected:
            self.stdout.write(f"  rejected, {_where(error)}: {error.message}")
        self.stdout.write(report.summary())
        if not report.ok:
            raise CommandError(f"{len(report.rejected)} rows rejected; nothing was imported.")


def _where(error) -> str:
    sheet = f"sheet {error.sheet}, " if error.sheet else ""
    field = f", field {error.field}" if error.field else ""
    return f"{sheet}row {error.row}{field}"
