"""Reports on the link registry (docs/design.md §4.6): counts, trends, breakdowns and the yearly
summary.

The functions the API, the exports and the portal dashboard call. Every one takes the user and
counts only what the access policy (accounts.policy) lets them read: a regional prosecutor's
report covers the links of their region, an officer's those of their agency, a central office's
the country; a user without access to case content (an administrator) gets zeros.

What is counted (the period is `filters.date_from`..`filters.date_to`, local dates, inclusive;
without dates, all time):

- registered  — links first registered (Link.first_reported_at) in the period;
- repeats     — reports that hit an already known link (Report.is_repeat) submitted in the
                period, among the reports the user may read. Their agency and region are those
                of the agency that submitted the repeat; the other dimensions are the link's;
- confirmed, blocked, removed, reappeared — distinct links that entered that state in the
                period, per the state trail (StateChange.to_state / .at). A link blocked twice in
                the period counts once (in a time series, once per period it was blocked in);
- pending     — links registered by the end of the period whose current state still awaits a
                decision or an action: new, under review, expert examination, confirmed illegal,
                blocking requested, reappeared.

The dimensions (`ReportFilters`) are the link's: agency and region of its registering agency
(first report), platform, current state, current classification, attributed organization and
material. A link attributed to two organizations is counted under each in a breakdown by
organization, so such a breakdown may sum to more than the total.

An agency reads its own repeat of a confidential link it may not read (it got only "known;
contact <agency>"): that repeat counts in its reports under the report's own agency, region
and date, never under the link's dimensions. A filter by platform, state, classification,
organization or material leaves it out, and a breakdown by one of them counts it under the key
"undisclosed" ("not disclosed"); otherwise counts would answer what the link is
(reporting.access.repeat_disclosed).

The figures come from the report facts (reporting.LinkFact, RepeatFact and the daily and
monthly counts; reporting.queries: one scan per report, fast at a million links). Before reading
them, the facts of links changed since their last refresh are recomputed
(reporting.facts.refresh), so every report counts what is committed when it runs.
tests/reporting/oracle.py computes the same figures straight from the registry, and the tests
check both against figures worked out by hand.
"""

import functools
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from registry.choices import LinkPlatform
from reporting import facts, queries
from reporting.common import (
    BREAKDOWN_KEYS,
    BUCKETS,
    DIMENSIONS,
    MAX_PERIODS,
    SERIES_KEYS,
    SUMMARY_KEYS,
    UNDISCLOSED,
    VIEWS_KEYS,
    check_dimension,
    default_period,
    dimension_labels,
    period_start,
    periods,
    ratio,
)
from reporting.filters import InvalidReportParameter, ReportFilters

__all__ = [
    "BUCKETS",
    "DIMENSIONS",
    "SUMMARY_KEYS",
    "breakdown",
    "breakdowns",
    "check_dimension",
    "removal_rate",
    "republication_groups",
    "republications",
    "summary",
    "time_series",
    "time_to_block",
    "views",
    "yearly_summary",
    "materials_by_year",
]


def _reading(report):
    """Run the report in one transaction tuned for reading (reporting.facts.reading)."""

    @functools.wraps(report)
    def run(*args, **kwargs):
        with facts.reading():
            return report(*args, **kwargs)

    return run


def _queries():
    """reporting.queries, once the facts of what changed since the last refresh are brought
    up to date, as far as a reader does that inline (facts.refresh_inline). (The tests put
    their oracle in place of `queries`, tests/reporting/conftest.py.)"""
    facts.refresh_inline()
    return queries


@_reading
def summary(user, filters: ReportFilters) -> dict[str, int]:
    """{registered, repeats, confirmed, blocked, removed, reappeared, pending} for the period."""
    return _queries().summary(user, filters)


