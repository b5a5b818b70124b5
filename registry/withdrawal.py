"""Withdrawing one's own submission (issue 17): the service, and what may be withdrawn.

An officer who submitted a link by mistake withdraws their report within
KBZ_WITHDRAW_WINDOW_MINUTES of submitting it. Nothing is deleted: the Report is marked
withdrawn (when, by whom, why) and no longer counts in the link's report_count. If other
live reports remain, the link stays as it is. If it was the only one and the link is still
new, the link leaves the registry's work through the table's internal move new → withdrawn
(a StateChange and a history record; no checks, not in the reports or the open counts). If
it was the only one and someone has already started work on the link, the refusal says to
ask them to reject it instead: a reviewer's work is not undone from outside.

Concurrency: the link's row is locked FOR UPDATE before the reports are counted, and a
submission locks the same row (FOR NO KEY UPDATE, registry.services) before it counts a
repeat, so a second report arriving at the same moment is either counted before the decision
(the link is kept) or arrives after it (and brings a withdrawn link back: withdrawn → new).
The report row is updated only while still live, so a double click withdraws once.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from kibernadzor.errors import Conflict, DomainError, NotAllowed
from registry import transitions
from registry.choices import LinkState
from registry.models import Link, Report
from registry.services import LinkNotFound, record_move


class WithdrawalRefused(Conflict):
    code = "withdrawal_refused"


def window() -> timedelta:
    return timedelta(minutes=settings.KBZ_WITHDRAW_WINDOW_MINUTES)


def withdrawable_reports(user, link_id: int | None = None):
    """The user's own live reports still inside the window (of one link, when given): those a
    "Withdraw" button is offered for. The service decides again under the lock."""
    reports = policy.restrict(Report.objects.all(), user, "change").filter(
        withdrawn_at__isnull=True, submitted_at__gte=timezone.now() - window()
    )
    if link_id is not None:
        reports = reports.filter(link_id=link_id)
    return reports.order_by("-submitted_at", "-id")


@transaction.atomic
def withdraw_report(*, actor, link_id: int, reason: str, report_id: int | None = None) -> Report:
    """Withdraw the actor's report of the link (`report_id`, or their latest live one).

    Refused, clearly, when the report is not theirs, is already withdrawn, is past the
    window, or was the link's only report while someone is already working on it."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why you withdraw the report."), field="reason")
    if not policy.can(actor, "change", model=Report):
        raise NotAllowed(_("You may not withdraw reports."))
    link = (
        Link.objects.restrict(actor, "view")
        .select_for_update(of=("self",))
        .filter(pk=link_id)
        .first()
    )
    if link is None:
        raise LinkNotFound(_("No such link, or you may not see it."))
    reports = Report.objects.select_for_update().filter(link=link)
    if report_id is not None:
        report = reports.filter(pk=report_id).first()
    else:
        report = (
            reports.filter(user=actor, withdrawn_at__isnull=True)
            .order_by("-submitted_at", "-id")
            .first()
        )
    if report is None:
        raise WithdrawalRefused(_("You have no report of this link to withdraw."), field="report")
    if report.user_id != actor.pk:
        raise NotAllowed(_("Only its submitter may withdraw a report."), field="report")
    if report.withdrawn_at is not None:
        raise WithdrawalRefused(_("This report is already withdrawn."), field="report")
    now = timezone.now()
    if report.submitted_at < now - window():
        raise WithdrawalRefused(
            _(
                "A report can be withdrawn within %(minutes)d minutes of submitting it; this "
                "one was submitted at %(at)s. Ask a supervisor to reject the link instead."
            )
            % {
                "minutes": settings.KBZ_WITHDRAW_WINDOW_MINUTES,
                "at": timezone.localtime(report.submitted_at).strftime("%d.%m.%Y %H:%M"),
            },
            field="report",
        )
    others = Report.objects.filter(link=link, withdrawn_at__isnull=True).exclude(pk=report.pk)
    last = not others.exists()
    if last and link.state != LinkState.NEW:
        raise WithdrawalRefused(
            _(
                "Yours is the only report, and work on the link has started (it is “%(state)s”): "
                "ask the reviewer to reject it instead."
            )
            % {"state": LinkState(link.state).label},
            field="report",
        )
    updated = Report.objects.filter(pk=report.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=now, withdrawn_by=actor, withdrawal_reason=reason
    )
    if not updated:  # cannot happen under the row lock; kept as the invariant's guard
        raise WithdrawalRefused(_("This report is already withdrawn."), field="report")
    if last:  # first the state: only a withdrawn link may count no report (a constraint)
        record_move(link, transitions.BY_NAME["withdraw"], actor, {"reason": reason})
        _stop_checks(link.pk)
    # report_count is the number of live reports (registry.services counts each new one).
    Link.objects.filter(pk=link.pk).update(report_count=F("report_count") - 1)
    link.refresh_from_db(fields=["report_count"])
    report.refresh_from_db()
    return report


def _stop_checks(link_id: int) -> None:
    """A withdrawn link is never checked again (until it is submitted again)."""
    from checks.models import LinkStats

    LinkStats.objects.filter(link_id=link_id).update(next_check_at=None)
