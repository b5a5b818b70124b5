"""Set-based writes of LinkStats rows, shared by scheduling, recording and republications.

A batch of links costs one statement here whatever its size: a submission registers up to
10,000 links at once, and a recorded batch rewrites a dozen columns of each of its rows.
"""

from datetime import datetime

from django.db import connection

from checks.models import LinkStats
from utilities.cursors import array_cursor


def insert_stats(ids: list[int], due: datetime | None) -> None:
    """One LinkStats row per link, due at `due`, unless it has one: a single INSERT … SELECT
    whatever the number of links (a submission registers up to 10,000 at once, and building
    that many model instances would cost more than the statement)."""
    columns, values, params = [], [], []
    for field in LinkStats._meta.concrete_fields:
        columns.append(field.column)
        if field.column == "link_id":
            values.append("t.id")
        else:
            values.append("%s")
            params.append(due if field.name == "next_check_at" else field.get_default())
    with array_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {LinkStats._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
            f"SELECT {', '.join(values)} FROM unnest(%b::bigint[]) AS t(id) "
            "ON CONFLICT (link_id) DO NOTHING",
            [*params, ids],
        )


def update_stats(rows: list[LinkStats], fields: list[str]) -> None:
    """Write these fields of these LinkStats rows in one statement.

    An UPDATE … FROM unnest() of one array per column: Django's bulk_update
    builds a CASE WHEN per field and row, which for a batch of 50 rows and 14 fields cost
    more CPU than fetching the pages."""
    if not rows:
        return
    meta = LinkStats._meta
    columns = [meta.get_field(name) for name in fields]
    key = meta.pk
    arrays = [[key.get_db_prep_value(row.pk, connection) for row in rows]]
    arrays += [
        [field.get_db_prep_save(getattr(row, field.attname), connection) for row in rows]
        for field in columns
    ]
    names = [field.column for field in columns]
    casts = ", ".join(f"%s::{field.db_type(connection)}[]" for field in (key, *columns))
    with array_cursor() as cursor:
        cursor.execute(
            f"UPDATE {meta.db_table} AS s SET "  # noqa: S608 - names are the model's
            + ", ".join(f"{name} = t.{name}" for name in names)
            + f" FROM unnest({casts}) AS t({key.column}, {', '.join(names)}) "
            f"WHERE s.{key.column} = t.{key.column}",
            arrays,
        )
