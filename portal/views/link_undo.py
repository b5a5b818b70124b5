"""The link page's undo and case parts (issue 17): withdrawing one's own report, notes, and the
case number. The forms post here; every write is a registry service (registry.withdrawal,
registry.notes), whose refusals come back as messages naming what to fix."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from kibernadzor.errors import DomainError
from portal.forms import CaseNumberForm, NoteForm, WithdrawForm
from registry import notes, selectors, withdrawal
from registry.models import Link, LinkNote


def link_undo_part(user, link: Link) -> dict:
    """What the link page shows of notes, the case number and withdrawal to this user."""
    may_change = policy.can(user, "change", link)
    return {
        "notes": list(notes.notes_for(user, link)[:100]),
        "note_form": NoteForm() if policy.can(user, "add", model=LinkNote) else None,
        "case_form": CaseNumberForm(initial={"case_number": link.case_number})
        if may_change
        else None,
        "withdrawable": [
            (report, WithdrawForm(initial={"report": report.pk}))
            for report in withdrawal.withdrawable_reports(user, link.pk)[:5]
        ],
        "window_minutes": settings.KBZ_WITHDRAW_WINDOW_MINUTES,
    }


def _readable(user, pk: int) -> Link:
    link = selectors.links_for(user).filter(pk=pk).first()
    if link is None:
        raise Http404(_("No such link, or you may not see it."))
    return link


def _refused(request, form, error: DomainError | None = None) -> None:
    if error is not None:
        messages.error(request, error.message)
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for message in errors:
            messages.error(request, f"{label}: {message}" if label else message)


@login_required
@require_POST
def link_note(request, pk: int):
    link = _readable(request.user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            notes.add_note(link.pk, author=request.user, text=form.cleaned_data["text"])
        except DomainError as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("The note was added."))
    else:
        _refused(request, form)
    return redirect(reverse("portal:link", args=[link.pk]) + "#notes-h")


@login_required
@require_POST
def link_case_number(request, pk: int):
    link = _readable(request.user, pk)
    form = CaseNumberForm(request.POST)
    if form.is_valid():
        try:
            notes.set_case_number(
                link.pk, actor=request.user, case_number=form.cleaned_data["case_number"]
            )
        except DomainError as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("The case number was saved."))
    else:
        _refused(request, form)
    return redirect(reverse("portal:link", args=[link.pk]) + "#notes-h")


@login_required
@require_POST
def link_withdraw(request, pk: int):
    link = _readable(request.user, pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            withdrawal.withdraw_report(
                actor=request.user,
                link_id=link.pk,
                reason=form.cleaned_data["reason"],
                report_id=form.cleaned_data["report"],
            )
        except DomainError as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("Your report was withdrawn."))
    else:
        _refused(request, form)
    return redirect("portal:link", pk=link.pk)
