"""The test oracle: every report computed straight from the registry with the ORM.

reporting.queries computes the reports from the report facts (reporting.LinkFact and the
counts); the tests in tests/reporting run every figure they worked out by hand through both
(the `engine` fixture), so that the facts, their triggers and the count arithmetic are checked
against a plain reading of the registry. Every query starts from the querysets the access policy
grants the user (`Model.objects.restrict(user)`). What each count means is in
reporting.services.
"""

from dataclasses import dataclass

from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Trunc

from registry.choices import OPEN_STATES, LinkState
from reporting import access
from reporting.common import (
    BREAKDOWN_KEYS,
    HISTOGRAM_HOURS,
    TAKEDOWN_REQUESTED,
    UNDISCLOSED,
    check_dimension,
    hours_label,
)
from reporting.filters import ReportFilters

# The states the summary counts entries into, with the key each count is reported under.
TRAIL_STATES = {
    LinkState.CONFIRMED: "confirmed",
    LinkState.BLOCKED: "blocked",
    LinkState.REMOVED: "removed",
    LinkState.REAPPEARED: "reappeared",
}
# The dimensions of the link itself; agency and region of a repeat are the report's own.
LINK_DIMENSIONS = ("platform", "state", "classification", "organization", "material")


def percentile(values: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont on a sorted list: linear interpolation between ranks."""
    if not values:
        return None
    position = (len(values) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return round(values[low] + (values[high] - values[low]) * (position - low), 2)


# --- the scoped querysets every report starts from -----------------------------------------------
def scoped_links(user, filters: ReportFilters) -> QuerySet:
    """Links the user may see, narrowed to the filters' dimensions (not to the period)."""
    from registry.models import Link

    return _narrow(
        Link.objects.restrict(user, "view"), filters, link="", agency="first_reported_agency"
    )


def scoped_reports(user, filters: ReportFilters) -> QuerySet:
    """Reports the user may see, narrowed to the dimensions (agency: the submitting one)."""
    from registry.models import Report

    return _narrow(Report.objects.restrict(user, "view"), filters, link="link__", agency="agency")


def scoped_trail(user, filters: ReportFilters) -> QuerySet:
    """State changes of links the user may see, narrowed to the links' dimensions."""
    from registry.models import StateChange

    return _narrow(
        StateChange.objects.restrict(user, "view"),
        filters,
        link="link__",
        agency="link__first_reported_agency",
    )


def scoped_stats(user, filters: ReportFilters) -> QuerySet:
    """Per-link check statistics of links the user may see, narrowed to the dimensions."""
    from checks.models import LinkStats

    return _narrow(
        LinkStats.objects.restrict(user, "view"),
        filters,
        link="link__",
        agency="link__first_reported_agency",
    )


def _narrow(queryset: QuerySet, f: ReportFilters, *, link: str, agency: str) -> QuerySet:
    """Apply the dimensions; `link` is the path to the Link ('' or 'link__'), `agency` the path
    to the agency the agency/region dimensions mean."""
    from registry.models import LinkMaterial, LinkOrganization

    conditions = {}
    if f.agency is not None:
        conditions[f"{agency}_id"] = f.agency
    if f.region is not None:
        conditions[f"{agency}__region_id"] = f.region
    for name in ("platform", "state", "classification"):
        value = getattr(f, name)
        if value is not None:
            conditions[f"{link}{name}"] = value
    link_id = f"{link}id" if link else "id"
    if f.organization is not None:
        conditions[f"{link_id}__in"] = LinkOrganization.objects.filter(
            organization_id=f.organization
        ).values("link_id")
    queryset = queryset.filter(**conditions) if conditions else queryset
    if f.material is not None:
        queryset = queryset.filter(
            **{
                f"{link_id}__in": LinkMaterial.objects.filter(material_id=f.material).values(
                    "link_id"
                )
            }
        )
    return queryset


def _in_period(queryset: QuerySet, field: str, f: ReportFilters) -> QuerySet:
    if f.start is not None:
        queryset = queryset.filter(**{f"{field}__gte": f.start})
    if f.end is not None:
        queryset = queryset.filter(**{f"{field}__lt": f.end})
    return queryset


def _registered(user, f):
    return _in_period(scoped_links(user, f), "first_reported_at", f)


def _disclosed(user) -> Exists:
    """Reports whose link the user may read in full: an agency may read its own repeat of a
    confidential link it may not read, and then the link's dimensions are not disclosed to it
    (reporting.access.repeat_disclosed)."""
    from registry.models import Link

    return Exists(Link.objects.restrict(user, "view").filter(pk=OuterRef("link_id")))


def _repeats(user, f):
    repeats = _in_period(scoped_reports(user, f).filter(is_repeat=True), "submitted_at", f)
    return repeats.filter(_disclosed(user)) if f.narrows_links else repeats


def _entries(user, f, states):
    return _in_period(scoped_trail(user, f).filter(to_state__in=list(states)), "at", f)


def _pending(user, f):
    queryset = scoped_links(user, f).filter(state__in=OPEN_STATES)
    return queryset.filter(first_reported_at__lt=f.end) if f.end is not None else queryset


# --- summary -------------------------------------------------------------------------------------
def summary(user, filters: ReportFilters) -> dict[str, int]:
    """The counts of the module docstring for the period: registered, repeats, confirmed,
    blocked, removed, reappeared, pending."""
    entries = _entries(user, filters, TRAIL_STATES).aggregate(
        **{
            key: Count("link_id", distinct=True, filter=Q(to_state=state))
            for state, key in TRAIL_STATES.items()
        }
    )
    return {
        "registered": _registered(user, filters).count(),
        "repeats": _repeats(user, filters).count(),
        **entries,
        "pending": _pending(user, filters).count(),
    }


# --- time series ---------------------------------------------------------------------------------
def series_counts(user, f: ReportFilters, bucket: str) -> dict:
    """{(period start, measure): count} of registered, repeats, blocked, removed."""
    result: dict = {}

    def add(queryset, field, values):
        period = Trunc(field, bucket, output_field=DateField())
        for row in queryset.annotate(period=period).values("period").annotate(**values).order_by():
            start = row.pop("period")
            for key, value in row.items():
                if value:
                    result[(start, key)] = result.get((start, key), 0) + value

    add(_registered(user, f), "first_reported_at", {"registered": Count("id")})
    add(_repeats(user, f), "submitted_at", {"repeats": Count("id")})
    add(
        _entries(user, f, (LinkState.BLOCKED, LinkState.REMOVED)),
        "at",
        {
            "blocked": Count("link_id", distinct=True, filter=Q(to_state=LinkState.BLOCKED)),
            "removed": Count("link_id", distinct=True, filter=Q(to_state=LinkState.REMOVED)),
        },
    )
    return result


# --- breakdowns ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Dimension:
    link: str  # group-by path from a Link
    report: str  # from a Report (the submitting agency for agency and region)
    trail: str  # from a StateChange


_DIMENSION_PATHS = {
    "agency": _Dimension("first_reported_agency_id", "agency_id", "link__first_reported_agency_id"),
    "region": _Dimension(
        "first_reported_agency__region_id",
        "agency__region_id",
        "link__first_reported_agency__region_id",
    ),
    "platform": _Dimension("platform", "link__platform", "link__platform"),
    "state": _Dimension("state", "link__state", "link__state"),
    "classification": _Dimension("classification", "link__classification", "link__classification"),
    "organization": _Dimension(
        "linkorganization__organization_id",
        "link__linkorganization__organization_id",
        "link__linkorganization__organization_id",
    ),
    "material": _Dimension(
        "linkmaterial__material_id",
        "link__linkmaterial__material_id",
        "link__linkmaterial__material_id",
    ),
}


def breakdown_counts(user, filters: ReportFilters, dimensions: list[str]) -> dict:
    """{dimension: {key: the summary's counts}} for every value of each dimension with any."""
    return {d: _breakdown_counts(user, filters, d) for d in dimensions}


def _breakdown_counts(user, filters: ReportFilters, dimension: str) -> dict:
    """{key: the summary's counts} for every value of the dimension with any."""
    paths = _DIMENSION_PATHS[check_dimension(dimension)]
    rows: dict = {}

    def add(queryset, path, values):
        for row in queryset.values(dimension_key=F(path)).annotate(**values).order_by():
            key = row.pop("dimension_key")
            target = rows.setdefault(key, dict.fromkeys(BREAKDOWN_KEYS, 0))
            for name, value in row.items():
                target[name] += value or 0

    add(_registered(user, filters), paths.link, {"registered": Count("id")})
    repeats = _repeats(user, filters)
    if dimension in LINK_DIMENSIONS:
        disclosed = _disclosed(user)
        add(repeats.filter(disclosed), paths.report, {"repeats": Count("id")})
        hidden = repeats.exclude(disclosed).count()
        if hidden:
            rows.setdefault(UNDISCLOSED, dict.fromkeys(BREAKDOWN_KEYS, 0))["repeats"] += hidden
    else:
        add(repeats, paths.report, {"repeats": Count("id")})
    add(
        _entries(user, filters, TRAIL_STATES),
        paths.trail,
        {
            key: Count("link_id", distinct=True, filter=Q(to_state=state))
            for state, key in TRAIL_STATES.items()
        },
    )
    add(_pending(user, filters), paths.link, {"pending": Count("id")})

    return rows


# --- time from detection to blocking -------------------------------------------------------------


def _first_blockings(user, filters: ReportFilters):
    """(link, first blocked at, detected at) for links whose first blocking falls in the period."""
    from registry.models import StateChange

    first = (
        StateChange.objects.filter(link_id__in=scoped_links(user, filters).values("id"))
        .filter(to_state=LinkState.BLOCKED)
        .values("link_id")
        .annotate(blocked_at=Min("at"), detected_at=Min("link__first_reported_at"))
    )
    if filters.start is not None:
        first = first.filter(blocked_at__gte=filters.start)
    if filters.end is not None:
        first = first.filter(blocked_at__lt=filters.end)
    return first


def time_to_block(user, filters: ReportFilters) -> dict:
    """Hours from detection (the link's first report) to its first blocking, for the links in
    scope first blocked in the period: count, median, 90th percentile, mean, and a histogram
    [{label, upper_hours, links}] with buckets up to 1 h, 6 h, 1 d, 3 d, 7 d, 30 d, 90 d, more.
    Percentiles are continuous (interpolated); None without blocked links."""
    rows = _first_blockings(user, filters)
    durations = sorted(
        max((row["blocked_at"] - row["detected_at"]).total_seconds() / 3600, 0.0) for row in rows
    )
    histogram = []
    lower = 0
    for upper in (*HISTOGRAM_HOURS, None):
        count = sum(1 for d in durations if d >= lower and (upper is None or d < upper))
        histogram.append(
            {
                "label": hours_label(lower, upper),
                "lower_hours": lower,
                "upper_hours": upper,
                "links": count,
            }
        )
        lower = upper
    return {
        "links": len(durations),
        "median_hours": percentile(durations, 0.5),
        "p90_hours": percentile(durations, 0.9),
        "mean_hours": round(sum(durations) / len(durations), 2) if durations else None,
        "histogram": histogram,
    }


# --- removal rate per platform -------------------------------------------------------------------
def removal_counts(user, filters: ReportFilters) -> list[dict]:
    return list(
        _registered(user, filters)
        .filter(state__in=TAKEDOWN_REQUESTED)
        .values("platform")
        .annotate(
            requested=Count("id"),
            blocked=Count("id", filter=Q(state=LinkState.BLOCKED)),
            removed=Count("id", filter=Q(state=LinkState.REMOVED)),
        )
        .order_by()
    )


# --- views at detection and at blocking ----------------------------------------------------------
def view_counts(user, filters: ReportFilters) -> list[dict]:
    stats = _in_period(scoped_stats(user, filters), "link__first_reported_at", filters)
    both = Q(views_at_detection__isnull=False, views_at_blocking__isnull=False)
    return list(
        stats.filter(Q(views_at_detection__isnull=False) | Q(views_at_blocking__isnull=False))
        .values(platform=F("link__platform"))
        .annotate(
            measured=Count("link_id", filter=Q(views_at_detection__isnull=False)),
            detection=Sum("views_at_detection"),
            blocked_measured=Count("link_id", filter=Q(views_at_blocking__isnull=False)),
            blocking=Sum("views_at_blocking"),
            growth_base=Sum("views_at_detection", filter=both),
            growth_top=Sum("views_at_blocking", filter=both),
        )
        .order_by()
    )


# --- republications ------------------------------------------------------------------------------
def republication_counts(user, filters: ReportFilters) -> tuple[dict, list[dict]]:
    from checks.models import LinkStats

    members = _in_period(scoped_stats(user, filters), "link__first_reported_at", filters).filter(
        republication_group__isnull=False
    )
    # Not the first publication among the links the user may read (reporting.queries._republished).
    if access.reads_every_link(user):
        members = members.exclude(republication_group__first_link_id=F("link_id"))
    else:
        reported = OuterRef("link__first_reported_at")
        earlier = LinkStats.objects.restrict(user, "view").filter(
            Q(link__first_reported_at__lt=reported)
            | Q(link__first_reported_at=reported, link_id__lt=OuterRef("link_id")),
            republication_group=OuterRef("republication_group"),
        )
        members = members.filter(Exists(earlier))
    total = members.aggregate(
        republished_links=Count("link_id"), groups=Count("republication_group_id", distinct=True)
    )
    rows = list(
        members.values(platform=F("link__platform"))
        .annotate(
            republished_links=Count("link_id"),
            groups=Count("republication_group_id", distinct=True),
        )
        .order_by()
    )
    return total, rows


def republication_groups(user, filters: ReportFilters) -> QuerySet:
    """Republication groups with at least one link in scope (dimensions applied) registered in
    the period, each annotated with `links_in_scope`, and with `readable_links` and
    `first_readable_link_id`: the group over the links the user may read
    (checks.selectors.readable_members), newest first (a cursor-paginated list)."""
    from checks.selectors import republication_groups_for

    members = _in_period(scoped_stats(user, filters), "link__first_reported_at", filters).filter(
        republication_group__isnull=False
    )
    return (
        republication_groups_for(user)
        .filter(pk__in=members.values("republication_group_id"))
        .annotate(
            links_in_scope=Count(
                "members", filter=Q(members__link_id__in=members.values("link_id"))
            ),
        )
        .order_by("-created_at", "-id")
    )
