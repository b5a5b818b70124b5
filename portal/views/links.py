"""The link registry in the portal: the list (filters, search, sort, pages, export) and a link's
page (state and transitions, timeline, views, republications, attributions).

Every read starts from the access policy (registry.selectors.links_for and the models'
`.restrict(user)`); every write is a registry service. URLs are shown defanged; the live
address appears only on the explicit "Open" step (link_open), never by itself.
"""

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Min, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import push_url

from accounts import policy
from accounts.models import Agency, Region
from checks import selectors as check_selectors
from kibernadzor.errors import DomainError, NotAllowed
from organizations.models import Organization
from portal.charts import line_chart
from portal.forms import (
    AssignForm,
    AttributeForm,
    ClassifyForm,
    LinkSearchForm,
    TransitionForm,
    prepare_filter_form,
)
from registry import canon, selectors, services, transitions
from registry.choices import Classification, LinkState, Platform, ReadChannel
from registry.filtersets import LinkFilterSet
from registry.models import Link, LinkMaterial, LinkOrganization, Report, StateChange
from utilities.pagination import COUNT_CAP, CappedPaginator
from utilities.tabular import EXPORT_FORMATS, file_response, write_table

PAGE_SIZE = 50
# Counting stops here: a COUNT(*) over a million links on every page load is what makes lists
# slow. Past the cap the page says "more than …" and filters narrow the list.
# An export larger than this is refused with a message asking to narrow the filters.
EXPORT_MAX_ROWS = 50_000
# Each kind of timeline entry shows at most this many (the newest).
TIMELINE_LIMIT = 100

# Sort keys offered by the list: key -> (label, ORDER BY). Each ends in the primary key so
# that pages never overlap; the default one is served by link_recent_idx.
SORTS = {
    "-reported": (gettext_lazy("Newest first"), ("-first_reported_at", "-id")),
    "reported": (gettext_lazy("Oldest first"), ("first_reported_at", "id")),
    "-changed": (gettext_lazy("State changed, latest first"), ("-state_changed_at", "-id")),
    "-reports": (gettext_lazy("Most reported first"), ("-report_count", "-id")),
    "due": (gettext_lazy("Due date, soonest first"), (F("due_date").asc(nulls_last=True), "id")),
}
DEFAULT_SORT = "-reported"

# States in which nobody has to act on a link any more.
CLOSED_STATES = (LinkState.REJECTED, LinkState.BLOCKED, LinkState.REMOVED)
OPEN_STATES = tuple(s for s in LinkState.values if s not in CLOSED_STATES)

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


def search_links(queryset, term: str):
    """Links matching a search term on indexed columns only: a URL in any form (its canonical
    key), a bare host or domain name (every link on it), or a link number."""
    term = term.strip()
    if not term:
        return queryset
    if term.isdigit():
        return queryset.filter(pk=int(term))
    try:
        canonical = canon.canonicalize(term)
    except canon.InvalidURL:
        return queryset.none()
    condition = Q(key=canonical.key)
    bare_host = "/" not in term.split("://", 1)[-1].rstrip("/")
    if bare_host:
        condition |= Q(host=canonical.host) | Q(registrable_domain=canonical.host)
    return queryset.filter(condition)


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
    form.fields["classification"].widget.choices = _choices_from(Classification.choices, anyone)


def _listing(request) -> Listing:
    user = request.user
    base = selectors.links_for(user).select_related("stats")
    query = request.GET
    filterset = LinkFilterSet(query, queryset=base, request=request)
    _prepare_filters(filterset, user)
    sort_choices = [(key, label) for key, (label, _order) in SORTS.items()]
    search = LinkSearchForm(query, sort_choices=sort_choices)
    valid = filterset.is_valid() & search.is_valid()
    if not valid:
        # A wrong filter never silently widens the list: show nothing and say what is wrong.
        return Listing(filterset, search, base.none(), DEFAULT_SORT, False, query.dict())
    sort = search.cleaned_data.get("sort") or DEFAULT_SORT
    queryset = search_links(filterset.qs, search.cleaned_data.get("q", ""))
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
    "classification": dict(Classification.choices),
    "platform": dict(Platform.choices),
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


