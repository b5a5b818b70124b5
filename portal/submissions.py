"""Submitting a list or a file from the portal, chunk by chunk (portal.models.BulkSubmission).

`start` stores the parsed lines cut into chunks; `process_next` submits one chunk through
registry.services.submit_urls — the same set-based service the API calls — and keeps its
results. A chunk is submitted exactly once: the batch row is locked and the chunk is taken
only when it is the batch's next one, so a repeated or concurrent request for it (a double
click, a retry) does nothing and the results already stored stand.
"""

import json
import uuid
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import policy
from kibernadzor.errors import DomainError, NotAllowed
from portal.models import BulkChunk, BulkSubmission
from registry import canon
from registry import services as registry_services
from registry.answers import SubmissionAnswer, invalid_reason_label, invalid_url_message
from registry.choices import LinkState, SubmissionStatus
from registry.intake import Line
from registry.models import Report

# Lines per request: one submit_urls call each, well under a second, and often enough to
# show progress on a large file.
CHUNK_LINES = 500
# Lines per list or file: 200 requests of CHUNK_LINES; larger files are split by the officer.
MAX_LINES = 100_000
# Results rendered in one page; all of them are in the CSV download.
RESULTS_ON_PAGE = 2_000
# Results per page of a finished batch's results (filtered by status, server-side).
RESULTS_PER_PAGE = 200
# Invalid lines offered for correction in one go.
RESUBMIT_LINES = 2_000
# Filters of a finished batch's results: status -> the batch's counter of it.
RESULT_FILTERS = ("new", "known", "invalid")
# Finished or abandoned batches are dropped after this long (when the officer starts another).
KEEP_DAYS = 7


class BatchNotFound(DomainError):
    http_status = 404
    code = "not_found"


def may_submit(user) -> bool:
    return user.agency_id is not None and policy.can(user, "add", model=Report)


def check_line_count(lines: list[Line]) -> None:
    """A clear refusal of an empty or over-long list, before anything is stored."""
    if not any(line.text.strip() for line in lines):
        raise DomainError(_("There is no URL to submit: the list is empty."))
    if len(lines) > MAX_LINES:
        raise DomainError(
            _("The list has %(count)d lines; at most %(limit)d are taken at a time. Split it.")
            % {"count": len(lines), "limit": MAX_LINES}
        )


def start(
    user,
    lines: list[Line],
    *,
    source: str,
    filename: str = "",
    confidential: bool = False,
    batch_id: uuid.UUID | None = None,
) -> BulkSubmission:
    """Store the lines of a new batch, cut into chunks of CHUNK_LINES; nothing is submitted
    yet. Old batches of the same user are dropped on the way.

    `batch_id`, drawn when the form was shown, makes a repeated post of the same form return
    the batch the first one started instead of starting another."""
    if not may_submit(user):
        raise NotAllowed(_("You may not submit links."))
    check_line_count(lines)
    size = CHUNK_LINES
    chunks = [lines[start : start + size] for start in range(0, len(lines), size)]
    with transaction.atomic():
        policy.restrict(BulkSubmission.objects.all(), user, "delete").filter(
            created_at__lt=timezone.now() - timedelta(days=KEEP_DAYS)
        ).delete()
        batch, created = BulkSubmission.objects.get_or_create(
            pk=batch_id or uuid.uuid4(),
            defaults={
                "user": user,
                "source": source,
                "filename": filename[:255],
                "confidential": confidential,
                "line_count": len(lines),
                "chunk_count": len(chunks),
            },
        )
        if not created:
            if batch.user_id != user.pk:
                raise BatchNotFound(_("No such submission."))
            return batch
        BulkChunk.objects.bulk_create(
            (
                BulkChunk(
                    batch=batch, index=index, lines=[[line.number, line.text] for line in chunk]
                )
                for index, chunk in enumerate(chunks)
            ),
            batch_size=50,
        )
    return batch