@_reading
def time_series(user, filters: ReportFilters, bucket: str = "day") -> list[dict]:
    """[{period, registered, repeats, blocked, removed}] per day, ISO week (from Monday) or
    month, every period of the range present (zero-filled); `period` is its first day. Without
    dates the range ends today and starts 30 days, 12 weeks or 12 months back (default_period);
    at most 1000 periods."""
    if bucket not in BUCKETS:
        period_start(date.today(), bucket)  # raises the error naming `bucket`
    start, end = default_period(bucket, filters)
    keys = periods(start, end, bucket)
    if len(keys) > MAX_PERIODS:
        raise InvalidReportParameter(
            _(
                "The range has %(count)s periods of a %(bucket)s; at most %(max)s: narrow "
                "date_from/date_to or choose a coarser bucket."
            )
            % {"count": len(keys), "bucket": bucket, "max": MAX_PERIODS},
            field="bucket",
        )
    counts = _queries().series_counts(user, filters.with_period(keys[0], end), bucket)
    return [
        {"period": key, **{name: counts.get((key, name), 0) for name in SERIES_KEYS}}
        for key in keys
    ]


@_reading
def breakdown(user, filters: ReportFilters, dimension: str) -> list[dict]:
    """The summary's counts per value of one dimension (agency, region, platform, state,
    classification, organization, material): [{key, label, links, registered, repeats,
    confirmed, blocked, removed, reappeared, pending}], `links` = registered. A value appears
    when any count is non-zero; for organization and material, key None is "not attributed";
    key "undisclosed" holds repeats of links the user may not read (module docstring).
    Sorted by links, pending, blocked (descending), then label."""
    return breakdowns(user, filters, [dimension])[dimension]


@_reading
def breakdowns(user, filters: ReportFilters, dimensions: list[str]) -> dict[str, list[dict]]:
    """{dimension: breakdown(...)} for several dimensions, computed together (one scan of the
    facts for the scalar dimensions)."""
    for dimension in dimensions:
        check_dimension(dimension)
    counted = _queries().breakdown_counts(user, filters, list(dimensions))
    return {d: _breakdown_rows(d, counted[d]) for d in dimensions}


def _breakdown_rows(dimension: str, rows: dict) -> list[dict]:
    labels = dimension_labels(dimension, [key for key in rows if key not in (None, UNDISCLOSED)])
    labels[None] = _("not attributed")
    labels[UNDISCLOSED] = _("not disclosed")
    result = [
        {
            "key": key,
            "label": labels.get(key, str(key)),
            "links": counts.get("registered", 0),
            **{name: counts.get(name, 0) for name in BREAKDOWN_KEYS},
        }
        for key, counts in rows.items()
        if any(counts.values())
    ]
    result.sort(
        key=lambda row: (-row["links"], -row["pending"], -row["blocked"], str(row["label"]))
    )
    return result


@_reading
def time_to_block(user, filters: ReportFilters) -> dict:
    """Hours from detection (the link's first report) to its first blocking, for the links in
    scope first blocked in the period: {links, median_hours, p90_hours, mean_hours, histogram}
    with continuous (interpolated) percentiles, None without blocked links, and histogram
    buckets [{label, lower_hours, upper_hours, links}] up to 1 h, 6 h, 1 d, 3 d, 7 d, 30 d,
    90 d and beyond."""
    return _queries().time_to_block(user, filters)


def _platform_label(platform: str) -> str:
    return str(LinkPlatform(platform).label) if platform in LinkPlatform.values else platform


@_reading
def removal_rate(user, filters: ReportFilters) -> list[dict]:
    """Per platform, of the links registered in the period: `requested` — those whose blocking
    was requested (now blocking requested, blocked, removed or reappeared); `blocked`,
    `removed` — now blocked / removed; `removal_rate` = removed / requested, `takedown_rate` =
    (blocked + removed) / requested. Sorted by requested, descending."""
    result = [
        {
            "platform": row["platform"],
            "label": _platform_label(row["platform"]),
            "requested": row["requested"],
            "blocked": row["blocked"],
            "removed": row["removed"],
            "removal_rate": ratio(row["removed"], row["requested"]),
            "takedown_rate": ratio(row["blocked"] + row["removed"], row["requested"]),
        }
        for row in _queries().removal_counts(user, filters)
    ]
    result.sort(key=lambda row: (-row["requested"], row["platform"]))
    return result


