"""The link registry in the portal: the list (filters, search, sort, pages) and its export.

A link's own page is portal.views.link_detail. Every read starts from the access policy
(registry.selectors.links_for); the confidential links a page or an export shows are logged
(registry.selectors.read_links, channels LIST and EXPORT). URLs are shown defanged.
"""

from dataclasses import dataclass, field
from datetime import datetime
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
from portal.forms import (
    LinkSearchForm,
    prepare_filter_form,
)
from registry import selectors
from registry.choices import (
    LinkClassification,
    LinkPlatform,
    LinkState,
    ReadChannel,
)
from registry.filtersets import LinkFilterSet
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
}
DEFAULT_SORT = "-reported"


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
        (o.pk, o.name_ru)
        for o in Organization.objects.restrict(user).only("name_ru").order_by("name_ru")
    ]
    for name, choices in (
        ("agency", agencies),
        ("assigned_agency", agencies),
        ("region", regions),
    ):
        form.fields[name].widget = forms.Select(choices=_choices_from(choices, anyone))
    form.fields["organization"].widget = forms.Select(choices=_choices_from(organizations, anyone))
    form.fields["classification"].widget.choices = _choices_from(LinkClassification.choices, anyone)


def _listing(request, query=None) -> Listing:
    """The links of the request's filters (or of `query`, the same parameters given apart:
    a new blocking order takes "every link matching the filter" this way)."""
    user = request.user
    base = selectors.links_for(user).select_related("stats")
    query = request.GET if query is None else query
    filterset = LinkFilterSet(query, queryset=base, request=request)
    _prepare_filters(filterset, user)
    sort_choices = [(key, label) for key, (label, _order) in SORTS.items()]
    search = LinkSearchForm(query, sort_choices=sort_choices)
    valid = filterset.is_valid() & search.is_valid()
    if not valid:
        # A wrong filter never silently widens the list: show nothing and say what is wrong.
        return Listing(filterset, search, base.none(), DEFAULT_SORT, False, query.dict())
    sort = search.cleaned_data.get("sort") or DEFAULT_SORT
    queryset = search_links(filterset.qs, search.cleaned_data.get("q", ""), user)
    queryset = queryset.order_by(*SORTS[sort][1])
    return Listing(filterset, search, queryset, sort, True, query.dict())


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
        # A prosecutor ticks links here (or takes the whole filter) into a new blocking order.
        "can_order": policy.can(request.user, "add", model=Order),
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
    for key in list(cleaned):
        values = [v for v in cleaned.getlist(key) if v.strip()]
        if (
            not values
            or (key == "sort" and values == [DEFAULT_SORT])
            or (key == "page" and not keep_page)
        ):
            del cleaned[key]
        else:
            cleaned.setlist(key, values)
    return cleaned


EXPORT_COLUMNS = (
    # (header, values() path)
    ("id", "id"),
    ("url", "url"),
    ("platform", "platform"),
    ("host", "host"),
    ("state", "state"),
    ("classification", "classification"),
    ("confidential", "confidential"),
    ("first_reported_at", "first_reported_at"),
    ("first_reported_agency", "first_reported_agency__code"),
    ("report_count", "report_count"),
    ("assigned_agency", "assigned_agency__code"),
    ("due_date", "due_date"),
    ("last_checked_at", "stats__last_checked_at"),
    ("last_available", "stats__last_available"),
    ("last_views", "stats__last_views"),
    ("last_title", "stats__last_title"),
)
_LABELS = {
    "state": dict(LinkState.choices),
    "classification": dict(LinkClassification.choices),
    "platform": dict(LinkPlatform.choices),
}


def _export_cell(column: str, value):
    if column in _LABELS and value:
        return str(_LABELS[column].get(value, value))
    if isinstance(value, datetime):
        # Spreadsheets have no time zones: local time, as text that sorts.
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    return value


@login_required
def link_export(request, fmt: str):
    """The filtered list as CSV or XLSX, through the same policy, filters, search and sort."""
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
    paths = [path for _header, path in EXPORT_COLUMNS]
    # Every row the file holds is read: all of them are logged, in one INSERT.
    rows = selectors.read_links(request.user, listing.queryset.values(*paths), ReadChannel.EXPORT)
    table = ([_export_cell(header, row[path]) for header, path in EXPORT_COLUMNS] for row in rows)
    content = write_table([header for header, _path in EXPORT_COLUMNS], table, fmt)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return file_response(content, fmt, f"kibernadzor-links-{stamp}")


def registry_query(**params) -> str:
    """The registry list URL with these filters (for links from other pages)."""
    query = urlencode(params, doseq=True)
    return reverse("portal:links") + (f"?{query}" if query else "")