def batch_of(user, batch_id) -> BulkSubmission:
    """The user's own batch; anyone else's does not exist for them."""
    batch = policy.restrict(BulkSubmission.objects.all(), user).filter(pk=batch_id).first()
    if batch is None:
        raise BatchNotFound(_("No such submission."))
    return batch


def process_next(user, batch_id, expected: int) -> tuple[BulkSubmission, BulkChunk | None]:
    """Submit chunk `expected` of the user's batch if it is the next one.

    Returns the batch and the chunk processed by this call, or None when the chunk was not
    the next one (already done by an earlier request, or the batch is finished)."""
    with transaction.atomic():
        batch = (
            policy.restrict(BulkSubmission.objects.select_for_update(), user, "change")
            .filter(pk=batch_id)
            .first()
        )
        if batch is None:
            raise BatchNotFound(_("No such submission."))
        if batch.finished or expected != batch.position:
            return batch, None
        chunk = BulkChunk.objects.get(batch=batch, index=expected)
        numbers = [number for number, _text in chunk.lines]
        texts = [text for _number, text in chunk.lines]
        answers = registry_services.submit_urls(
            texts,
            user=user,
            source=batch.source,
            line_numbers=numbers,
            confidential=batch.confidential,
        )
        chunk.results = [_stored(answer, text) for answer, text in zip(answers, texts, strict=True)]
        chunk.processed_at = timezone.now()
        chunk.save(update_fields=["results", "processed_at"])
        for result in chunk.results:
            field = f"{result['status']}_count"
            setattr(batch, field, getattr(batch, field) + 1)
        batch.processed_lines += len(texts)
        batch.position += 1
        if batch.finished:
            batch.finished_at = chunk.processed_at
        batch.save()
    return batch, chunk


def _stored(answer: SubmissionAnswer, text: str) -> dict:
    """A submit answer as kept with the chunk (JSON): what the results page shows."""
    row = {"line": answer.line, "status": answer.status, "input": text[:500]}
    if answer.status == SubmissionStatus.INVALID:
        row.update(reason=answer.reason, message=answer.message)
    elif answer.status == SubmissionStatus.NEW:
        row.update(url=answer.url, link=answer.link)
    elif answer.is_restricted:
        # A confidential link the caller may not see: whom to contact, nothing else.
        row.update(restricted=True, message=answer.message)
    else:
        row.update(
            url=answer.url,
            link=answer.link,
            since=answer.known_since.isoformat(),
            agency=answer.first_reported_by.name,
            state=answer.state,
            reports=answer.report_count,
            duplicate_of_line=answer.duplicate_of_line,
        )
    return row


def displayed(rows: list[dict]) -> list[dict]:
    """Stored results with what the page shows: labels and dates."""
    shown = []
    for row in rows:
        row = dict(row)
        if row.get("since"):
            row["since"] = datetime.fromisoformat(row["since"])
        if row.get("state"):
            row["state_label"] = LinkState(row["state"]).label
        if row.get("status") == SubmissionStatus.INVALID:
            row["reason_label"] = invalid_reason_label(row.get("reason"))
            row["message"] = _invalid_message(row)
        shown.append(row)
    return shown


def _invalid_message(row: dict) -> str:
    """Why a line is invalid, in the reader's language: the stored sentence is in the
    submitter's, so a URL refusal is said again from the line (canonicalize is pure and
    fast); a line stored cut short, or refused for another reason, keeps its sentence."""
    try:
        canon.canonicalize(row.get("input") or "")
    except canon.InvalidURL as error:
        if error.reason == row.get("reason"):
            return invalid_url_message(error)
    return row.get("message") or ""


