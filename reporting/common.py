"""What the reports share: the measures, periods, labels and histograms."""

from datetime import date, timedelta

from django.utils.translation import gettext as _

from registry.choices import LinkState
from reporting.filters import InvalidReportParameter, ReportFilters, local_today

SUMMARY_KEYS = ("registered", "repeats", "confirmed", "blocked", "removed", "reappeared", "pending")
SERIES_KEYS = ("registered", "repeats", "blocked", "removed")
BUCKETS = ("day", "week", "month")
DIMENSIONS = ("agency", "region", "platform", "state", "classification", "organization", "material")
# The key under which a breakdown by a link dimension counts repeats of links the user may not
# read (reporting.access.repeat_disclosed): their link's value is not disclosed.
UNDISCLOSED = "undisclosed"
MAX_PERIODS = 1000  # a time series longer than this asks for a coarser bucket

BREAKDOWN_KEYS = SUMMARY_KEYS
HISTOGRAM_HOURS = (1, 6, 24, 72, 168, 720, 2160)  # bucket upper bounds: 1 h … 90 days


TAKEDOWN_REQUESTED = (
    LinkState.BLOCKING_REQUESTED,
    LinkState.BLOCKED,
    LinkState.REMOVED,
    LinkState.REAPPEARED,
)


VIEWS_KEYS = (
    "links_measured",
    "views_at_detection",
    "links_blocked_measured",
    "views_at_blocking",
    "views_growth",
)


# --- periods -------------------------------------------------------------------------------------
def default_period(bucket: str, filters: ReportFilters) -> tuple[date, date]:
    """The period a time series covers when the filters leave it open: up to today, and back
    30 days (day), 12 weeks (week) or 12 months (month) from its end."""
    end = filters.date_to or local_today()
    if filters.date_from is not None:
        return filters.date_from, end
    if bucket == "day":
        return end - timedelta(days=29), end
    if bucket == "week":
        return period_start(end, "week") - timedelta(weeks=11), end
    month = period_start(end, "month")
    year, index = divmod(month.year * 12 + month.month - 1 - 11, 12)
    return date(year, index + 1, 1), end


def period_start(day: date, bucket: str) -> date:
    """The first day of the period holding `day`: itself, its ISO week's Monday, its month's 1st."""
    if bucket == "day":
        return day
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    raise InvalidReportParameter(
        _("bucket must be one of: %(allowed)s.") % {"allowed": ", ".join(BUCKETS)}, field="bucket"
    )


def periods(start: date, end: date, bucket: str) -> list[date]:
    """Every period start from the one holding `start` to the one holding `end`."""
    current, result = period_start(start, bucket), []
    while current <= end:
        result.append(current)
        if bucket == "day":
            current += timedelta(days=1)
        elif bucket == "week":
            current += timedelta(weeks=1)
        else:
            year, month = divmod(current.month, 12)
            current = date(current.year + year, month + 1, 1)
    return result


def check_dimension(dimension: str) -> str:
    if dimension not in DIMENSIONS:
        raise InvalidReportParameter(
            _("Unknown dimension %(value)r; one of: %(allowed)s.")
            % {"value": dimension, "allowed": ", ".join(DIMENSIONS)},
            field="dimension",
        )
    return dimension


def dimension_labels(dimension: str, keys: list) -> dict:
    """{key: human label} for keys of a dimension, in the active language."""
    from accounts.models import Agency, Region
    from materials.models import Material
    from organizations.models import Organization
    from registry.choices import LinkClassification, LinkPlatform

    choices = {"platform": LinkPlatform, "state": LinkState, "classification": LinkClassification}
    if dimension in choices:
        return {
            key: str(choices[dimension](key).label)
            for key in keys
            if key in choices[dimension].values
        }
    model = {
        "agency": Agency,
        "region": Region,
        "organization": Organization,
        "material": Material,
    }[dimension]
    # Names only: the directory of agencies and the registers are read by every user (policy).
    return {obj.pk: str(obj) for obj in model.objects.filter(pk__in=keys)}


# --- time to block -----------------------------------------------------------------------------
def hours_label(lower: float, upper: float | None) -> str:
    def span(hours):
        return _("%(n)s h") % {"n": hours} if hours < 24 else _("%(n)s d") % {"n": hours // 24}

    if upper is None:
        return _("over %(span)s") % {"span": span(lower)}
    return _("%(lower)s – %(upper)s") % {"lower": span(lower), "upper": span(upper)}


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
