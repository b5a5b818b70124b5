"""Bulk work from the portal: the bar over the registry list and a batch's results, and the
summary of what an action did (registry.bulk decides; docs/design.md §4.13).

The selection is posted as what it is, never as a list the page computed for a filter:
ticked boxes (`link`, ids re-checked under the policy), "every link matching this filter"
(`scope=all` with the list's query string, re-evaluated now by the list's own filters and
search), or "every line of this tab of my batch" (`scope=batch`: the batch is the user's own,
its links narrowed to those the user may read). "New blocking order" hands the selection over
to the orders' own create page (portal.views.orders.order_create).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kibernadzor.errors import DomainError
from portal import submissions
from portal.bulk_forms import ACTION_LABELS, PREFIX, may_order
from portal.views.link_list import registry_listing
from portal.views.orders import new_order_url
from registry import bulk, selectors
from registry.choices import ReadChannel
from registry.models import Link

PARAMS = ("reason", "expert_opinion", "classification", "agency", "user", "due_date", "order")
# A new order from a batch's lines travels as ids in the address of the order's page.
NEW_ORDER_FROM_BATCH_MAX = 300
# Refused links listed per reason on the summary (the count says how many in all).
LISTED_PER_REASON = 200


def _back(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("portal:links")


def _batch_ids(request) -> list[int]:
    batch = submissions.batch_of(request.user, request.POST.get("batch", ""))
    status = request.POST.get("status") or None
    if status not in (None, *submissions.RESULT_FILTERS):
        raise DomainError(_("Unknown filter of the results."), field="status")
    return submissions.result_link_ids(batch, status)


def _selection(request) -> dict:
    """The posted selection as registry.bulk takes it."""
    scope = request.POST.get("scope", "")
    if scope == "all":
        listing = registry_listing(request, QueryDict(request.POST.get("query", "")))
        if not listing.valid:
            raise DomainError(_("Correct the filters before acting on every matching link."))
        return {"queryset": listing.queryset}
    if scope == "batch":
        return {"queryset": Link.objects.filter(pk__in=_batch_ids(request))}
    ids = [int(value) for value in request.POST.getlist("link") if value.isdigit()]
    if not ids:
        raise DomainError(_("Tick at least one link, or choose every link matching the filter."))
    return {"ids": ids}


def _new_order(request):
    """Hand the selection over to the new-order page, which checks it again."""
    scope = request.POST.get("scope", "")
    if scope == "all":
        query = request.POST.get("query", "")
        return redirect(new_order_url(from_filter=1) + (f"&{query}" if query else ""))
    if scope == "batch":
        ids = _batch_ids(request)
        if len(ids) > NEW_ORDER_FROM_BATCH_MAX:
            raise DomainError(
                _(
                    "A new order takes at most %(limit)s lines of a batch at once; tick the "
                    "links, or add them to a draft order."
                )
                % {"limit": NEW_ORDER_FROM_BATCH_MAX}
            )
    else:
        ids = [int(value) for value in request.POST.getlist("link") if value.isdigit()]
    if not ids:
        raise DomainError(_("Tick at least one link, or choose every link matching the filter."))
    return redirect(new_order_url(link=ids))


@login_required
@require_POST
def links_bulk(request):
    """Apply one bulk action to the posted selection and show what was done and refused."""
    user = request.user
    back = _back(request)
    action = request.POST.get(f"{PREFIX}-action", "")
    try:
        if request.POST.get("handover") == "new_order" or action == "new_order":
            if not may_order(user):
                raise DomainError(_("Only prosecutors issue blocking orders."))
            return _new_order(request)
        params = {name: request.POST.get(f"{PREFIX}-{name}", "") for name in PARAMS}
        outcome = bulk.apply(user, action, params=params, **_selection(request))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    selectors.read_links(user, outcome.shown(), ReadChannel.LIST)
    reasons = [
        {**group, "count": len(group["links"]), "links": group["links"][:LISTED_PER_REASON]}
        for group in outcome.reasons
    ]
    context = {
        "outcome": outcome,
        "action_label": ACTION_LABELS.get(action, action),
        "reasons": reasons,
        "back": back,
        # A summary answers a POST: the language switcher returns to the list it came from.
        "language_next": back,
    }
    return render(request, "portal/links/bulk_done.html", context)