# --- one link ----------------------------------------------------------------------------------
def _visible_link(user, pk: int) -> Link | None:
    return (
        selectors.links_for(user).select_related("first_reported_by", "stats").filter(pk=pk).first()
    )


def _unseen_link_answer(request, pk: int):
    """A link the user may not read in full. If their agency reported it (they know its URL),
    the deconfliction answer: it is known, and whom to contact (registry.access); otherwise 404,
    so that link numbers reveal nothing."""
    report = (
        Report.objects.restrict(request.user, "view")
        .filter(link_id=pk)
        .select_related("link__first_reported_agency")
        .first()
    )
    if report is None or not report.link.confidential:
        raise Http404(_("No such link, or you may not see it."))
    agency = report.link.first_reported_agency
    return render(
        request,
        "portal/links/known_contact.html",
        {"link_id": pk, "agency": agency},
        status=403,
    )


@dataclass
class Event:
    at: datetime
    kind: str  # report | check | state | history
    item: object
    changes: list = field(default_factory=list)


def _history_events(link: Link) -> list[Event]:
    """The link's history records (django-simple-history), each with what it changed. Changes
    of state are left to the trail, which says more (reason, documents)."""
    records = list(
        link.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : TIMELINE_LIMIT + 1
        ]
    )
    skip = {"state", "state_changed_at"}
    agency_ids, user_ids = set(), set()
    pending = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        if newer is records[-1] and len(records) > TIMELINE_LIMIT:
            break  # the extra record was fetched only to diff the last one shown
        if older is None:
            pending.append((newer, []))
            continue
        delta = newer.diff_against(older)
        changes = [c for c in delta.changes if c.field not in skip]
        if not changes and newer.history_type == "~":
            continue
        for change in changes:
            if change.field in ("assigned_agency", "first_reported_agency"):
                agency_ids.update(v for v in (change.old, change.new) if v)
            if change.field in ("assigned_user", "first_reported_by"):
                user_ids.update(v for v in (change.old, change.new) if v)
        pending.append((newer, changes))
    from accounts.models import User

    names = {("agency", a.pk): str(a) for a in Agency.objects.filter(pk__in=agency_ids)}
    names.update(
        {("user", u.pk): u.username for u in User.objects.filter(pk__in=user_ids).only("username")}
    )
    events = []
    for record, changes in pending:
        shown = []
        for change in changes:
            model_field = Link._meta.get_field(change.field)
            kind = {"assigned_agency": "agency", "first_reported_agency": "agency"}.get(
                change.field, "user" if change.field.endswith(("_user", "_by")) else None
            )

            def show(value, kind=kind, model_field=model_field):
                if value in (None, ""):
                    return "—"
                if kind:
                    return names.get((kind, value), str(value))
                if model_field.choices:
                    return str(dict(model_field.flatchoices).get(value, value))
                if isinstance(value, bool):
                    return _("yes") if value else _("no")
                return str(value)

            shown.append(
                {
                    "field": model_field.verbose_name,
                    "old": show(change.old),
                    "new": show(change.new),
                }
            )
        events.append(Event(record.history_date, "history", record, shown))
    return events


def _timeline(user, link: Link) -> tuple[list[Event], dict]:
    """Reports, checks, state changes and history of the link, newest first, each kind
    through the policy and capped at TIMELINE_LIMIT."""
    reports = list(
        Report.objects.restrict(user, "view")
        .filter(link=link)
        .select_related("agency", "user")
        .order_by("-submitted_at", "-id")[:TIMELINE_LIMIT]
    )
    checks = list(
        check_selectors.checks_for(user)
        .filter(link=link)
        .defer("excerpt", "redirects", "tlsh", "pdq")
        .order_by("-checked_at", "-id")[:TIMELINE_LIMIT]
    )
    changes = list(
        StateChange.objects.restrict(user, "view")
        .filter(link=link)
        .select_related("actor")
        .order_by("-at", "-id")[:TIMELINE_LIMIT]
    )
    events = [Event(r.submitted_at, "report", r) for r in reports]
    events += [Event(c.checked_at, "check", c) for c in checks]
    events += [Event(c.at, "state", c) for c in changes]
    with_history = user.has_perm("registry.view_historicallink")
    if with_history:
        events += _history_events(link)
    events.sort(key=lambda e: e.at, reverse=True)
    truncated = {
        "reports": len(reports) >= TIMELINE_LIMIT,
        "checks": len(checks) >= TIMELINE_LIMIT,
        "history": with_history,
    }
    return events, truncated


