"""The link registry in the portal: the list (filters, search, sort, pages) and its export.

A link's own page is portal.views.link_detail. Every read starts from the access policy
(registry.selectors.links_for); the confidential links a page or an export shows are logged
(registry.selectors.read_links, channels LIST and EXPORT). URLs are shown defanged.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import push_url

from accounts import policy
from accounts.models import Agency, Region
from orders.models import Order
from organizations.models import Organization
from portal.bulk_forms import bar_context
from portal.forms import (
    LinkSearchForm,
    prepare_filter_form,
)
from registry import exports, queues, selectors
from registry.access import may_export_live_urls
from registry.choices import (
    LinkClassification,
    ReadChannel,
)
from registry.filtersets import ENTERED_STATES, LinkFilterSet
from registry.search import search_links
from utilities.pagination import COUNT_CAP, CappedPaginator
from utilities.tabular import EXPORT_FORMATS, file_response, write_table

PAGE_SIZE = 50
# An export larger than this is refused with a message asking to narrow the filters.
EXPORT_MAX_ROWS = 50_000

# Sort keys offered by the list: key -> (label, ORDER BY). Each ends in the primary key so
# that pages never overlap; the default one is served by link_recent_idx.
SORTS = {
    "-reported": (gettext_lazy("Newest first"), ("-first_reported_at", "-id")),
    "reported": (gettext_lazy("Oldest first"), ("first_reported_at", "id")),
    "-changed": (gettext_lazy("State changed, latest first"), ("-state_changed_at", "-id")),
    "-reports": (gettext_lazy("Most reported first"), ("-report_count", "-id")),
    # Raised by matching on arrival (sources.matching): copies of banned content first.
    "-priority": (gettext_lazy("Priority first"), ("-priority", "-first_reported_at", "-id")),
    "due": (gettext_lazy("Due date, soonest first"), (F("due_date").asc(nulls_last=True), "id")),
    # A queue's order (registry.queues): the most pressing first, then what waited longest.
    "queue": (
        gettext_lazy("Due date, then oldest first"),
        (F("due_date").asc(nulls_last=True), "first_reported_at", "id"),
    ),
}
DEFAULT_SORT = "-reported"
QUEUE_SORT = "queue"


_FILTER_LABELS = {
    "url": gettext_lazy("URL (any form)"),
    "state": gettext_lazy("State"),
    "platform": gettext_lazy("Platform"),
    "classification": gettext_lazy("Classification"),
    "agency": gettext_lazy("First reporting agency"),
    "region": gettext_lazy("Region of the first reporting agency"),
    "assigned_agency": gettext_lazy("Assigned agency"),
    "reported_after": gettext_lazy("First reported on or after"),
    "reported_before": gettext_lazy("First reported before"),
    "due_before": gettext_lazy("Due on or before"),
    "organization": gettext_lazy("Organization"),
    "material": gettext_lazy("Material (id)"),
    "entered": gettext_lazy("Entered the state (at any time)"),
    "entered_after": gettext_lazy("Entered it on or after"),
    "confidential": gettext_lazy("Confidential"),
    "host": gettext_lazy("Host"),
    "registrable_domain": gettext_lazy("Registrable domain"),
    "is_demo": gettext_lazy("Demo record"),
}
# Shown at once; the rest sit under "More filters".
MAIN_FILTERS = ("state", "platform", "classification", "region", "agency", "reported_after")


# --- the list ----------------------------------------------------------------------------------
@dataclass
class Listing:
    """The filtered, searched, sorted links of a request (shared by the list and the export)."""

    filterset: LinkFilterSet
    search: LinkSearchForm
    queryset: object
    sort: str
    valid: bool
    query: dict = field(default_factory=dict)
    # The work queue the list is fixed to (registry.queues), if any.
    queue: queues.Queue | None = None

    @property
    def main_fields(self):
        return [self.filterset.form[name] for name in MAIN_FILTERS]

    @property
    def more_fields(self):
        return [bf for bf in self.filterset.form if bf.name not in MAIN_FILTERS]

    @property
    def more_open(self) -> bool:
        """Keep "More filters" unfolded when one of them is in use or wrong."""
        form = self.filterset.form
        return any(self.query.get(bf.name) or form.errors.get(bf.name) for bf in self.more_fields)


def registry_listing(request, query=None) -> Listing:
    return _listing(request, query)


def _choices_from(rows, empty_label):
    return [("", empty_label), *rows]


def _prepare_filters(filterset: LinkFilterSet, user) -> None:
    """Labels and pick-lists for the shared FilterSet's form; the filters stay the API's."""
    form = prepare_filter_form(filterset.form)
    for name, label in _FILTER_LABELS.items():
        if name in form.fields:
            form.fields[name].label = label
    anyone = _("any")
    agencies = [
        (a.code, f"{a.name} ({a.code})")
        for a in Agency.objects.restrict(user)
        .only("code", "name_ru", "name_kk", "name_en")
        .order_by("code")
    ]
    regions = [(r.iso_code, r.name) for r in Region.objects.restrict(user).order_by("iso_code")]
    organizations = [
        (o.pk, o.display_name)
        for o in Organization.objects.restrict(user)
        .only("name_ru", "name_kk", "name_en")
        .order_by("name_ru")
    ]
    for name, choices in (
        ("agency", agencies),
        ("assigned_agency", agencies),
        ("region", regions),
    ):
        form.fields[name].widget = forms.Select(choices=_choices_from(choices, anyone))
    form.fields["organization"].widget = forms.Select(choices=_choices_from(organizations, anyone))
    form.fields["classification"].widget.choices = _choices_from(LinkClassification.choices, anyone)
    entered = [(s.value, s.label) for s in ENTERED_STATES]
    form.fields["entered"].widget.choices = _choices_from(entered, anyone)


def _listing(request, query=None) -> Listing:
    """The links of the request's filters (or of `query`, the same parameters given apart:
    a new blocking order takes "every link matching the filter" this way)."""
    user = request.user
    base = selectors.links_for(user).select_related("stats")
    query = request.GET if query is None else query
    queue = _queue(user, query.get("queue", ""))
    if queue is not None:
        base = queues.queue_links(base, queue, user)
        if not query.get("sort"):
            query = query.copy()  # the sort box shows the queue's order
            query["sort"] = QUEUE_SORT
    filterset = LinkFilterSet(query, queryset=base, request=request)
    _prepare_filters(filterset, user)
    sort_choices = [(key, label) for key, (label, _order) in SORTS.items()]
    search = LinkSearchForm(query, sort_choices=sort_choices)
    valid = filterset.is_valid() & search.is_valid()
    default_sort = QUEUE_SORT if queue is not None else DEFAULT_SORT
    if not valid:
        # A wrong filter never silently widens the list: show nothing and say what is wrong.
        return Listing(filterset, search, base.none(), default_sort, False, query.dict(), queue)
    sort = search.cleaned_data.get("sort") or default_sort
    queryset = search_links(filterset.qs, search.cleaned_data.get("q", ""), user)
    queryset = queryset.order_by(*SORTS[sort][1])
    return Listing(filterset, search, queryset, sort, True, query.dict(), queue)


def _queue(user, name: str) -> queues.Queue | None:
    """The queue named in the query, if the user has it; a queue they do not have is no page."""
    if not name:
        return None
    queue = queues.BY_NAME.get(name)
    if queue is None or queue not in queues.queues_for(user):
        raise Http404(_("No such work queue."))
    return queue


def _sort_links(request, current: str) -> dict:
    """For each sortable column: the query string that sorts by it (toggling direction)."""
    links = {}
    for column, (asc, desc) in {
        "reported": ("reported", "-reported"),
        "changed": ("-changed", "-changed"),
        "reports": ("-reports", "-reports"),
        "due": ("due", "due"),
    }.items():
        target = asc if current == desc and asc != desc else desc
        params = _clean_query(request.GET)
        params["sort"] = target
        links[column] = {"query": params.urlencode(), "active": current in (asc, desc)}
    return links


@login_required
def link_list(request):
    listing = _listing(request)
    paginator = CappedPaginator(listing.queryset, PAGE_SIZE, cap=COUNT_CAP)
    page = paginator.get_page(request.GET.get("page"))
    links = selectors.read_links(request.user, page.object_list, ReadChannel.LIST)
    query = _clean_query(request.GET)
    context = {
        "listing": listing,
        "page": page,
        "links": links,
        "capped": paginator.capped,
        "count_cap": COUNT_CAP,
        "query": query.urlencode(),
        "sort_links": _sort_links(request, listing.sort),
        "export_formats": EXPORT_FORMATS,
        "export_max": EXPORT_MAX_ROWS,
        "export_live": may_export_live_urls(request.user),
        # A prosecutor ticks links here (or takes the whole filter) into a new blocking order.
        "can_order": policy.can(request.user, "add", model=Order),
        # Bulk work on the ticked links or on every link matching the filter (portal.views.bulk).
        **bar_context(request, form_id="order-selection"),
    }
    status = 200 if listing.valid else 400
    if getattr(request, "htmx", False) and request.htmx.target == "results":
        # The filter form and the page links swap just the results, and the address bar shows
        # the filters in use, not every empty field of the form.
        response = render(request, "portal/links/_results.html", context, status=status)
        query = _clean_query(request.GET, keep_page=True).urlencode()
        return push_url(response, reverse("portal:links") + (f"?{query}" if query else ""))
    return render(request, "portal/links/list.html", context, status=status)


def _clean_query(params, *, keep_page: bool = False):
    """The query without empty fields, the default sort and (unless kept) the page number."""
    cleaned = params.copy()
    default_sort = QUEUE_SORT if cleaned.get("queue") else DEFAULT_SORT
    for key in list(cleaned):
        values = [v for v in cleaned.getlist(key) if v.strip()]
        if (
            not values
            or (key == "sort" and values == [default_sort])
            or (key == "page" and not keep_page)
        ):
            del cleaned[key]
        else:
            cleaned.setlist(key, values)
    return cleaned


@login_required
def link_export(request, fmt: str):
    """The filtered list as CSV or XLSX, through the same policy, filters, search and sort;
    URLs defanged unless `live_urls=1` is asked by a role that may (registry.exports)."""
    if fmt not in EXPORT_FORMATS:
        raise Http404(_("Unknown export format."))
    listing = _listing(request)
    query = _clean_query(request.GET).urlencode()
    back = reverse("portal:links") + (f"?{query}" if query else "")
    if not listing.valid:
        messages.error(request, _("Correct the filters before exporting."))
        return redirect(back)
    matching = listing.queryset[: EXPORT_MAX_ROWS + 1].count()
    if matching > EXPORT_MAX_ROWS:
        messages.error(
            request,
            _(
                "More than %(limit)s links match; an export holds at most %(limit)s. "
                "Narrow the filters and export again."
            )
            % {"limit": f"{EXPORT_MAX_ROWS:,}".replace(",", "\u202f")},
        )
        return redirect(back)
    live = request.GET.get("live_urls") == "1"
    if live and not may_export_live_urls(request.user):
        messages.error(request, _("Your role may not export live URLs; export them defanged."))
        return redirect(back)
    # Every row the file holds is read: all of them are logged, in one INSERT (with live URLs,
    # every row, confidential or not).
    rows = selectors.read_links(
        request.user, listing.queryset.values(*exports.PATHS), ReadChannel.EXPORT
    )
    if live:
        rows = selectors.handed_out_live(request.user, rows)
    table = (exports.row(row, live=live) for row in rows)
    content = write_table(exports.header(), table, fmt, sheet=str(exports.SHEET_TITLE))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return file_response(content, fmt, f"kibernadzor-links-{stamp}")


def registry_query(**params) -> str:
    """The registry list URL with these filters (for links from other pages)."""
    query = urlencode(params, doseq=True)
    return reverse("portal:links") + (f"?{query}" if query else "")
