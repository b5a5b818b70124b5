"""The submit page: one URL, a pasted list or a file, with per-URL results as they come.

Whatever was given becomes a BulkSubmission (portal.submissions); its first chunk is
submitted at once, and the officer lands on the batch's page (so a reload never submits
again). If more chunks remain, the page asks for the next one: with JavaScript, htmx posts the
"continue" form as soon as it appears and appends the chunk's rows to the table; without it,
the officer presses the same form's button.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import policy
from kibernadzor.errors import DomainError
from portal import submissions
from portal.bulk_forms import bar_context
from portal.models import BulkSubmission
from portal.submit_forms import FORMS, PastedListForm
from portal.templatetags.portal_tags import defang
from registry.choices import SubmissionStatus
from utilities.tabular import file_response, write_table

RECENT_BATCHES = 10


@never_cache  # "back" must draw a new form (and batch id), not show the one already posted
@login_required
def submit(request):
    """The three forms; a valid one starts a batch and shows its first results."""
    allowed = submissions.may_submit(request.user)
    forms = {mode: form_class() for mode, form_class in FORMS.items()}
    active = "one"
    if request.method == "POST" and allowed:
        active = request.POST.get("mode", "")
        form_class = FORMS.get(active)
        if form_class is None:
            return HttpResponseBadRequest(_("Unknown submission form."))
        form = forms[active] = form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                batch = submissions.start(
                    request.user,
                    form.lines,
                    source=form.source,
                    filename=form.filename,
                    confidential=form.cleaned_data["confidential"],
                    batch_id=form.cleaned_data["batch"],
                )
                submissions.process_next(request.user, batch.pk, 0)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                return redirect("portal:submit_batch", batch_id=batch.pk)
    recent = policy.restrict(BulkSubmission.objects.all(), request.user)[:RECENT_BATCHES]
    status = 200 if allowed else 403
    if request.method == "POST" and allowed:
        status = 400  # a form with errors
    return render(
        request,
        "portal/submit/submit.html",
        {"forms": forms, "active": active, "allowed": allowed, "recent": recent},
        status=status,
    )


def _batch_or_404(request, batch_id) -> BulkSubmission:
    try:
        return submissions.batch_of(request.user, batch_id)
    except submissions.BatchNotFound:
        raise Http404(_("No such submission.")) from None


@login_required
def batch(request, batch_id):
    """A batch's results. While it is being worked through: the results so far, its progress,
    and the form that asks for the next chunk. Once finished: the summary at the top, the
    results filtered server-side (new / known / invalid) a page at a time, the bulk bar over
    them, and the invalid lines ready to be corrected and submitted again."""
    batch = _batch_or_404(request, batch_id)
    context = {"batch": batch, "progress": submissions.summary(batch)}
    if not batch.finished:
        rows, hidden = submissions.page_results(batch)
        context.update(rows=rows, hidden=hidden)
        return render(request, "portal/submit/batch.html", context)
    status = request.GET.get("status") or None
    if status not in submissions.RESULT_FILTERS:
        status = None
    paginator = Paginator(submissions.ResultRows(batch, status), submissions.RESULTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    context.update(
        finished=True,
        status=status,
        rows=list(page.object_list),
        page=page,
        page_query=f"status={status}" if status else "",
        tabs=[
            {
                "status": value or "",
                "label": label,
                "count": submissions.result_count(batch, value),
                "url": f"{request.path}?status={value}" if value else request.path,
            }
            for value, label in RESULT_TABS
        ],
        **bar_context(request, form_id="bulk-selection"),
    )
    if batch.invalid_count:
        invalid = submissions.invalid_lines(batch)
        context["invalid"] = invalid
        context["resubmit_form"] = PastedListForm(
            initial={
                "urls": "\n".join(defang(row["input"]) for row in invalid),
                "confidential": batch.confidential,
            }
        )
    return render(request, "portal/submit/batch.html", context)


RESULT_TABS = (
    (None, gettext_lazy("All")),
    ("new", gettext_lazy("New")),
    ("known", gettext_lazy("Known")),
    ("invalid", gettext_lazy("Invalid")),
)


@login_required
@require_POST
def next_chunk(request, batch_id):
    """Submit the batch's next chunk. htmx gets the chunk's rows and the following form as a
    fragment; a plain form post returns to the batch's page."""
    try:
        expected = int(request.POST.get("chunk", ""))
    except ValueError:
        return HttpResponseBadRequest(_("Which chunk to submit is missing."))
    error = None
    try:
        batch, chunk = submissions.process_next(request.user, batch_id, expected)
    except submissions.BatchNotFound:
        raise Http404(_("No such submission.")) from None
    except DomainError as refused:
        error, chunk = refused.message, None
        batch = _batch_or_404(request, batch_id)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("portal:submit_batch", batch_id=batch.pk)
    rows = submissions.displayed(chunk.results) if chunk is not None else []
    response = render(
        request,
        "portal/submit/_chunk.html",
        {
            "batch": batch,
            "rows": rows,
            "error": error,
            "progress": submissions.summary(batch),
        },
    )
    if batch.finished and chunk is not None:
        # The last chunk is in: reload into the finished page (summary, filters, bulk bar).
        response["HX-Refresh"] = "true"
    return response


@login_required
def batch_results(request, batch_id):
    """Every result of the batch as CSV, URLs defanged like on the page. The headers, the
    result and the details are in the reader's language; "result code" (new, known, invalid)
    and "reason code" (registry.answers.INVALID_REASON_LABELS) are stable codes for programs,
    in the same columns whatever the language (README, "Translations")."""
    batch = _batch_or_404(request, batch_id)
    header = [
        _("line"),
        _("result"),
        _("result code"),
        _("reason code"),
        _("as submitted"),
        _("canonical URL"),
        _("details"),
    ]
    rows = (
        [
            row["line"],
            _result_label(row["status"]),
            row["status"],
            row.get("reason") or "",
            defang(row["input"]),
            defang(row.get("url")),
            _details_text(row),
        ]
        for row in submissions.displayed(list(submissions.all_results(batch)))
    )
    return file_response(write_table(header, rows, "csv"), "csv", f"submission-{batch.pk}")


def _result_label(status: str) -> str:
    try:
        return str(SubmissionStatus(status).label)
    except ValueError:
        return status


def _details_text(row: dict) -> str:
    if row["status"] == "invalid" or row.get("restricted"):
        return row["message"]
    if row["status"] == "new":
        return _("registered by you")
    return _(
        "known since %(since)s, first reported by %(agency)s; state: %(state)s; reports: %(n)d"
    ) % {
        "since": row["since"].strftime("%d.%m.%Y"),
        "agency": row["agency"],
        "state": row["state_label"],
        "n": row["reports"],
    }
