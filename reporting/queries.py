# ruff: noqa: S608 - SQL here is assembled from constants; every value is a parameter.
"""The reports computed from the report facts: a scan of one narrow table each.

tests/reporting/oracle.py computes the same answers straight from the registry, and the tests
run every hand-computed figure through both. Queries start from
`LinkFact.objects.restrict(user)` and `RepeatFact.objects.restrict(user)` (accounts.policy;
rules in reporting.access) narrowed to the filters with the ORM. Counting the links that entered
a state in a period, and series of them, is then one aggregate over that queryset's SQL, written
out here because it reads both the first entry (a column) and later ones (a rarely non-NULL
array). Callers refresh the facts first (reporting.services).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Trunc
from django.utils import timezone

from accounts import policy
from accounts.policy import Reach
from registry.choices import OPEN_STATES, LinkState
from reporting import access
from reporting.common import (
    HISTOGRAM_HOURS,
    TAKEDOWN_REQUESTED,
    UNDISCLOSED,
    hours_label,
)
from reporting.filters import ReportFilters
from reporting.models import DailyCount, LinkFact, MonthlyCount, RepeatFact

ENTRY_STATES = ("confirmed", "blocked", "removed", "reappeared")


# --- the scoped facts ----------------------------------------------------------------------------
def _dimensions(f: ReportFilters, *, agency: str) -> Q:
    conditions = Q()
    if f.agency is not None:
        conditions &= Q(**{agency: f.agency})
    if f.region is not None:
        conditions &= Q(region_id=f.region)
    for name in ("platform", "state", "classification"):
        if getattr(f, name) is not None:
            conditions &= Q(**{name: getattr(f, name)})
    if f.organization is not None:
        conditions &= Q(organizations__contains=[f.organization])
    if f.material is not None:
        conditions &= Q(materials__contains=[f.material])
    return conditions


def scoped_facts(user, f: ReportFilters) -> QuerySet:
    """Facts of the links the user may see, narrowed to the dimensions (not the period)."""
    return LinkFact.objects.restrict(user).filter(_dimensions(f, agency="first_reported_agency"))


def scoped_repeats(user, f: ReportFilters) -> QuerySet:
    """Repeat reports the user may see in the period; agency and region: the submitter's. A
    dimension of the link matches only repeats whose link the user may read."""
    repeats = RepeatFact.objects.restrict(user).filter(_dimensions(f, agency="agency"))
    if f.narrows_links:
        disclosed = access.repeat_disclosed(user)
        if disclosed is not True:
            repeats = repeats.filter(disclosed)
    if f.start is not None:
        repeats = repeats.filter(at__gte=f.start)
    if f.end is not None:
        repeats = repeats.filter(at__lt=f.end)
    return repeats


def _registered_in_period(user, f: ReportFilters) -> QuerySet:
    return _registered_in(scoped_facts(user, f), f)


def _sql(queryset: QuerySet, *columns: str) -> tuple[str, list]:
    if queryset.query.is_empty():  # the policy grants nothing: valid SQL that finds nothing
        queryset = queryset.model.objects.filter(pk__isnull=True)
    sql, params = queryset.values(*columns).query.sql_with_params()
    return sql, list(params)


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _between(column: str, f: ReportFilters) -> tuple[str, list]:
    """SQL: `column` falls in the period (IS NOT NULL when it is unbounded)."""
    parts, params = [], []
    if f.start is not None:
        parts.append(f"{column} >= %s")
        params.append(f.start)
    if f.end is not None:
        parts.append(f"{column} < %s")
        params.append(f.end)
    return " AND ".join(parts) or f"{column} IS NOT NULL", params


def _entered(state: str, f: ReportFilters) -> tuple[str, list]:
    """SQL: the fact f entered `state` in the period: its first entry, or a later one (rare,
    so the array is read only when there is one). No subquery: the scan can run in parallel."""
    first, params = _between(f"f.{state}_at", f)
    if f.start is None and f.end is None:
        return first, params  # any entry at all means a first one
    again = (
        f"f.{state}_again IS NOT NULL "
        f"AND tstzrange(%s::timestamptz, %s::timestamptz, '[)') @> ANY(f.{state}_again)"
    )
    return f"({first} OR {again})", [*params, f.start, f.end]


# What a breakdown groups by, over the fact f (organizations and materials: the unnested d.key).
_KEYS = {
    "agency": "f.first_reported_agency_id",
    "region": "f.region_id",
    "platform": "f.platform",
    "state": "f.state",
    "classification": "f.classification",
    "organization": "d.key",
    "material": "d.key",
}
_FACT_COLUMNS = (
    "link_id", "registered_at", "first_reported_agency_id", "region_id", "platform", "state",
    "classification", "organizations", "materials", *(f"{s}_at" for s in ENTRY_STATES),
    *(f"{s}_again" for s in ENTRY_STATES),
)  # fmt: skip


def _unnest(dimension: str | None, alias: str = "f") -> str:
    """Organizations and materials are arrays: one row per element, or one NULL row."""
    if dimension not in ("organization", "material"):
        return ""
    column = f"{alias}.{dimension}s"
    return f"CROSS JOIN LATERAL unnest(coalesce({column}, ARRAY[NULL]::bigint[])) d(key)"


# --- summary and breakdowns ----------------------------------------------------------------------
def _count_columns(f: ReportFilters) -> tuple[list[str], list]:
    """The summary's per-link counts as SQL aggregates over the fact f, and their parameters."""
    counts, params = [], []
    if f.start is not None:
        counts.append("count(*) FILTER (WHERE f.registered_at >= %s)")
        params.append(f.start)
    else:
        counts.append("count(*)")
    for state in ENTRY_STATES:
        condition, condition_params = _entered(state, f)
        counts.append(f"count(*) FILTER (WHERE {condition})")
        params += condition_params
    counts.append("count(*) FILTER (WHERE f.state = ANY(%s))")
    params.append(list(OPEN_STATES))
    return counts, params


