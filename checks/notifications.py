"""Notifications of the checks app: to agencies about their links, to auditors about access
changes; an email to the officers when CHECKER_NOTIFY_EMAIL is on; marking them read."""

import logging
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import policy
from checks.choices import NotificationKind
from checks.models import Notification
from kibernadzor.errors import NotAllowed

logger = logging.getLogger(__name__)


def notify_agencies(link, kind: str, message: str) -> list[Notification]:
    """One portal notification per agency concerned with the link (the one that registered it
    and the one it is assigned to); an email to their officers if CHECKER_NOTIFY_EMAIL."""
    agencies = sorted({link.first_reported_agency_id, link.assigned_agency_id} - {None})
    notes = Notification.objects.bulk_create(
        Notification(agency_id=agency_id, link_id=link.pk, kind=kind, message=message)
        for agency_id in agencies
    )
    if settings.CHECKER_NOTIFY_EMAIL and agencies:
        transaction.on_commit(partial(_email_agencies, agencies, message), robust=True)
    return notes


def notify_agency_messages(messages: Iterable[tuple[int, int | None, str, str]]) -> list:
    """One portal notification per (agency id, link id or None, kind, message), in one INSERT,
    and an email to each agency's officers if CHECKER_NOTIFY_EMAIL (sources.watching sends
    its grouped "N new posts match …" notices through this)."""
    rows = [
        Notification(agency_id=agency_id, link_id=link_id, kind=kind, message=message)
        for agency_id, link_id, kind, message in messages
    ]
    if not rows:
        return []
    notes = Notification.objects.bulk_create(rows)
    if settings.CHECKER_NOTIFY_EMAIL:
        for note in rows:
            transaction.on_commit(
                partial(_email_agencies, [note.agency_id], note.message), robust=True
            )
    return notes


def notify_auditors_of_access_change(sender, grant, **kwargs) -> list[Notification]:
    """One portal notification per active auditor for an access change recorded or decided
    (accounts.signals.access_changed): who, what, for whom, and where it stands."""
    from django.contrib.auth import get_user_model

    from accounts.choices import Role

    auditors = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.AUDITOR)
        .values_list("pk", flat=True)
        .distinct()
    )
    message = grant.summary()
    return Notification.objects.bulk_create(
        Notification(user_id=pk, kind=NotificationKind.ACCESS_CHANGE, message=message)
        for pk in auditors
    )


def notify_assignment(sender, link, actor, previous_user_id=None, **kwargs) -> list[Notification]:
    """A link was assigned (registry.signals.link_assigned): a portal notification to the
    officer named, or, when only an agency is, to each of that agency's active supervisors.
    Nobody is told of an assignment they made themselves. The text is in the language the
    actor works in; the kind's label is shown in the reader's."""
    recipients = _assignment_recipients(link.assigned_agency_id, link.assigned_user_id, actor)
    if not recipients:
        return []
    values = {
        "link": link.pk,
        "host": link.host,
        "actor": (actor.get_full_name() or actor.username) if actor else _("the system"),
        "due": link.due_date.strftime("%d.%m.%Y") if link.due_date else "",
    }
    if link.assigned_user_id is not None:
        if link.due_date:
            message = _("Link #%(link)s (%(host)s) was assigned to you by %(actor)s, due %(due)s.")
        else:
            message = _("Link #%(link)s (%(host)s) was assigned to you by %(actor)s.")
    else:
        values["agency"] = link.assigned_agency.name
        if link.due_date:
            message = _(
                "Link #%(link)s (%(host)s) was assigned to %(agency)s by %(actor)s, due %(due)s: "
                "choose an officer for it."
            )
        else:
            message = _(
                "Link #%(link)s (%(host)s) was assigned to %(agency)s by %(actor)s: "
                "choose an officer for it."
            )
    return Notification.objects.bulk_create(
        Notification(
            user_id=pk, link_id=link.pk, kind=NotificationKind.ASSIGNED, message=message % values
        )
        for pk in recipients
    )


def _assignment_recipients(agency_id, user_id, actor) -> list[int]:
    """The officer named, else the agency's active supervisors; never the actor."""
    from django.contrib.auth import get_user_model

    from accounts.choices import Role

    if user_id is not None:
        recipients = [user_id]
    else:
        recipients = list(
            get_user_model()
            .objects.filter(agency=agency_id, is_active=True, groups__name=Role.SUPERVISOR)
            .values_list("pk", flat=True)
            .distinct()
        )
    return [pk for pk in recipients if pk != getattr(actor, "pk", None)]


def notify_bulk_assignment(sender, links, actor, **kwargs) -> list[Notification]:
    """Many links assigned at once (registry.signals.links_assigned): one notification per
    person for the whole selection, naming how many links and pointing to the first; a
    single link is told as `notify_assignment` tells it."""
    if not links:
        return []
    if len(links) == 1:
        return notify_assignment(sender, link=links[0], actor=actor)
    first = links[0]
    recipients = _assignment_recipients(first.assigned_agency_id, first.assigned_user_id, actor)
    if not recipients:
        return []
    values = {
        "count": len(links),
        "actor": (actor.get_full_name() or actor.username) if actor else _("the system"),
    }
    if first.assigned_user_id is not None:
        message = ngettext(
            "%(count)s link was assigned to you by %(actor)s.",
            "%(count)s links were assigned to you by %(actor)s.",
            len(links),
        )
    else:
        values["agency"] = first.assigned_agency.name
        message = ngettext(
            "%(count)s link was assigned to %(agency)s by %(actor)s: choose an officer for it.",
            "%(count)s links were assigned to %(agency)s by %(actor)s: choose officers for them.",
            len(links),
        )
    return Notification.objects.bulk_create(
        Notification(
            user_id=pk, link_id=first.pk, kind=NotificationKind.ASSIGNED, message=message % values
        )
        for pk in recipients
    )


def _email_agencies(agency_ids: list[int], message: str) -> None:
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail

    recipients = list(
        get_user_model()
        .objects.filter(agency__in=agency_ids, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return
    try:
        send_mail(
            _("Kibernadzor: %(message)s") % {"message": message[:60]}, message, None, recipients
        )
    except Exception:  # the portal notification is kept; mail is best effort
        logger.warning("Could not email %d officer(s) about a link", len(recipients), exc_info=True)


def mark_read(notification_ids: Iterable[int], *, user) -> int:
    """Mark the user's notifications (their own or their agency's) read; how many changed."""
    if not policy.can(user, "change", model=Notification):
        raise NotAllowed(_("You may not change notifications."))
    mine = policy.restrict(Notification.objects.all(), user, "change")
    return mine.filter(pk__in=list(notification_ids), read_at__isnull=True).update(
        read_at=timezone.now()
    )