def _views_chart(user, link: Link):
    series = check_selectors.view_series(user, link.pk)
    if not series:
        return None
    return line_chart(
        [timezone.localtime(at) for at, _views in series],
        [(_("views"), [views for _at, views in series])],
        x_label=lambda at: at.strftime("%d.%m.%Y"),
    )


def _transition_forms(user, link: Link, bound: TransitionForm | None = None) -> list:
    if not policy.can(user, "change", link):
        return []
    moves = transitions.available(link.state, user)  # in the order of the table
    return [
        bound if bound is not None and bound.move.name == move.name else TransitionForm(move)
        for move in moves
    ]


def _detail_context(request, link: Link, bound: TransitionForm | None = None) -> dict:
    user = request.user
    stats = getattr(link, "stats", None)
    group = None  # as far as the user may read it: counts and first link over readable links
    if stats is not None and stats.republication_group_id is not None:
        group = (
            check_selectors.republication_groups_for(user)
            .filter(pk=stats.republication_group_id)
            .first()
        )
    republications = []
    if group is not None:
        republications = list(
            check_selectors.stats_for(user)
            .filter(republication_group=group)
            .exclude(link_id=link.pk)
            .select_related("link")
            .order_by("link__first_reported_at")[:20]
        )
    forms_seen = list(
        Report.objects.restrict(user, "view")
        .filter(link=link)
        .values("raw_url")
        .annotate(times=Count("id"), first=Min("submitted_at"))
        .order_by("first")[:50]
    )
    events, truncated = _timeline(user, link)
    return {
        "link": link,
        "stats": stats,
        "group": group,
        "republications": republications,
        "submitted_forms": forms_seen,
        "organizations": list(
            LinkOrganization.objects.restrict(user, "view")
            .filter(link=link)
            .select_related("organization", "presence", "added_by")
        ),
        "materials": list(
            LinkMaterial.objects.restrict(user, "view")
            .filter(link=link)
            .select_related("material", "added_by")
        ),
        "transition_forms": _transition_forms(user, link, bound),
        "work_forms": _work_forms(user, link),
        "events": events,
        "truncated": truncated,
        "timeline_limit": TIMELINE_LIMIT,
        "views_chart": _views_chart(user, link),
        "overdue": bool(
            link.due_date
            and link.due_date < timezone.localdate()
            and link.state not in CLOSED_STATES
        ),
    }


WORK_ACTIONS = ("assign", "classify", "attribute")


def _work_form(action: str, user, link: Link, data=None) -> forms.Form:
    """The form of one work action on the link, bound to `data` when posted."""
    from materials.models import Material

    if action == "assign":
        initial = {
            "agency": link.assigned_agency_id,
            "user": link.assigned_user.username if link.assigned_user else "",
            "due_date": link.due_date,
        }
        agencies = Agency.objects.restrict(user).order_by("code")
        return AssignForm(data, agencies=agencies, initial=initial)
    if action == "classify":
        initial = {"classification": link.classification, "confidential": link.confidential}
        return ClassifyForm(data, initial=initial)
    return AttributeForm(
        data,
        organizations=Organization.objects.restrict(user).order_by("name_ru"),
        materials=Material.objects.restrict(user),
    )


def _work_forms(user, link: Link) -> dict:
    """Assign, classify and attribute: offered to whoever may change the link."""
    if not policy.can(user, "change", link):
        return {}
    return {action: _work_form(action, user, link) for action in WORK_ACTIONS}


def _read_page(user, context: dict) -> None:
    """A link's page shows the link and the republications listed on it: the confidential
    ones among them are logged, in one INSERT."""
    shown = [context["link"], *(member.link for member in context["republications"])]
    selectors.read_links(user, shown, ReadChannel.PAGE)