_LINK_MEASURES = ("registered", *ENTRY_STATES, "pending")


def _registered_by_end(f: ReportFilters) -> tuple[str, list]:
    return ("f.registered_at < %s", [f.end]) if f.end is not None else ("true", [])


def _link_counts(facts: QuerySet, f: ReportFilters, dimension: str | None) -> dict:
    """{key: {registered, confirmed, blocked, removed, reappeared, pending}} in one scan."""
    facts_sql, facts_params = _sql(facts, *_FACT_COLUMNS)
    key = _KEYS[dimension] if dimension else "NULL"
    counts, params = _count_columns(f)
    where, where_params = _registered_by_end(f)
    sql = f"""
        SELECT {key}, {", ".join(counts)}
        FROM ({facts_sql}) f {_unnest(dimension)}
        WHERE {where}
        GROUP BY 1
    """
    rows = _fetch(sql, [*params, *facts_params, *where_params])
    return {row[0]: dict(zip(_LINK_MEASURES, row[1:], strict=True)) for row in rows}


_SCALAR_DIMENSIONS = ("agency", "region", "platform", "state", "classification")


def _link_counts_sets(facts: QuerySet, f: ReportFilters, dimensions: list[str]) -> dict:
    """{dimension: {key: counts}} for several scalar dimensions (and None: the total) in one
    scan, with GROUPING SETS."""
    keys = [_KEYS[d] for d in dimensions if d is not None]
    if not keys:
        return {None: _link_counts(facts, f, None)}
    facts_sql, facts_params = _sql(facts, *_FACT_COLUMNS)
    sets = ", ".join(f"({key})" for key in keys) + (", ()" if None in dimensions else "")
    flags = ", ".join(f"GROUPING({key})" for key in keys)
    counts, params = _count_columns(f)
    where, where_params = _registered_by_end(f)
    sql = f"""
        SELECT {flags}, {", ".join(keys)}, {", ".join(counts)}
        FROM ({facts_sql}) f
        WHERE {where}
        GROUP BY GROUPING SETS ({sets})
    """
    named = [d for d in dimensions if d is not None]
    result: dict = {d: {} for d in dimensions}
    for row in _fetch(sql, [*params, *facts_params, *where_params]):
        flags_row, keys_row = row[: len(named)], row[len(named) : 2 * len(named)]
        counts_row = dict(zip(_LINK_MEASURES, row[2 * len(named) :], strict=True))
        grouped = [i for i, flag in enumerate(flags_row) if flag == 0]
        if grouped:
            result[named[grouped[0]]][keys_row[grouped[0]]] = counts_row
        else:
            result[None][None] = counts_row
    return result


