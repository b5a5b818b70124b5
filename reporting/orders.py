"""Reports on blocking orders (issue 14): what orders make measurable.

- orders by recipient and state: orders dated in the period, per recipient, counted per state;
- deadlines: per recipient, the links of orders sent in the period whose deadline has come
  (`due`: executed, or past their deadline), how many were executed within it and the rate;
- time to execution: hours from the order's sending to the time a check first found the
  content gone (OrderLink.executed_at), median and 90th percentile (continuous, as
  reporting.queries.time_to_block), per platform and per recipient, for links of orders sent in
  the period;
- overdue now: pending links of orders with the recipient past their deadline, per recipient
  (the period does not apply: it is now).

Blocking and repeated submissions count (restoration notices carry no deadline); revoked links
are neither on time nor late. The filters are the reports' (reporting.filters.ReportFilters):
agency and region are those of the issuing prosecutor's office, platform that of the link;
the other link dimensions do not apply to orders and are refused.

What a user counts is what they may read (reporting.access.readable_orders: the orders policy;
an analyst, who reads reports but not orders, the orders of their territory).
tests/reporting/test_orders.py checks every figure against an oracle written in Python.
"""

from django.contrib.postgres.fields import ArrayField
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    Min,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.choices import OPEN_ORDER_STATES, OrderKind, OrderLinkState, OrderState
from orders.models import OrderLink, Recipient
from registry.choices import LinkPlatform
from reporting.access import readable_orders
from reporting.common import ratio
from reporting.filters import InvalidReportParameter, ReportFilters

CLOCKED_KINDS = (OrderKind.BLOCKING, OrderKind.REPEATED)
NOT_ORDER_DIMENSIONS = ("state", "classification", "organization", "material")


class _Percentiles(Aggregate):
    """The median and 90th percentile, interpolated (PostgreSQL percentile_cont)."""

    function = "percentile_cont"
    template = "percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = ArrayField(FloatField())


def _hours_to_execution():
    return Func(
        F("executed_at"),
        F("order__sent_at"),
        template="greatest(date_part('epoch', %(expressions)s) / 3600, 0)",
        arg_joiner=" - ",
        output_field=FloatField(),
    )


def _check(f: ReportFilters) -> None:
    for name in NOT_ORDER_DIMENSIONS:
        if getattr(f, name) is not None:
            raise InvalidReportParameter(
                _("The order reports are not narrowed by %(name)s; use agency, region, platform.")
                % {"name": name},
                field=name,
            )


def _orders(user, f: ReportFilters) -> QuerySet:
    _check(f)
    orders = readable_orders(user)
    if f.agency is not None:
        orders = orders.filter(agency_id=f.agency)
    if f.region is not None:
        orders = orders.filter(agency__region_id=f.region)
    if f.platform is not None:
        orders = orders.filter(
            Exists(OrderLink.objects.filter(order=OuterRef("pk"), link__platform=f.platform))
        )
    return orders


def _order_links(user, f: ReportFilters, *, sent_in_period: bool) -> QuerySet:
    """Links of the user's blocking and repeated orders once sent (sent in the period)."""
    orders = _orders(user, f).filter(kind__in=CLOCKED_KINDS, sent_at__isnull=False)
    if sent_in_period and f.start is not None:
        orders = orders.filter(sent_at__gte=f.start)
    if sent_in_period and f.end is not None:
        orders = orders.filter(sent_at__lt=f.end)
    links = OrderLink.objects.filter(order__in=orders.values("pk"))
    if f.platform is not None:
        links = links.filter(link__platform=f.platform)
    return links


def _recipient_labels(ids) -> dict:
    return {r.pk: (r.name, r.kind) for r in Recipient.objects.filter(pk__in=list(ids))}


def _rounded(value):
    return None if value is None else round(float(value), 2)


# --- orders by recipient and state --------------------------------------------------------------
def orders_by_recipient(user, f: ReportFilters) -> list[dict]:
    """[{recipient, label, kind, total, <each order state>: n}] for the orders dated in the
    period, sorted by total (descending), then label."""
    orders = _orders(user, f)
    if f.date_from is not None:
        orders = orders.filter(date__gte=f.date_from)
    if f.date_to is not None:
        orders = orders.filter(date__lte=f.date_to)
    rows: dict = {}
    for recipient, state, count in (
        orders.values_list("recipient", "state").annotate(n=Count("pk")).order_by()
    ):
        row = rows.setdefault(recipient, dict.fromkeys(OrderState.values, 0))
        row[state] = count
    labels = _recipient_labels(rows)
    result = [
        {
            "recipient": recipient,
            "label": labels[recipient][0],
            "kind": labels[recipient][1],
            "total": sum(counts.values()),
            **counts,
        }
        for recipient, counts in rows.items()
    ]
    result.sort(key=lambda row: (-row["total"], row["label"]))
    return result