@login_required
def link_detail(request, pk: int):
    link = _visible_link(request.user, pk)
    if link is None:
        return _unseen_link_answer(request, pk)
    context = _detail_context(request, link)
    _read_page(request.user, context)
    return render(request, "portal/links/detail.html", context)


@login_required
@require_POST
def link_transition(request, pk: int):
    """Apply one move of the table through registry.services.transition; a refusal comes back
    on the form, next to the field it names."""
    user = request.user
    link = _visible_link(user, pk)
    if link is None:
        raise Http404(_("No such link, or you may not see it."))
    move = transitions.BY_NAME.get(request.POST.get("move", ""))
    if move is None:
        messages.error(request, _("Choose a move from the link's page."))
        return redirect("portal:link", pk=pk)
    form = TransitionForm(move, request.POST)
    status = 400
    if form.is_valid():
        try:
            services.transition(link.pk, move.target, actor=user, **form.service_arguments())
        except NotAllowed as error:
            messages.error(request, error.message)
            status = 403
        except DomainError as error:
            target = error.field if error.field in form.fields else None
            form.add_error(target, error.message)
        else:
            messages.success(
                request,
                _("The link is now “%(state)s”.") % {"state": LinkState(move.target).label},
            )
            return redirect("portal:link", pk=pk)
        link.refresh_from_db(fields=["state", "state_changed_at"])
    context = _detail_context(request, link, bound=form)
    _read_page(user, context)
    context["failed_move"] = move.name
    if not any(f is form for f in context["transition_forms"]):
        # The move no longer leads on from the link's state: its form is gone, say why above.
        for error in form.non_field_errors():
            messages.error(request, error)
    return render(request, "portal/links/detail.html", context, status=status)


@login_required
@require_POST
def link_work(request, pk: int, action: str):
    """Assign, classify or attribute the link through registry.services; a refusal comes back
    on the form, next to the field it names."""
    user = request.user
    link = _visible_link(user, pk)
    if link is None:
        raise Http404(_("No such link, or you may not see it."))
    form = _work_form(action, user, link, request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "assign":
                services.assign(
                    link.pk,
                    actor=user,
                    agency=data["agency"],
                    user=data["user"],
                    due_date=data["due_date"],
                )
            elif action == "classify":
                services.classify(link.pk, actor=user, **data)
            else:
                services.attribute(
                    link.pk,
                    actor=user,
                    organization=data["organization"],
                    material=data["material"],
                )
        except NotAllowed as error:
            target = error.field if error.field in form.fields else None
            form.add_error(target, error.message)
            status = 403
        except DomainError as error:
            target = error.field if error.field in form.fields else None
            form.add_error(target, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("portal:link", pk=pk)
    context = _detail_context(request, link)
    _read_page(user, context)
    if context["work_forms"]:
        context["work_forms"][action] = form
    context["failed_work"] = action
    return render(request, "portal/links/detail.html", context, status=status)


@login_required
def link_open(request, pk: int):
    """The explicit step before a link's live address is shown. GET asks; POST (CSRF-checked,
    never prefetched) shows the address as a link that opens in a new tab without a referrer.
    Both are logged for a confidential link: the question as a read of its page, the answer
    as "original opened"."""
    link = _visible_link(request.user, pk)
    if link is None:
        raise Http404(_("No such link, or you may not see it."))
    # The question shows the defanged address (a read of the page); the answer the live one.
    opened = request.method == "POST"
    selectors.read_links(request.user, [link], ReadChannel.OPEN if opened else ReadChannel.PAGE)
    # Only web addresses become links; canonical URLs are http(s), this keeps it so.
    live = link.url if opened and link.url.lower().startswith(("http://", "https://")) else None
    return render(request, "portal/links/open.html", {"link": link, "live_url": live})


def registry_query(**params) -> str:
    """The registry list URL with these filters (for links from other pages)."""
    query = urlencode(params, doseq=True)
    return reverse("portal:links") + (f"?{query}" if query else "")