def _attribution_counts(facts: QuerySet, f: ReportFilters, dimension: str, total: dict) -> dict:
    """Counts per organization (material) from the few attributed links, and "not attributed"
    (key None) as the total less the attributed links."""
    column = f"{dimension}s"
    attributed = facts.filter(**{f"{column}__isnull": False})
    rows = _link_counts(attributed, f, dimension)
    attributed_total = _link_counts(attributed, f, None).get(None, {})
    rest = {name: total.get(name, 0) - attributed_total.get(name, 0) for name in _LINK_MEASURES}
    if any(rest.values()):
        rows[None] = rest
    return rows


def _link_counts_many(facts: QuerySet, f: ReportFilters, dimensions: list) -> dict:
    """{dimension: {key: counts}}: the scalar dimensions in one scan, organizations and
    materials from the attributed links."""
    scalar = [d for d in dimensions if d in _SCALAR_DIMENSIONS]
    arrays = [d for d in dimensions if d in ("organization", "material")]
    wanted = [*scalar, None] if (arrays or None in dimensions) else scalar
    result = _link_counts_sets(facts, f, wanted) if wanted else {}
    total = result.get(None, {}).get(None, {})
    for dimension in arrays:
        result[dimension] = _attribution_counts(facts, f, dimension, total)
    return {d: result.get(d, {}) for d in dimensions}


def _repeat_counts(user, repeats: QuerySet, dimension: str | None) -> dict:
    """{key: repeats}; by a dimension of the link, the repeats whose link the user may not
    read count under UNDISCLOSED (reporting.access.repeat_disclosed)."""
    if dimension is None:
        return {None: repeats.count()}
    if dimension in ("agency", "region"):  # the submitting agency's: the report's own
        field = f"{dimension}_id"
        return dict(repeats.values_list(field).annotate(n=Count("report_id")).order_by())
    disclosed = access.repeat_disclosed(user)
    repeats = repeats.annotate(
        disclosed=Value(True) if disclosed is True else ExpressionWrapper(disclosed, BooleanField())
    )
    if dimension in ("organization", "material"):
        sql, params = _sql(repeats, "report_id", f"{dimension}s", "disclosed")
        column = f"f.{dimension}s"
        sql = f"""
            SELECT d.key, f.disclosed, count(*) FROM ({sql}) f CROSS JOIN LATERAL unnest(
                CASE WHEN f.disclosed THEN coalesce({column}, ARRAY[NULL]::bigint[])
                     ELSE ARRAY[NULL]::bigint[] END) d(key)
            GROUP BY 1, 2
        """
        rows = _fetch(sql, params)
    else:
        rows = repeats.values_list(dimension, "disclosed").annotate(n=Count("report_id"))
    result: dict = {}
    for key, shown, count in rows.order_by() if isinstance(rows, QuerySet) else rows:
        key = key if shown else UNDISCLOSED
        result[key] = result.get(key, 0) + count
    return result


def _again_only(facts: QuerySet, f: ReportFilters, dimension: str | None) -> dict:
    """{key: {state: links}} that entered a state in the period only by a later entry (their
    first entry is outside it): what the daily counts, which date first entries, leave out."""
    facts = facts.filter(
        Q(confirmed_again__isnull=False)
        | Q(blocked_again__isnull=False)
        | Q(removed_again__isnull=False)
        | Q(reappeared_again__isnull=False)
    )
    facts_sql, facts_params = _sql(facts, *_FACT_COLUMNS)
    counts, params = [], []
    for state in ENTRY_STATES:
        first, first_params = _between(f"f.{state}_at", f)
        counts.append(
            f"count(*) FILTER (WHERE NOT coalesce({first}, false) AND f.{state}_again IS NOT NULL "
            f"AND tstzrange(%s::timestamptz, %s::timestamptz, '[)') @> ANY(f.{state}_again))"
        )
        params += [*first_params, f.start, f.end]
    key = _KEYS[dimension] if dimension else "NULL"
    sql = f"""
        SELECT {key}, {", ".join(counts)} FROM ({facts_sql}) f {_unnest(dimension)} GROUP BY 1
    """
    rows = _fetch(sql, [*params, *facts_params])
    return {row[0]: dict(zip(ENTRY_STATES, row[1:], strict=True)) for row in rows}