@_reading
def views(user, filters: ReportFilters) -> dict:
    """View counts the checks saw, for links registered in the period, in total and per
    platform: `links_measured` (links with a count at detection), `views_at_detection` (their
    sum), `links_blocked_measured` (links with a count at blocking or removal),
    `views_at_blocking` (their sum), `views_growth` = at blocking − at detection over the links
    with both."""
    total, platforms = dict.fromkeys(VIEWS_KEYS, 0), []
    for row in _queries().view_counts(user, filters):
        entry = {
            "links_measured": row["measured"],
            "views_at_detection": row["detection"] or 0,
            "links_blocked_measured": row["blocked_measured"],
            "views_at_blocking": row["blocking"] or 0,
            "views_growth": (row["growth_top"] or 0) - (row["growth_base"] or 0),
        }
        for key, value in entry.items():
            total[key] += value
        platforms.append(
            {"platform": row["platform"], "label": _platform_label(row["platform"]), **entry}
        )
    platforms.sort(key=lambda row: (-row["views_at_detection"], row["platform"]))
    return {"total": total, "platforms": platforms}


@_reading
def republications(user, filters: ReportFilters) -> dict:
    """Repeated publications (checks.RepublicationGroup) among links registered in the period:
    `republished_links` — links carrying content first published at another link (members of
    a group other than its first link), `groups` — the distinct groups they belong to; in total
    and per platform."""
    total, rows = _queries().republication_counts(user, filters)
    platforms = sorted(
        (
            {
                "platform": row["platform"],
                "label": _platform_label(row["platform"]),
                "republished_links": row["republished_links"],
                "groups": row["groups"],
            }
            for row in rows
        ),
        key=lambda row: (-row["republished_links"], row["platform"]),
    )
    return {"total": total, "platforms": platforms}


def republication_groups(user, filters: ReportFilters) -> QuerySet:
    """Republication groups with a link in scope registered in the period, newest first, each
    with `links_in_scope` (its links the user may read matching the dimensions), and over the
    links the user may read: `readable_links` and `first_readable_link_id` (the earliest
    reported). The group's own link_count and first_link are never shown: they count and name
    links of any agency, confidential ones included."""
    return _queries().republication_groups(user, filters)