def page_results(batch: BulkSubmission) -> tuple[list[dict], int]:
    """The results to render on the batch page — the latest RESULTS_ON_PAGE or so — and how
    many earlier results are left to the CSV download."""
    if batch.position == 0:
        return [], 0
    per_chunk = -(-batch.line_count // batch.chunk_count)
    shown_chunks = max(1, RESULTS_ON_PAGE // per_chunk)
    first = max(0, batch.position - shown_chunks)
    rows = []
    for results in BulkChunk.objects.filter(
        batch=batch, index__gte=first, index__lt=batch.position
    ).values_list("results", flat=True):
        rows.extend(results)
    hidden = batch.processed_lines - len(rows)
    return displayed(rows), hidden


def all_results(batch: BulkSubmission):
    """Every stored result of the batch, in line order (for the CSV download)."""
    chunks = BulkChunk.objects.filter(batch=batch, results__isnull=False).order_by("index")
    for results in chunks.values_list("results", flat=True).iterator(chunk_size=20):
        yield from results


def summary(batch: BulkSubmission) -> str:
    return ngettext(
        "%(done)d of %(total)d line processed", "%(done)d of %(total)d lines processed",
        batch.line_count,
    ) % {"done": batch.processed_lines, "total": batch.line_count}  # fmt: skip


# --- a finished batch's results, filtered (the results page's tabs) ----------------------------
# One page of a batch's stored results, unpacked from the chunks' JSON by PostgreSQL; a status
# of NULL takes every row.
_ROWS = """
    SELECT e.row FROM portal_bulkchunk c
    CROSS JOIN LATERAL jsonb_array_elements(c.results) WITH ORDINALITY AS e(row, n)
    WHERE c.batch_id = %(batch)s AND c.results IS NOT NULL
      AND (%(status)s::text IS NULL OR e.row->>'status' = %(status)s::text)
    ORDER BY c.index, e.n
    LIMIT %(limit)s OFFSET %(offset)s
"""
_LINK_IDS = """
    SELECT DISTINCT (e.row->>'link')::bigint FROM portal_bulkchunk c
    CROSS JOIN LATERAL jsonb_array_elements(c.results) AS e(row)
    WHERE c.batch_id = %(batch)s AND c.results IS NOT NULL AND e.row->>'link' IS NOT NULL
      AND (%(status)s::text IS NULL OR e.row->>'status' = %(status)s::text)
"""


def result_count(batch: BulkSubmission, status: str | None) -> int:
    """How many stored results have this status (None: all), from the batch's counters."""
    if status is None:
        return batch.processed_lines
    return getattr(batch, f"{status}_count")


def filtered_results(batch: BulkSubmission, status: str | None, offset: int, limit: int):
    """One page of the batch's stored results with this status (None: all), in line order:
    a page of a 100,000-line batch reads that page, not every result."""
    with connection.cursor() as cursor:
        cursor.execute(
            _ROWS, {"batch": batch.pk, "status": status, "limit": limit, "offset": offset}
        )
        return displayed([row if isinstance(row, dict) else json.loads(row) for (row,) in cursor])


class ResultRows:
    """The filtered results as a sequence a Paginator can page through."""

    def __init__(self, batch: BulkSubmission, status: str | None):
        self.batch, self.status = batch, status

    def count(self) -> int:
        return result_count(self.batch, self.status)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("ResultRows is paged by slices")
        start = index.start or 0
        return filtered_results(self.batch, self.status, start, (index.stop or start) - start)


def result_link_ids(batch: BulkSubmission, status: str | None) -> list[int]:
    """The links the batch's results with this status name (None: new and known), for
    "select every line of this tab": the bulk action narrows them to what the user may read."""
    with connection.cursor() as cursor:
        cursor.execute(_LINK_IDS, {"batch": batch.pk, "status": status})
        return sorted(pk for (pk,) in cursor)


def invalid_lines(batch: BulkSubmission, limit: int = RESUBMIT_LINES) -> list[dict]:
    """The batch's invalid lines (number, text as typed, reason) to correct and submit again."""
    return filtered_results(batch, SubmissionStatus.INVALID, 0, limit)
