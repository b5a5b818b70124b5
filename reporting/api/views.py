"""/api/v1/reports/: the reports of reporting.services over HTTP, as JSON, CSV or XLSX.

Every endpoint takes the same filters (reporting.filters.ReportFilters) and answers within the
caller's access scope. `?format=csv|xlsx` or `Accept: text/csv` /
`application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` gives a file; errors are
always JSON. Tokens limited to reports (`issue_token --scope reports`) may call these and
nothing else; the "reports" throttle rate applies on top of the per-user one.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse

from accounts import policy
from accounts.choices import TokenScope
from accounts.permissions import TokenScopePermission
from registry.choices import LinkClassification, LinkPlatform, LinkState
from reporting import orders as order_reports
from reporting import services
from reporting.api import serializers as s
from reporting.filters import PARAMETERS, InvalidReportParameter, ReportFilters, local_today
from reporting.renderers import CSVRenderer, DOCXRenderer, PDFRenderer, XLSXRenderer
from reporting.tables import Column, Table
from utilities.pagination import CreatedCursorPagination


class ReadsCaseContent(BasePermission):
    """Reports count links: whoever may read no link (an administrator) gets 403, not zeros."""

    message = gettext_lazy("Reports are for users who may read case content.")

    def has_permission(self, request, view):
        from registry.models import Link

        return policy.has_model_permission(request.user, "view", Link)


# --- OpenAPI: the parameters every report takes ------------------------------------------------
FILTER_PARAMETERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="First day (local), inclusive."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Last day (local), inclusive."),
    OpenApiParameter(
        "agency", OpenApiTypes.STR, description="Registering agency: id or code (police-KZ-75)."
    ),
    OpenApiParameter("region", OpenApiTypes.STR, description="Its region: id or ISO code (KZ-75)."),
    OpenApiParameter("organization", OpenApiTypes.INT, description="Attributed organization id."),
    OpenApiParameter("material", OpenApiTypes.INT, description="Attributed material id."),
    OpenApiParameter("platform", OpenApiTypes.STR, enum=LinkPlatform.values),
    OpenApiParameter("state", OpenApiTypes.STR, enum=LinkState.values, description="Current."),
    OpenApiParameter("classification", OpenApiTypes.STR, enum=LinkClassification.values),
    OpenApiParameter(
        "format",
        OpenApiTypes.STR,
        enum=["json", "csv", "xlsx"],
        description="Answer as JSON (default), CSV or XLSX; or use the Accept header.",
    ),
]
FILE_RESPONSES = {
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="CSV (UTF-8 with BOM)"),
    (200, XLSXRenderer.media_type): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX"),
}
ERRORS = {
    400: OpenApiResponse(
        description="A parameter is invalid; `field` names it.",
        examples=[
            OpenApiExample(
                "bad date",
                value={
                    "detail": "date_from must be a date YYYY-MM-DD, not '2025-13-01'.",
                    "code": "invalid_parameter",
                    "field": "date_from",
                },
            )
        ],
    ),
    403: OpenApiResponse(description="No access to case content, or a token without the scope."),
    429: OpenApiResponse(description="Throttled; retry after the `Retry-After` seconds."),
}
MARCH = {"date_from": "2025-03-01", "date_to": "2025-03-31"}


DOCUMENT_RESPONSES = {
    (200, DOCXRenderer.media_type): OpenApiResponse(OpenApiTypes.BINARY, description="DOCX"),
    (200, PDFRenderer.media_type): OpenApiResponse(OpenApiTypes.BINARY, description="PDF"),
}


def report_schema(serializer, example: dict, *, extra=(), description="", files=None, **kwargs):
    return extend_schema(
        parameters=[*FILTER_PARAMETERS, *extra],
        responses={(200, "application/json"): serializer, **(files or FILE_RESPONSES), **ERRORS},
        examples=[OpenApiExample("March 2025", value=example, response_only=True)],
        description=description,
        **kwargs,
    )


COUNT_COLUMNS = [
    Column("registered", gettext_lazy("registered"), "int"),
    Column("repeats", gettext_lazy("repeats"), "int"),
    Column("confirmed", gettext_lazy("confirmed"), "int"),
    Column("blocked", gettext_lazy("blocked"), "int"),
    Column("removed", gettext_lazy("removed"), "int"),
    Column("reappeared", gettext_lazy("reappeared"), "int"),
    Column("pending", gettext_lazy("pending"), "int"),
]

# A breakdown's sheet (XLSX) and section (CSV) are named in the reader's language.
DIMENSION_TITLES = {
    "agency": gettext_lazy("agency"),
    "region": gettext_lazy("region"),
    "platform": gettext_lazy("platform"),
    "state": gettext_lazy("state"),
    "classification": gettext_lazy("classification"),
    "organization": gettext_lazy("organization"),
    "material": gettext_lazy("material"),
}


def dimension_title(dimension: str) -> str:
    return str(DIMENSION_TITLES.get(dimension, dimension))


EXAMPLE_COUNTS = {
    "registered": 5, "repeats": 3, "confirmed": 3, "blocked": 2, "removed": 1,
    "reappeared": 1, "pending": 4,
}  # fmt: skip


class ReportingViewSet(viewsets.ViewSet):
    """Reports on the link registry (docs/design.md §4.6), within the caller's access scope.

    Counts: `registered` links first registered in the period; `repeats` reports of an already
    known link (agency and region: of the submitting agency); `confirmed`, `blocked`, `removed`,
    `reappeared` distinct links that entered that state in the period; `pending` links
    registered by the end of the period still awaiting a decision or action. Dates are local
    (Asia/Almaty) and inclusive; without them a report covers all time."""

    permission_classes = [TokenScopePermission, IsAuthenticated, ReadsCaseContent]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer, XLSXRenderer]
    throttle_scope = "reports"
    token_scopes = (TokenScope.REPORTS,)
    section_title = gettext_lazy("section")
    # Parameters besides the filters that some report reads; anything else is refused.
    extra_parameters = {"format", "bucket", "dimensions", "year", "cursor", "page_size"}

    # --- plumbing ------------------------------------------------------------------------------
    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        # Errors are JSON whatever format was asked for: a CSV of an error helps nobody.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def filters(self) -> ReportFilters:
        unknown = sorted(set(self.request.query_params) - set(PARAMETERS) - self.extra_parameters)
        if unknown:
            raise InvalidReportParameter(
                _("Unknown parameter %(name)r; the reports take: %(allowed)s.")
                % {"name": unknown[0], "allowed": ", ".join((*PARAMETERS, "format"))},
                field=unknown[0],
            )
        if not hasattr(self, "_filters"):
            self._filters = ReportFilters.from_params(self.request.query_params)
        return self._filters

    def answer(self, data: dict) -> Response:
        return Response({"filters": self.filters().as_params(), **data})

    def download_name(self) -> str:
        f = self.filters()
        period = f"{f.date_from or 'all'}_{f.date_to or local_today()}"
        if self.action == "yearly_summary":
            period = self.request.query_params.get("year", "")
        return f"kibernadzor-{self.action.replace('_', '-')}-{period}"

    def tables(self, data: dict) -> list[Table]:
        return getattr(self, f"_tables_{self.action}")(data)

    # --- the index -----------------------------------------------------------------------------
    @extend_schema(exclude=True)
    def list(self, request, format=None):
        """The report endpoints."""
        names = (
            "summary", "time-series", "breakdowns", "time-to-block", "removal-rate", "views",
            "republications", "republication-groups", "yearly-summary", "orders-by-recipient",
            "order-deadlines", "order-execution-time", "orders-overdue",
        )  # fmt: skip
        return Response(
            {name: reverse(f"api:reports-{name}", request=request) for name in names}
            | {
                f"breakdowns/{dimension}": reverse(
                    "api:reports-breakdown", args=[dimension], request=request
                )
                for dimension in services.DIMENSIONS
            }
        )

    # --- summary -------------------------------------------------------------------------------
    @report_schema(
        s.SummarySerializer,
        {"filters": MARCH, **EXAMPLE_COUNTS},
        description="The counts for the period: registered, repeats, confirmed, blocked, "
        "removed, reappeared, pending.",
    )
    @action(detail=False)
    def summary(self, request, format=None):
        return self.answer(services.summary(request.user, self.filters()))

    def _tables_summary(self, data):
        return [Table(_("summary"), COUNT_COLUMNS, [data])]

    # --- time series ---------------------------------------------------------------------------
    @report_schema(
        s.TimeSeriesSerializer,
        {
            "filters": MARCH,
            "bucket": "week",
            "results": [
                {"period": "2025-02-24", "registered": 0, "repeats": 0, "blocked": 1, "removed": 0},
                {"period": "2025-03-03", "registered": 4, "repeats": 1, "blocked": 1, "removed": 0},
            ],
        },  # fmt: skip
        extra=[
            OpenApiParameter(
                "bucket",
                OpenApiTypes.STR,
                enum=[*services.BUCKETS],
                description="day (default), week (ISO, from Monday) or month. Without dates: "
                "the last 30 days / 12 weeks / 12 months. At most 1000 periods.",
            )
        ],
        description="registered, repeats, blocked and removed per period, every period present.",
    )
    @action(detail=False, url_path="time-series")
    def time_series(self, request, format=None):
        bucket = request.query_params.get("bucket") or "day"
        results = services.time_series(request.user, self.filters(), bucket)
        return self.answer({"bucket": bucket, "results": results})

    def _tables_time_series(self, data):
        columns = [Column("period", _("period"), "date"), *COUNT_COLUMNS[:2], *COUNT_COLUMNS[3:5]]
        return [Table(_("time series"), columns, data["results"])]

    # --- breakdowns ----------------------------------------------------------------------------
    @report_schema(
        s.BreakdownsSerializer,
        {
            "filters": MARCH,
            "breakdowns": {
                "platform": [{"key": "youtube", "label": "YouTube", "links": 2, **EXAMPLE_COUNTS}]
            },
        },
        extra=[
            OpenApiParameter(
                "dimensions",
                OpenApiTypes.STR,
                description="Comma-separated dimensions (default all): "
                + ", ".join(services.DIMENSIONS),
            )
        ],
        description="The summary's counts per value of several dimensions; XLSX has one sheet "
        "per dimension, CSV a leading column naming it.",
    )
    @action(detail=False)
    def breakdowns(self, request, format=None):
        raw = request.query_params.get("dimensions") or ",".join(services.DIMENSIONS)
        dimensions = [services.check_dimension(d.strip()) for d in raw.split(",") if d.strip()]
        return self.answer(
            {"breakdowns": services.breakdowns(request.user, self.filters(), dimensions)}
        )

    def _breakdown_columns(self):
        return [
            Column("key", _("key")),
            Column("label", _("name")),
            Column("links", _("links"), "int"),
            *COUNT_COLUMNS[1:],
        ]

    def _tables_breakdowns(self, data):
        return [
            Table(dimension_title(dimension), self._breakdown_columns(), rows)
            for dimension, rows in data["breakdowns"].items()
        ]

    @report_schema(
        s.BreakdownSerializer,
        {
            "filters": MARCH,
            "dimension": "platform",
            "results": [{"key": "youtube", "label": "YouTube", "links": 2, **EXAMPLE_COUNTS}],
        },
        extra=[
            OpenApiParameter(
                "dimension", OpenApiTypes.STR, OpenApiParameter.PATH, enum=[*services.DIMENSIONS]
            )
        ],
        description="The summary's counts per value of one dimension (agency, region, platform, "
        "state, classification, organization, material).",
        operation_id="reports_breakdown_by_dimension",
    )
    @action(detail=False, url_path=r"breakdowns/(?P<dimension>[a-z_]+)", url_name="breakdown")
    def breakdown(self, request, dimension=None, format=None):
        dimension = services.check_dimension(dimension)
        results = services.breakdown(request.user, self.filters(), dimension)
        return self.answer({"dimension": dimension, "results": results})

    def _tables_breakdown(self, data):
        return [
            Table(dimension_title(data["dimension"]), self._breakdown_columns(), data["results"])
        ]

    # --- time to block -------------------------------------------------------------------------
    @report_schema(
        s.TimeToBlockSerializer,
        {
            "filters": MARCH,
            "links": 2,
            "median_hours": 180.0,
            "p90_hours": 228.0,
            "mean_hours": 180.0,
            "histogram": [
                {"label": "3 d – 7 d", "lower_hours": 72, "upper_hours": 168, "links": 1}
            ],
        },  # fmt: skip
        description="Hours from detection (first report) to first blocking, for links first "
        "blocked in the period: median, 90th percentile, mean, histogram.",
    )
    @action(detail=False, url_path="time-to-block")
    def time_to_block(self, request, format=None):
        return self.answer(services.time_to_block(request.user, self.filters()))

    def _tables_time_to_block(self, data):
        figures = Table(
            _("time to block"),
            [
                Column("links", _("links blocked"), "int"),
                Column("median_hours", _("median, hours"), "float"),
                Column("p90_hours", _("90th percentile, hours"), "float"),
                Column("mean_hours", _("mean, hours"), "float"),
            ],
            [data],
        )
        histogram = Table(
            _("distribution"),
            [
                Column("label", _("time to block")),
                Column("lower_hours", _("from, hours"), "int"),
                Column("upper_hours", _("to, hours"), "int"),
                Column("links", _("links"), "int"),
            ],
            data["histogram"],
        )
        return [figures, histogram]

    # --- removal rate --------------------------------------------------------------------------
    @report_schema(
        s.RemovalRateSerializer,
        {
            "filters": MARCH,
            "results": [
                {
                    "platform": "telegram",
                    "label": "Telegram",
                    "requested": 1,
                    "blocked": 0,
                    "removed": 1,
                    "removal_rate": 1.0,
                    "takedown_rate": 1.0,
                }
            ],
        },  # fmt: skip
        description="Per platform, of the links registered in the period whose blocking was "
        "requested: how many are now blocked or removed, and the rates.",
    )
    @action(detail=False, url_path="removal-rate")
    def removal_rate(self, request, format=None):
        return self.answer({"results": services.removal_rate(request.user, self.filters())})

    def _tables_removal_rate(self, data):
        columns = [
            Column("platform", _("platform")),
            Column("label", _("name")),
            Column("requested", _("blocking requested"), "int"),
            Column("blocked", _("blocked"), "int"),
            Column("removed", _("removed"), "int"),
            Column("removal_rate", _("removal rate"), "percent"),
            Column("takedown_rate", _("blocked or removed"), "percent"),
        ]
        return [Table(_("removal rate"), columns, data["results"])]

    # --- views ---------------------------------------------------------------------------------
    @report_schema(
        s.ViewsSerializer,
        {
            "filters": MARCH,
            "total": {
                "links_measured": 3,
                "views_at_detection": 150,
                "links_blocked_measured": 2,
                "views_at_blocking": 290,
                "views_growth": 150,
            },
            "platforms": [],
        },  # fmt: skip
        description="View counts seen by the checks at detection and at blocking (or removal), "
        "for links registered in the period, per platform and in total.",
    )
    @action(detail=False)
    def views(self, request, format=None):
        return self.answer(services.views(request.user, self.filters()))

    def _tables_views(self, data):
        columns = [
            Column("platform", _("platform")),
            Column("label", _("name")),
            Column("links_measured", _("links measured at detection"), "int"),
            Column("views_at_detection", _("views at detection"), "int"),
            Column("links_blocked_measured", _("links measured at blocking"), "int"),
            Column("views_at_blocking", _("views at blocking"), "int"),
            Column("views_growth", _("growth until blocking"), "int"),
        ]
        total = {"platform": "", "label": _("total"), **data["total"]}
        return [Table(_("views"), columns, [*data["platforms"], total])]

    # --- republications ------------------------------------------------------------------------
    @report_schema(
        s.RepublicationsSerializer,
        {
            "filters": MARCH,
            "total": {"republished_links": 1, "groups": 1},
            "platforms": [
                {"platform": "web", "label": "web site", "republished_links": 1, "groups": 1}
            ],
        },  # fmt: skip
        description="Links registered in the period that republish content first published at "
        "another link, and the groups of such links.",
    )
    @action(detail=False)
    def republications(self, request, format=None):
        return self.answer(services.republications(request.user, self.filters()))

    def _tables_republications(self, data):
        columns = [
            Column("platform", _("platform")),
            Column("label", _("name")),
            Column("republished_links", _("republished links"), "int"),
            Column("groups", _("groups"), "int"),
        ]
        total = {"platform": "", "label": _("total"), **data["total"]}
        return [Table(_("republications"), columns, [*data["platforms"], total])]

    @extend_schema(
        parameters=[*FILTER_PARAMETERS],
        responses={
            (200, "application/json"): s.RepublicationGroupPageSerializer,
            **FILE_RESPONSES,
            **ERRORS,
        },
        description="Republication groups with a link in scope registered in the period, "
        "newest first; cursor-paginated (`next`/`previous`, `page_size` up to 1000).",
    )
    @action(detail=False, url_path="republication-groups")
    def republication_groups(self, request, format=None):
        paginator = CreatedCursorPagination()
        queryset = services.republication_groups(request.user, self.filters())
        page = paginator.paginate_queryset(queryset, request, view=self)
        data = s.RepublicationGroupSerializer(page, many=True).data
        return paginator.get_paginated_response(data)

    def _tables_republication_groups(self, data):
        columns = [
            Column("id", _("group"), "int"),
            Column("content_sha256", _("content SHA-256")),
            Column("first_link", _("first publication (link id)"), "int"),
            Column("link_count", _("links"), "int"),
            Column("links_in_scope", _("links in scope"), "int"),
            Column("created_at", _("found at")),
        ]
        return [Table(_("republication groups"), columns, data["results"])]

    # --- the yearly summary --------------------------------------------------------------------
    @report_schema(
        s.YearlySummarySerializer,
        {
            "year": 2025,
            "filters": {},
            "organizations": [
                {"classification": "terrorist", "label": "terrorist", "in_year": 0, "cumulative": 2}
            ],
            "materials": [
                {
                    "classification": "extremist",
                    "classification_label": "extremist",
                    "kind": "video",
                    "kind_label": "video",
                    "in_year": 1,
                    "cumulative": 1,
                }
            ],
            "links": [
                {
                    "measure": "handled",
                    "label": "links handled (registered)",
                    "in_year": 6,
                    "cumulative": 7,
                }
            ],
        },  # fmt: skip
        extra=[
            OpenApiParameter(
                "year", OpenApiTypes.INT, description="The year (default: the current one)."
            ),
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=["json", "csv", "xlsx", "docx", "pdf"],
                description="JSON (default), CSV, XLSX, or the office's report as a document "
                "in Russian (DOCX, PDF) with the ten-year table of materials by kind.",
            ),
        ],
        description="The summary the prosecutor's office reports to the UN: organizations "
        "banned and materials recognised (extremist/terrorist, materials by kind), links "
        "handled, confirmed, blocked and removed — in the year and cumulatively to its end. "
        "Dates in the filters are ignored (the year sets the period). `format=docx|pdf` gives "
        "the report's text with these figures (reporting.un_summary).",
        files={**FILE_RESPONSES, **DOCUMENT_RESPONSES},
    )
    @action(
        detail=False,
        url_path="yearly-summary",
        renderer_classes=[
            JSONRenderer, BrowsableAPIRenderer, CSVRenderer, XLSXRenderer, DOCXRenderer,
            PDFRenderer,
        ],
    )  # fmt: skip
    def yearly_summary(self, request, format=None):
        raw = request.query_params.get("year") or str(local_today().year)
        try:
            year = int(raw)
        except ValueError:
            raise InvalidReportParameter(
                _("year must be a number like 2025, not %(value)r.") % {"value": raw},
                field="year",
            ) from None
        f = self.filters().with_period(None, None)
        data = services.yearly_summary(request.user, year, f)
        return Response({"year": data.pop("year"), "filters": f.as_params(), **data})

    def document(self, data: dict, fmt: str) -> bytes:
        """The yearly summary `data` (this endpoint's answer) as the UN summary document."""
        from reporting import un_summary

        return un_summary.render(self.request.user, data["year"], fmt, summary=data)

    def _tables_yearly_summary(self, data):
        year, cumulative = str(data["year"]), _("cumulative to %(year)s") % {"year": data["year"]}
        return [
            Table(
                _("organizations"),
                [
                    Column("classification", _("classification")),
                    Column("label", _("name")),
                    Column("in_year", year, "int"),
                    Column("cumulative", cumulative, "int"),
                ],
                data["organizations"],
            ),
            Table(
                _("materials"),
                [
                    Column("classification_label", _("classification")),
                    Column("kind_label", _("kind")),
                    Column("in_year", year, "int"),
                    Column("cumulative", cumulative, "int"),
                ],
                data["materials"],
            ),
            Table(
                _("links"),
                [
                    Column("label", _("measure")),
                    Column("in_year", year, "int"),
                    Column("cumulative", cumulative, "int"),
                ],
                data["links"],
            ),
        ]

    # --- blocking orders (reporting.orders) ----------------------------------------------------
    def _recipient_columns(self):
        return [
            Column("recipient", pgettext("order report", "recipient id"), "int"),
            Column("label", pgettext("order report", "recipient")),
        ]

    @report_schema(
        s.OrdersByRecipientSerializer,
        {
            "filters": MARCH,
            "results": [
                {
                    "recipient": 1,
                    "label": "Ministry of Information",
                    "kind": "ministry",
                    "total": 3,
                    "draft": 0,
                    "signed": 0,
                    "sent": 1,
                    "acknowledged": 0,
                    "executed": 1,
                    "partly_executed": 1,
                    "refused": 0,
                    "withdrawn": 0,
                }
            ],
        },  # fmt: skip
        description="Blocking orders dated in the period, per recipient and state. agency and "
        "region are the issuing office's, platform narrows to orders with a link on it.",
    )
    @action(detail=False, url_path="orders-by-recipient")
    def orders_by_recipient(self, request, format=None):
        return self.answer(
            {"results": order_reports.orders_by_recipient(request.user, self.filters())}
        )

    def _tables_orders_by_recipient(self, data):
        from orders.choices import OrderState

        columns = [
            *self._recipient_columns(),
            Column("total", pgettext("order report", "orders"), "int"),
            *(Column(state.value, state.label, "int") for state in OrderState),
        ]
        return [Table(pgettext("order report", "orders by recipient"), columns, data["results"])]

    @report_schema(
        s.DeadlinesSerializer,
        {
            "filters": MARCH,
            "total": {
                "links": 5,
                "due": 4,
                "executed": 3,
                "executed_on_time": 2,
                "within_deadline_rate": 0.5,
            },
            "recipients": [],
        },  # fmt: skip
        description="Links of orders sent in the period: how many were due (executed or past "
        "their deadline), executed, executed within the deadline, and the rate, per recipient.",
    )
    @action(detail=False, url_path="order-deadlines")
    def order_deadlines(self, request, format=None):
        return self.answer(order_reports.deadlines(request.user, self.filters()))

    def _tables_order_deadlines(self, data):
        columns = [
            *self._recipient_columns(),
            Column("links", _("links"), "int"),
            Column("due", pgettext("order report", "due"), "int"),
            Column("executed", pgettext("order report", "executed"), "int"),
            Column(
                "executed_on_time", pgettext("order report", "executed within the deadline"), "int"
            ),
            Column(
                "within_deadline_rate", pgettext("order report", "within the deadline"), "percent"
            ),
        ]
        total = {"recipient": None, "label": _("total"), **data["total"]}
        return [
            Table(
                pgettext("order report", "order deadlines"), columns, [*data["recipients"], total]
            )
        ]

    @report_schema(
        s.ExecutionTimeSerializer,
        {
            "filters": MARCH,
            "total": {"links": 3, "median_hours": 10.0, "p90_hours": 26.0},
            "platforms": [
                {
                    "platform": "youtube",
                    "label": "YouTube",
                    "links": 1,
                    "median_hours": 10.0,
                    "p90_hours": 10.0,
                }
            ],
            "recipients": [],
        },  # fmt: skip
        description="Hours from an order's sending to the execution of its links (the time a "
        "check first found the content gone), for orders sent in the period: median and 90th "
        "percentile per platform and per recipient.",
    )
    @action(detail=False, url_path="order-execution-time")
    def order_execution_time(self, request, format=None):
        return self.answer(order_reports.execution_time(request.user, self.filters()))

    def _tables_order_execution_time(self, data):
        figures = [
            Column("links", pgettext("order report", "links executed"), "int"),
            Column("median_hours", _("median, hours"), "float"),
            Column("p90_hours", _("90th percentile, hours"), "float"),
        ]
        total = {"platform": "", "label": _("total"), **data["total"]}
        return [
            Table(
                pgettext("order report", "by platform"),
                [Column("platform", _("platform")), Column("label", _("name")), *figures],
                [*data["platforms"], total],
            ),
            Table(
                pgettext("order report", "by recipient"),
                [*self._recipient_columns(), *figures],
                data["recipients"],
            ),
        ]

    @report_schema(
        s.OverdueSerializer,
        {
            "filters": {},
            "order_links": 2,
            "orders": 1,
            "recipients": [
                {
                    "recipient": 1,
                    "label": "Ministry of Information",
                    "kind": "ministry",
                    "order_links": 2,
                    "orders": 1,
                    "oldest_deadline": "2025-03-02T10:00:00+05:00",
                }
            ],
        },  # fmt: skip
        description="Pending links of orders with their recipient past the deadline now, per "
        "recipient (the period does not apply).",
    )
    @action(detail=False, url_path="orders-overdue")
    def orders_overdue(self, request, format=None):
        return self.answer(order_reports.overdue(request.user, self.filters()))

    def _tables_orders_overdue(self, data):
        columns = [
            *self._recipient_columns(),
            Column("order_links", pgettext("order report", "overdue links"), "int"),
            Column("orders", pgettext("order report", "orders"), "int"),
            Column("oldest_deadline", pgettext("order report", "oldest deadline")),
        ]
        total = {"recipient": None, "label": _("total"), "order_links": data["order_links"],
                 "orders": data["orders"]}  # fmt: skip
        rows = [
            {**row, "oldest_deadline": timezone.localtime(row["oldest_deadline"]).isoformat()}
            for row in data["recipients"]
        ]
        return [Table(pgettext("order report", "overdue orders"), columns, [*rows, total])]