@_reading
def yearly_summary(user, year: int, filters: ReportFilters | None = None) -> dict:
    """The figures the prosecutor's office reports to the UN, for `year` and cumulatively
    (everything up to the end of that year):

    - organizations: banned organizations per classification (extremist/terrorist):
      `in_year` banned that year (banned_on), `cumulative` whose ban was in force at the end of
      the year (banned on or before it, or on an unrecorded date, and not lifted by then);
    - materials: recognised materials per classification and kind: `in_year` included in the
      official list that year (included_on), `cumulative` in force at the end of the year;
    - links (in the user's scope, dimensions of `filters` applied): `handled` registered,
      `confirmed`, `blocked` and `removed` entered that state (distinct links), in the year
      and cumulatively.
    The registers are shared by every user; the link figures follow the access policy."""
    from decisions.choices import CourtClassification
    from materials.choices import MaterialKind, MaterialStatus
    from materials.models import Material
    from organizations.choices import OrganizationStatus
    from organizations.models import Organization

    if not 1900 <= year <= 9999:
        raise InvalidReportParameter(_("year must be between 1900 and 9999."), field="year")
    first, last = date(year, 1, 1), date(year, 12, 31)
    base = filters or ReportFilters()

    organizations = Organization.objects.restrict(user, "view")
    org_in_force = Q(banned_on__lte=last) | Q(banned_on__isnull=True)
    org_in_force &= Q(status=OrganizationStatus.BANNED) | Q(ban_lifted_on__gt=last)
    org_counts = organizations.aggregate(
        **{
            f"{c}_in_year": Count("id", filter=Q(classification=c, banned_on__range=(first, last)))
            for c in CourtClassification.values
        },
        **{
            f"{c}_cumulative": Count("id", filter=Q(classification=c) & org_in_force)
            for c in CourtClassification.values
        },
    )
    materials = Material.objects.restrict(user, "view")
    mat_in_force = Q(included_on__lte=last) | Q(included_on__isnull=True)
    mat_in_force &= Q(status=MaterialStatus.IN_FORCE) | Q(excluded_on__gt=last)
    material_rows = {
        (row["classification"], row["kind"]): row
        for row in materials.values("classification", "kind")
        .annotate(
            in_year=Count("id", filter=Q(included_on__range=(first, last))),
            cumulative=Count("id", filter=mat_in_force),
        )
        .order_by()
    }

    source = _queries()
    in_year = source.summary(user, base.with_period(first, last))
    cumulative = source.summary(user, base.with_period(None, last))
    link_measures = (
        ("handled", "registered", _("links handled (registered)")),
        ("confirmed", "confirmed", _("links confirmed illegal")),
        ("blocked", "blocked", _("links blocked")),
        ("removed", "removed", _("links removed")),
    )
    return {
        "year": year,
        "organizations": [
            {
                "classification": c.value,
                "label": str(c.label),
                "in_year": org_counts[f"{c.value}_in_year"],
                "cumulative": org_counts[f"{c.value}_cumulative"],
            }
            for c in CourtClassification
        ],
        "materials": [
            {
                "classification": c.value,
                "classification_label": str(c.label),
                "kind": kind.value,
                "kind_label": str(kind.label),
                "in_year": material_rows.get((c.value, kind.value), {}).get("in_year", 0),
                "cumulative": material_rows.get((c.value, kind.value), {}).get("cumulative", 0),
            }
            for c in CourtClassification
            for kind in MaterialKind
        ],
        "links": [
            {
                "measure": measure,
                "label": str(label),
                "in_year": in_year[key],
                "cumulative": cumulative[key],
            }
            for measure, key, label in link_measures
        ],
    }


def materials_by_year(user, last_year: int, years: int = 10) -> dict:
    """Materials included in the official list (included_on) in each of the `years` years
    ending with `last_year`, per kind: the table of the UN summary document
    (reporting.un_summary). Each year's figures are what `yearly_summary(user, year)` counts
    as `in_year`, summed over the classifications; one query for all the years.

    {"years": [first … last], "kinds": [{kind, label}], "rows": [{kind, label, counts (per
    year), total}], "totals": [per year], "total": n}"""
    from django.db.models.functions import ExtractYear

    from materials.choices import MaterialKind
    from materials.models import Material

    first = last_year - years + 1
    if first < 1900 or last_year > 9999:
        raise InvalidReportParameter(_("year must be between 1900 and 9999."), field="year")
    counted = {
        (row["year"], row["kind"]): row["n"]
        for row in Material.objects.restrict(user, "view")
        .filter(included_on__range=(date(first, 1, 1), date(last_year, 12, 31)))
        .annotate(year=ExtractYear("included_on"))
        .values("year", "kind")
        .annotate(n=Count("id"))
        .order_by()
    }
    span = list(range(first, last_year + 1))
    rows = [
        {
            "kind": kind.value,
            "label": str(kind.label),
            "counts": [counted.get((year, kind.value), 0) for year in span],
        }
        for kind in MaterialKind
    ]
    for row in rows:
        row["total"] = sum(row["counts"])
    totals = [sum(row["counts"][i] for row in rows) for i in range(len(span))]
    return {"years": span, "rows": rows, "totals": totals, "total": sum(totals)}
