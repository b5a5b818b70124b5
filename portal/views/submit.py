"""The submit page: one URL, a pasted list or a file, with per-URL results as they come.

Whatever was given becomes a BulkSubmission (portal.submissions); its first chunk is
submitted at once, and the officer lands on the batch's page (so a reload never submits
again). If more chunks remain, the page asks for the next one: with JavaScript, htmx posts the
"continue" form as soon as it appears and appends the chunk's rows to the table; without it,
the officer presses the same form's button.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import policy
from kibernadzor.errors import DomainError
from portal import submissions
from portal.models import BulkSubmission
from portal.submit_forms import FORMS
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
    """A batch's results so far, its progress, and the form that asks for the next chunk."""
    batch = _batch_or_404(request, batch_id)
    rows, hidden = submissions.page_results(batch)
    return render(
        request,
        "portal/submit/batch.html",
        {"batch": batch, "rows": rows, "hidden": hidden, "progress": submissions.summary(batch)},
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
    return render(
        request,
        "portal/submit/_chunk.html",
        {
            "batch": batch,
            "rows": rows,
            "error": error,
            "progress": submissions.summary(batch),
        },
    )


@login_required
def batch_results(request, batch_id):
    """Every result of the batch as CSV, URLs defanged like on the page; the result in the
    reader's language beside its stable code (new, known, invalid)."""
    batch = _batch_or_404(request, batch_id)
    header = [
        _("line"),
        _("result"),
        _("result code"),
        _("as submitted"),
        _("canonical URL"),
        _("details"),
    ]
    rows = (
        [
            row["line"],
            _result_label(row["status"]),
            row["status"],
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
