"""What a report covers: the period and the dimensions it is narrowed to (docs/design.md §4.6).

`ReportFilters` is the one definition shared by the portal dashboard, the API and the exports.
Every field is optional; an empty filter means "everything the user may see, all time".

Dates are local calendar days (settings.TIME_ZONE), both ends inclusive. The dimensions are the
link's, with one exception stated in reporting.services: for repeat reports, agency and region
are those of the agency that submitted the repeat.
"""

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from kibernadzor.errors import DomainError
from registry.choices import LinkClassification, LinkPlatform, LinkState


class InvalidReportParameter(DomainError):
    """A report parameter that cannot be understood; `field` names the parameter."""

    code = "invalid_parameter"


@dataclass(frozen=True)
class ReportFilters:
    """The period (inclusive local dates) and the dimensions a report is narrowed to.

    agency: the agency that registered the link (first report) — id.
    region: that agency's region — id.
    organization, material: ids of a banned organization / recognised material the link is
        attributed to.
    platform, state, classification: the link's platform, current state and current
        classification (values of registry.choices).
    """

    date_from: date | None = None
    date_to: date | None = None
    agency: int | None = None
    region: int | None = None
    organization: int | None = None
    material: int | None = None
    platform: str | None = None
    state: str | None = None
    classification: str | None = None

    def __post_init__(self):
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidReportParameter(
                _("date_from (%(start)s) is after date_to (%(end)s).")
                % {"start": self.date_from.isoformat(), "end": self.date_to.isoformat()},
                field="date_from",
            )
        for name, choices in _CHOICES.items():
            value = getattr(self, name)
            if value is not None and value not in choices.values:
                raise InvalidReportParameter(
                    _("Unknown %(name)s %(value)r; one of: %(allowed)s.")
                    % {"name": name, "value": value, "allowed": ", ".join(choices.values)},
                    field=name,
                )

    @property
    def narrows_links(self) -> bool:
        """Whether a dimension of the link itself is set (platform, state, classification,
        organization, material): repeats whose link the user may not read never match one."""
        return any(
            getattr(self, name) is not None
            for name in ("platform", "state", "classification", "organization", "material")
        )

    # --- the period as datetimes ------------------------------------------------------------
    @property
    def start(self) -> datetime | None:
        """The first instant of date_from in the local time zone, or None."""
        return local_midnight(self.date_from) if self.date_from else None

    @property
    def end(self) -> datetime | None:
        """The first instant after date_to (exclusive bound), or None."""
        return local_midnight(self.date_to + timedelta(days=1)) if self.date_to else None

    def with_period(self, date_from: date | None, date_to: date | None) -> "ReportFilters":
        return ReportFilters(**{**asdict(self), "date_from": date_from, "date_to": date_to})

    def as_params(self) -> dict[str, str]:
        """The non-empty fields as query parameters (what `from_params` reads back)."""
        params = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value is not None:
                params[field.name] = value.isoformat() if isinstance(value, date) else str(value)
        return params

    # --- parsing ----------------------------------------------------------------------------
    @classmethod
    def from_params(cls, params) -> "ReportFilters":
        """Read filters from query parameters (a QueryDict or a dict of strings).

        Dates are ISO (YYYY-MM-DD). `agency` takes an id or an agency code (gp,
        police-KZ-75); `region` an id or an ISO 3166-2:KZ code (KZ-75). Blank values are
        ignored. A bad value raises InvalidReportParameter naming the parameter.
        """
        values = {}
        for name in ("date_from", "date_to"):
            raw = _param(params, name)
            if raw is not None:
                try:
                    values[name] = date.fromisoformat(raw)
                except ValueError:
                    raise InvalidReportParameter(
                        _("%(name)s must be a date YYYY-MM-DD, not %(value)r.")
                        % {"name": name, "value": raw},
                        field=name,
                    ) from None
        for name in ("organization", "material"):
            raw = _param(params, name)
            if raw is not None:
                values[name] = _positive_int(name, raw)
        agency = _param(params, "agency")
        if agency is not None:
            values["agency"] = _agency_id(agency)
        region = _param(params, "region")
        if region is not None:
            values["region"] = _region_id(region)
        for name in _CHOICES:
            raw = _param(params, name)
            if raw is not None:
                values[name] = raw
        return cls(**values)


_CHOICES = {"platform": LinkPlatform, "state": LinkState, "classification": LinkClassification}

PARAMETERS = (
    "date_from",
    "date_to",
    "agency",
    "region",
    "organization",
    "material",
    "platform",
    "state",
    "classification",
)


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def local_today() -> date:
    return timezone.localdate()


def _param(params, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _positive_int(name: str, raw: str) -> int:
    try:
        number = int(raw)
    except ValueError:
        number = 0
    if number < 1:
        raise InvalidReportParameter(
            _("%(name)s must be a positive integer id, not %(value)r.")
            % {"name": name, "value": raw},
            field=name,
        )
    return number


def _agency_id(raw: str) -> int:
    from accounts.models import Agency

    if raw.isdigit():
        return _positive_int("agency", raw)
    agency_id = Agency.objects.filter(code=raw).values_list("pk", flat=True).first()
    if agency_id is None:
        raise InvalidReportParameter(
            _("No agency with code %(value)r (e.g. gp, police-KZ-75).") % {"value": raw},
            field="agency",
        )
    return agency_id


def _region_id(raw: str) -> int:
    from accounts.models import Region

    if raw.isdigit():
        return _positive_int("region", raw)
    region_id = Region.objects.filter(iso_code=raw.upper()).values_list("pk", flat=True).first()
    if region_id is None:
        raise InvalidReportParameter(
            _("No region with ISO code %(value)r (e.g. KZ-75).") % {"value": raw},
            field="region",
        )
    return region_id