# --- the whole country without filters: the daily counts ------------------------------------------
_DIMENSION_FILTERS = ("agency", "region", "organization", "material", "platform", "state",
                      "classification")  # fmt: skip
_INT_KEYS = ("agency", "region", "organization", "material")


@dataclass(frozen=True)
class _Counts:
    """The country's counts a user may read: per day and per month (see _country)."""

    daily: QuerySet
    monthly: QuerySet


def _country(user, f: ReportFilters) -> tuple[_Counts, QuerySet, QuerySet] | None:
    """When the daily counts can answer: (counts, facts, repeats) for a user who sees the
    whole country and a report without dimension filters, else None.

    The counts cover every link (or, for a user who sees only their own agency's confidential
    links, every link that is not confidential); `facts` and `repeats` are what the counts do
    not cover and is added from the facts: for the latter user, their agency's confidential
    links and repeats (and, for everyone, links entered again into a state: _again_only)."""
    from registry.access import sees_confidential_in_scope

    if policy.scope_of(user).reach != Reach.COUNTRY or any(
        getattr(f, name) is not None for name in _DIMENSION_FILTERS
    ):
        return None
    if not policy.has_model_permission(user, "view", LinkFact):
        return None
    daily, monthly = DailyCount.objects.all(), MonthlyCount.objects.all()
    if sees_confidential_in_scope(user):
        return _Counts(daily, monthly), LinkFact.objects.none(), RepeatFact.objects.none()
    return (
        _Counts(daily.filter(confidential=False), monthly.filter(confidential=False)),
        scoped_facts(user, f).filter(confidential=True),
        scoped_repeats(user, f).filter(confidential=True),
    )