# --- deadlines ------------------------------------------------------------------------------------
_DEADLINE_MEASURES = {
    "links": lambda now: Count("pk"),
    "due": lambda now: Count("pk", filter=Q(executed_at__isnull=False) | Q(deadline_at__lte=now)),
    "executed": lambda now: Count("pk", filter=Q(executed_at__isnull=False)),
    "executed_on_time": lambda now: Count("pk", filter=Q(executed_at__lte=F("deadline_at"))),
}


def deadlines(user, f: ReportFilters, now=None) -> dict:
    """{total, recipients: [{recipient, label, kind, links, due, executed, executed_on_time,
    within_deadline_rate}]}: links of orders sent in the period (revoked ones left out)."""
    now = now or timezone.now()
    links = _order_links(user, f, sent_in_period=True).exclude(state=OrderLinkState.REVOKED)
    measures = {name: make(now) for name, make in _DEADLINE_MEASURES.items()}
    rows = {
        row.pop("order__recipient"): row
        for row in links.values("order__recipient").annotate(**measures).order_by()
    }
    total = dict.fromkeys(measures, 0)
    for row in rows.values():
        for name in measures:
            total[name] += row[name]
    labels = _recipient_labels(rows)

    def shaped(row):
        return {**row, "within_deadline_rate": ratio(row["executed_on_time"], row["due"])}

    recipients = [
        {"recipient": pk, "label": labels[pk][0], "kind": labels[pk][1], **shaped(row)}
        for pk, row in rows.items()
    ]
    recipients.sort(key=lambda row: (-row["links"], row["label"]))
    return {"total": shaped(total), "recipients": recipients}


# --- time to execution ----------------------------------------------------------------------------
def _execution_times(links: QuerySet, key: str | None) -> dict:
    executed = links.filter(executed_at__isnull=False).annotate(hours=_hours_to_execution())
    measures = {"links": Count("pk"), "percentiles": _Percentiles("hours")}
    if key is None:
        rows = {None: executed.aggregate(**measures)}
    else:
        rows = {row.pop(key): row for row in executed.values(key).annotate(**measures).order_by()}
    result = {}
    for name, row in rows.items():
        median, p90 = row["percentiles"] or (None, None)
        result[name] = {
            "links": row["links"],
            "median_hours": _rounded(median),
            "p90_hours": _rounded(p90),
        }
    return result


def execution_time(user, f: ReportFilters) -> dict:
    """{total, platforms: [{platform, label, links, median_hours, p90_hours}], recipients:
    [{recipient, label, kind, …}]}: hours from sending to execution of the links executed, of
    orders sent in the period."""
    links = _order_links(user, f, sent_in_period=True)
    by_platform = _execution_times(links, "link__platform")
    by_recipient = _execution_times(links, "order__recipient")
    labels = _recipient_labels(by_recipient)
    platforms = [
        {"platform": platform, "label": _platform_label(platform), **row}
        for platform, row in by_platform.items()
    ]
    platforms.sort(key=lambda row: (-row["links"], row["platform"]))
    recipients = [
        {"recipient": pk, "label": labels[pk][0], "kind": labels[pk][1], **row}
        for pk, row in by_recipient.items()
    ]
    recipients.sort(key=lambda row: (-row["links"], row["label"]))
    return {
        "total": _execution_times(links, None)[None],
        "platforms": platforms,
        "recipients": recipients,
    }


def _platform_label(platform: str) -> str:
    return str(LinkPlatform(platform).label) if platform in LinkPlatform.values else platform


# --- overdue now ----------------------------------------------------------------------------------
def overdue(user, f: ReportFilters, now=None) -> dict:
    """{order_links, orders, recipients: [{recipient, label, kind, order_links, orders,
    oldest_deadline}]}: pending links of orders with the recipient past their deadline now."""
    now = now or timezone.now()
    links = _order_links(user, f, sent_in_period=False).filter(
        state=OrderLinkState.PENDING, deadline_at__lt=now, order__state__in=OPEN_ORDER_STATES
    )
    rows = {
        row.pop("order__recipient"): row
        for row in links.values("order__recipient")
        .annotate(
            order_links=Count("pk"),
            orders=Count("order", distinct=True),
            oldest_deadline=Min("deadline_at"),
        )
        .order_by()
    }
    labels = _recipient_labels(rows)
    recipients = [
        {"recipient": pk, "label": labels[pk][0], "kind": labels[pk][1], **row}
        for pk, row in rows.items()
    ]
    recipients.sort(key=lambda row: (-row["order_links"], row["label"]))
    totals = links.aggregate(order_links=Count("pk"), orders=Count("order", distinct=True))
    return {**totals, "recipients": recipients}
