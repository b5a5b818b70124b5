"""The user's notifications (their own and their agency's) and marking them read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import policy
from checks import selectors as check_selectors
from checks import services as check_services
from checks.models import Notification
from kibernadzor.errors import NotAllowed
from portal.views.link_list import CappedPaginator

PAGE_SIZE = 30
MARK_ALL_LIMIT = 5_000  # one "mark all read" marks at most this many, newest first


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


@login_required
def notification_list(request):
    user = request.user
    if request.method == "POST":
        return _mark_read(request)
    unread_only = request.GET.get("unread") == "1"
    notes = check_selectors.notifications_for(user, unread_only=unread_only)
    page = CappedPaginator(notes.select_related("agency"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/notifications.html",
        {
            "page": page,
            "notes": list(page.object_list),
            "unread_only": unread_only,
            # Auditors read notifications but do not mark them: no buttons that would fail.
            "can_mark": policy.can(user, "change", model=Notification),
        },
    )


def _mark_read(request):
    user = request.user
    if "all" in request.POST:
        ids = list(
            check_selectors.notifications_for(user, unread_only=True).values_list("pk", flat=True)[
                :MARK_ALL_LIMIT
            ]
        )
    else:
        ids = _ids(request.POST.getlist("notification"))
    try:
        changed = check_services.mark_read(ids, user=user)
    except NotAllowed as error:
        messages.error(request, error.message)
        return redirect("portal:notifications")
    if getattr(request, "htmx", False) and len(ids) == 1:
        # One item marked from the list: swap that item, and the counter in the navigation.
        note = check_selectors.notifications_for(user).filter(pk=ids[0]).first()
        return render(
            request, "portal/includes/notification_marked.html", {"note": note, "can_mark": True}
        )
    if changed:
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked read.",
                "%(count)d notifications marked read.",
                changed,
            )
            % {"count": changed},
        )
    else:
        messages.info(request, _("Nothing to mark: already read."))
    return redirect("portal:notifications")