def _month_after(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _split(first: date | None, last: date | None) -> tuple[Q, Q]:
    """The days first..last (None: unbounded) as (whole months, for MonthlyCount; the days of
    the partial months at either end, for DailyCount)."""
    months_from = first if first is None or first.day == 1 else _month_after(first)
    after = last + timedelta(days=1) if last is not None else None
    months_to = after if after is None or after.day == 1 else after.replace(day=1)  # exclusive
    if months_from is not None and months_to is not None and months_from >= months_to:
        days = Q()  # no whole month: all of it by day
        if first is not None:
            days &= Q(day__gte=first)
        if last is not None:
            days &= Q(day__lte=last)
        return Q(pk__in=[]), days
    months, days = Q(), Q(pk__in=[])
    if months_from is not None:
        months &= Q(day__gte=months_from)
        days |= Q(day__gte=first, day__lt=months_from)
    if months_to is not None:
        months &= Q(day__lt=months_to)
        days |= Q(day__gte=months_to, day__lte=last)
    return months, days


def _sums(counts: _Counts, f: ReportFilters, dimension: str, measures: dict) -> dict:
    """{key: {name: sum}} of the counts over the period; measures {name: (column, dated by
    the period (True) or up to its end (False))}."""
    period, upto = _split(f.date_from, f.date_to), _split(None, f.date_to)
    result: dict = {}
    for part, queryset in ((0, counts.monthly), (1, counts.daily)):
        sums = {
            name: Sum(column, filter=(period if in_period else upto)[part])
            for name, (column, in_period) in measures.items()
        }
        wanted = period[part] | upto[part]
        for row in (
            queryset.filter(wanted, dimension=dimension).values("key").annotate(**sums).order_by()
        ):
            target = result.setdefault(row.pop("key"), dict.fromkeys(measures, 0))
            for name, value in row.items():
                target[name] += value or 0
    return result


def _counted(counts: _Counts, f: ReportFilters, dimension: str | None) -> dict:
    """{key: the summary's counts} from the country's counts (first entries only)."""
    measures = {name: (name, True) for name in ("registered", "repeats", *ENTRY_STATES)}
    measures["pending"] = ("pending", False)
    result = {}
    for key, row in _sums(counts, f, dimension or "", measures).items():
        if dimension in _INT_KEYS:
            key = int(key) if key else None
        elif dimension is None:
            key = None
        result[key] = row
    return result


def _add(rows: dict, more: dict) -> dict:
    for key, counts in more.items():
        target = rows.setdefault(key, dict.fromkeys(_MEASURES, 0))
        for name, value in counts.items():
            target[name] = target.get(name, 0) + (value or 0)
    return rows


_MEASURES = ("registered", "repeats", *ENTRY_STATES, "pending")


def _breakdowns(user, f: ReportFilters, dimensions: list) -> dict:
    """{dimension: {key: the summary's counts}}; dimension None is the summary itself."""
    country = _country(user, f)
    result = {d: {} for d in dimensions}
    if country is None:
        facts, repeats = scoped_facts(user, f), scoped_repeats(user, f)
    else:
        counts, facts, repeats = country
        base = LinkFact.objects.restrict(user).exclude(link_id__in=facts.values("link_id"))
        for dimension in dimensions:
            _add(result[dimension], _counted(counts, f, dimension))
            _add(result[dimension], _again_only(base, f, dimension))
    if not facts.query.is_empty():
        for dimension, rows in _link_counts_many(facts, f, dimensions).items():
            _add(result[dimension], rows)
    for dimension in dimensions:
        repeat_rows = (
            _repeat_counts(user, repeats, dimension) if not repeats.query.is_empty() else {}
        )
        _add(result[dimension], {k: {"repeats": n} for k, n in repeat_rows.items() if n})
    return result


def summary(user, f: ReportFilters) -> dict:
    counts = _breakdowns(user, f, [None])[None].get(None, {})
    return {name: counts.get(name, 0) for name in _MEASURES}


def breakdown_counts(user, f: ReportFilters, dimensions: list[str]) -> dict:
    """{dimension: {key: the summary's counts}} for every value with any."""
    return _breakdowns(user, f, list(dimensions))


# --- time series ---------------------------------------------------------------------------------
def series_counts(user, f: ReportFilters, bucket: str) -> dict:
    """{(period start, measure): count} of registered, repeats, blocked, removed."""
    country = _country(user, f)
    result: dict = {}
    if country is None:
        _series(scoped_facts(user, f), scoped_repeats(user, f), f, bucket, result)
        return result
    counts, facts, repeats = country
    measures = ("registered", "repeats", "blocked", "removed")
    for row in (
        counts.daily.filter(day__gte=f.date_from, day__lte=f.date_to, dimension="")
        .annotate(period=Trunc("day", bucket, output_field=DateField()))
        .values("period")
        .annotate(**{name: Sum(name) for name in measures})
        .order_by()
    ):
        for name in measures:
            if row[name]:
                result[(row["period"], name)] = row[name]
    base = LinkFact.objects.restrict(user).exclude(link_id__in=facts.values("link_id"))
    _series(base, RepeatFact.objects.none(), f, bucket, result, again_only=True)
    _series(facts, repeats, f, bucket, result)
    return result


def _series(facts, repeats, f, bucket, result, *, again_only=False) -> None:
    """Add to result {(period start, measure): count} from facts and repeat facts; with
    `again_only` only what later entries into a state add (see _again_only)."""
    tz = timezone.get_current_timezone_name()
    facts_sql, facts_params = _sql(facts, *_FACT_COLUMNS)

    def period(column):
        return f"date_trunc('{bucket}', {column} AT TIME ZONE %s)::date"

    # First entries are counted as they are; a later entry only in a period where the link
    # had no earlier one (a link blocked twice in a month counts once in that month).
    branches, params = [], []
    for kind, column in (("registered", "registered_at"), ("blocked", "blocked_at"),
                         ("removed", "removed_at")):  # fmt: skip
        if not again_only:
            between, between_params = _between(f"f.{column}", f)
            branches.append(
                f"SELECT {period('f.' + column)} AS period, '{kind}' AS kind, count(*) AS n "
                f"FROM ({facts_sql}) f WHERE {between} GROUP BY 1"
            )
            params += [tz, *facts_params, *between_params]
        if kind == "registered":
            continue
        first_between, first_params = _between(f"f.{column}", f)
        later, later_params = _between("t", f)
        branches.append(
            f"SELECT period, '{kind}' AS kind, count(*) AS n FROM (SELECT DISTINCT f.link_id, "
            f"{period('t')} AS period, "
            f"CASE WHEN {first_between} THEN {period('f.' + column)} END AS first "
            f"FROM ({facts_sql}) f CROSS JOIN LATERAL unnest(f.{kind}_again) t "
            f"WHERE f.{kind}_again IS NOT NULL AND {later}) x "
            f"WHERE period IS DISTINCT FROM first GROUP BY 1"
        )
        params += [tz, *first_params, tz, *facts_params, *later_params]
    union = " UNION ALL ".join(branches)
    sql = f"SELECT period, kind, sum(n) FROM ({union}) b GROUP BY 1, 2"
    for start, kind, count in _fetch(sql, params):
        result[(start, kind)] = result.get((start, kind), 0) + int(count)
    if repeats.query.is_empty():
        return
    for start, count in (
        repeats.annotate(period=Trunc("at", bucket, output_field=DateField()))
        .values_list("period")
        .annotate(n=Count("report_id"))
        .order_by()
    ):
        result[(start, "repeats")] = result.get((start, "repeats"), 0) + count


# --- time to block -------------------------------------------------------------------------------
def time_to_block(user, f: ReportFilters) -> dict:
    facts = scoped_facts(user, f).filter(blocked_at__isnull=False)
    if f.start is not None:
        facts = facts.filter(blocked_at__gte=f.start)
    if f.end is not None:
        facts = facts.filter(blocked_at__lt=f.end)
    facts_sql, facts_params = _sql(facts, "registered_at", "blocked_at")
    buckets, lower = [], 0
    for upper in (*HISTOGRAM_HOURS, None):
        condition = f"h >= {lower}" + (f" AND h < {upper}" if upper is not None else "")
        buckets.append((lower, upper, f"count(*) FILTER (WHERE {condition})"))
        lower = upper
    # date_part gives a double (extract() a slow numeric); OFFSET 0 computes it once per row.
    sql = f"""
        SELECT count(*), percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY h), avg(h),
               {", ".join(expression for _, _, expression in buckets)}
        FROM (SELECT greatest(date_part('epoch', f.blocked_at - f.registered_at) / 3600, 0) AS h
              FROM ({facts_sql}) f OFFSET 0) x
    """
    count, percentiles, mean, *histogram = _fetch(sql, facts_params)[0]
    median, p90 = percentiles or (None, None)  # NULL without any blocked link

    def rounded(value):
        return None if value is None else round(float(value), 2)

    return {
        "links": count,
        "median_hours": rounded(median),
        "p90_hours": rounded(p90),
        "mean_hours": rounded(mean),
        "histogram": [
            {
                "label": hours_label(lower, upper),
                "lower_hours": lower,
                "upper_hours": upper,
                "links": links,
            }
            for (lower, upper, _), links in zip(buckets, histogram, strict=True)
        ],  # fmt: skip
    }


# --- per platform: removal rate, views, republications -------------------------------------------
def _by_platform(user, f: ReportFilters, live, measures: dict) -> list[dict]:
    """Per-platform sums of registration-dated measures: from the daily counts for the whole
    country (plus the live part they leave out), else from the facts (`live(facts)`)."""
    country = _country(user, f)
    if country is None:
        return live(_registered_in_period(user, f))
    counts, facts, _repeats = country
    rows = {}
    dated = {name: (column, True) for name, column in measures.items()}
    rows.update(_sums(counts, f, "platform", dated))
    if not facts.query.is_empty():
        for row in live(_registered_in(facts, f)):
            target = rows.setdefault(row.pop("platform"), dict.fromkeys(measures, 0))
            for name, value in row.items():
                target[name] += value or 0
    return [{"platform": key, **values} for key, values in rows.items() if any(values.values())]


def _registered_in(facts: QuerySet, f: ReportFilters) -> QuerySet:
    if f.start is not None:
        facts = facts.filter(registered_at__gte=f.start)
    if f.end is not None:
        facts = facts.filter(registered_at__lt=f.end)
    return facts


def removal_counts(user, f: ReportFilters) -> list[dict]:
    def live(facts):
        return list(
            facts.filter(state__in=TAKEDOWN_REQUESTED)
            .values("platform")
            .annotate(
                requested=Count("link_id"),
                blocked=Count("link_id", filter=Q(state=LinkState.BLOCKED)),
                removed=Count("link_id", filter=Q(state=LinkState.REMOVED)),
            )
            .order_by()
        )

    measures = {"requested": "requested", "blocked": "now_blocked", "removed": "now_removed"}
    return [row for row in _by_platform(user, f, live, measures) if row["requested"]]


def view_counts(user, f: ReportFilters) -> list[dict]:
    both = Q(views_at_detection__isnull=False, views_at_blocking__isnull=False)

    def live(facts):
        return list(
            facts.filter(Q(views_at_detection__isnull=False) | Q(views_at_blocking__isnull=False))
            .values("platform")
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

    measures = {
        "measured": "views_measured",
        "detection": "views_detection",
        "blocked_measured": "views_blocked_measured",
        "blocking": "views_blocking",
        "growth_base": "growth_base",
        "growth_top": "growth_top",
    }
    return [
        row
        for row in _by_platform(user, f, live, measures)
        if row["measured"] or row["blocked_measured"]
    ]


def _republished(user, facts: QuerySet) -> QuerySet:
    """The facts in a republication group that are not its first publication among the links
    the user may read (the facts' `republished` flag is over every link: exact only for whom
    reads every link; for others it would tell that an earlier, hidden link exists)."""
    if access.reads_every_link(user):
        return facts.filter(republished=True)
    earlier = LinkFact.objects.restrict(user).filter(
        Q(registered_at__lt=OuterRef("registered_at"))
        | Q(registered_at=OuterRef("registered_at"), link_id__lt=OuterRef("link_id")),
        republication_group=OuterRef("republication_group"),
    )
    return facts.filter(republication_group__isnull=False).filter(Exists(earlier))


def republication_counts(user, f: ReportFilters) -> tuple[dict, list[dict]]:
    republished = _republished(user, _registered_in_period(user, f))
    rows = list(
        republished.values("platform")
        .annotate(
            republished_links=Count("link_id"), groups=Count("republication_group", distinct=True)
        )
        .order_by()
    )
    total = {
        "republished_links": sum(row["republished_links"] for row in rows),
        "groups": republished.aggregate(n=Count("republication_group", distinct=True))["n"],
    }
    return total, rows


def republication_groups(user, f: ReportFilters) -> QuerySet:
    from checks.models import RepublicationGroup

    members = _registered_in_period(user, f).exclude(republication_group=None)
    in_scope = (
        scoped_facts(user, f)
        .filter(republication_group=OuterRef("pk"))
        .values("republication_group")
        .annotate(n=Count("link_id"))
        .values("n")
    )
    # What the user may know of each group: its links they may read, the earliest of them.
    readable = LinkFact.objects.restrict(user).filter(republication_group=OuterRef("pk"))
    count = readable.order_by().values("republication_group").annotate(n=Count("*")).values("n")
    first = readable.order_by("registered_at", "link_id").values("link_id")[:1]
    return (
        RepublicationGroup.objects.filter(pk__in=members.values("republication_group"))
        .annotate(
            links_in_scope=Coalesce(Subquery(in_scope), 0),
            readable_links=Coalesce(Subquery(count), 0),
            first_readable_link_id=Subquery(first),
        )
        .order_by("-created_at", "-id")
    )
