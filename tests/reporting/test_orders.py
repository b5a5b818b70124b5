"""The reports on blocking orders (reporting.orders, /api/v1/reports/orders-*): every figure
against an oracle computed in Python from the orders themselves, for readers of the whole
country and of one region, and a few against figures worked out by hand.

The orders (NOW is fixed; hours after sending):

  O1 central office → Ministry, sent NOW-72h: L1 youtube executed +5h (on time), L2 telegram
     executed +30h (late), L3 web pending (overdue)
  O2 KZ-75 office → YouTube rep, sent NOW-48h: L4 youtube executed +10h, L5 web revoked
  O3 KZ-71 office → Ministry, draft: L6
  O4 KZ-71 office → Ministry, sent NOW-10h (deadline not yet come): L7 web executed +2h,
     L8 web pending (not overdue)
  O5 KZ-75 office → Ministry, repeated submission of O1's L3, sent NOW-30h: L3 pending (overdue)
"""

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.choices import AgencyKind, Role
from orders.choices import OPEN_ORDER_STATES, OrderKind, OrderLinkState, OrderState, RecipientKind
from orders.models import Order, OrderLink, Recipient
from registry.choices import LinkState
from reporting import orders as reports
from reporting.filters import ReportFilters
from tests.factories import AgencyFactory, UserFactory, region
from tests.registry.factories import LinkFactory

NOW = timezone.make_aware(dt.datetime(2026, 3, 20, 12, 0))
H = dt.timedelta(hours=1)


@pytest.fixture
def world(db, central_agency, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    office75 = AgencyFactory(kind=AgencyKind.PROSECUTOR, region=region("KZ-75"))
    office71 = AgencyFactory(kind=AgencyKind.PROSECUTOR, region=region("KZ-71"))
    police75 = AgencyFactory(kind=AgencyKind.POLICE, region=region("KZ-75"))
    u = SimpleNamespace(
        central=UserFactory(agency=central_agency, roles=[Role.PROSECUTOR]),
        regional=UserFactory(agency=office75, roles=[Role.PROSECUTOR]),
        prosecutor71=UserFactory(agency=office71, roles=[Role.PROSECUTOR]),
        central_analyst=UserFactory(agency=central_agency, roles=[Role.ANALYST]),
        analyst75=UserFactory(agency=police75, roles=[Role.ANALYST]),
        auditor=UserFactory(agency=central_agency, roles=[Role.AUDITOR]),
        admin=UserFactory(agency=central_agency, roles=[Role.ADMIN]),
        officer=UserFactory(agency=police75, roles=[Role.OFFICER]),
    )
    ministry = Recipient.objects.create(
        name_ru="Министерство информации", kind=RecipientKind.MINISTRY, deadline_hours=24
    )
    youtube = Recipient.objects.create(
        name_ru="Представитель YouTube",
        kind=RecipientKind.PLATFORM_REPRESENTATIVE,
        deadline_hours=24,
    )
    links = {
        name: LinkFactory(raw_url=url, first_reported_by=u.officer, state=LinkState.CONFIRMED)
        for name, url in (
            ("L1", "https://youtu.be/aaaaaaaaaa1"),
            ("L2", "https://t.me/chan/2"),
            ("L3", "https://a.example/3"),
            ("L4", "https://youtu.be/aaaaaaaaaa4"),
            ("L5", "https://a.example/5"),
            ("L6", "https://a.example/6"),
            ("L7", "https://a.example/7"),
            ("L8", "https://a.example/8"),
        )
    }
    numbers = iter(range(1, 100))

    def order(user, recipient, sent_hours_ago, entries, *, state=OrderState.SENT, **fields):
        sent_at = NOW - sent_hours_ago * H if sent_hours_ago is not None else None
        made = Order.objects.create(
            number=f"ПР-2026/{next(numbers):06d}",
            date=timezone.localdate(sent_at or NOW),
            state=state,
            recipient=recipient,
            agency=user.agency,
            issued_by=user,
            signatory=None if state == OrderState.DRAFT else user,
            law_article="ст. 41-1",
            sent_at=sent_at,
            **fields,
        )
        for name, executed_after, link_state in entries:
            OrderLink.objects.create(
                order=made,
                link=links[name],
                state=link_state,
                deadline_at=sent_at + recipient.deadline_hours * H if sent_at else None,
                executed_at=sent_at + executed_after * H if executed_after is not None else None,
                revoked_at=NOW - H if link_state == OrderLinkState.REVOKED else None,
            )
        return made

    E, P, R = OrderLinkState.EXECUTED, OrderLinkState.PENDING, OrderLinkState.REVOKED
    o1 = order(u.central, ministry, 72, [("L1", 5, E), ("L2", 30, E), ("L3", None, P)],
               state=OrderState.PARTLY_EXECUTED)  # fmt: skip
    order(u.regional, youtube, 48, [("L4", 10, E), ("L5", None, R)], state=OrderState.EXECUTED)
    order(u.prosecutor71, ministry, None, [("L6", None, P)], state=OrderState.DRAFT)
    order(u.prosecutor71, ministry, 10, [("L7", 2, E), ("L8", None, P)])
    order(u.regional, ministry, 30, [("L3", None, P)], kind=OrderKind.REPEATED, parent=o1)
    return SimpleNamespace(users=u, ministry=ministry, youtube=youtube, links=links)


# --- the oracle ----------------------------------------------------------------------------------
def visible(user, order: Order) -> bool:
    """docs/design.md §5.1 for orders: central offices and auditors everything, a regional
    prosecutor or analyst their region's offices' orders, administrators nothing."""
    if user.has_role(Role.ADMIN) and not user.has_role(Role.PROSECUTOR, Role.AUDITOR):
        return False
    if user.agency.region_id is None:
        return True
    return order.agency.region_id == user.agency.region_id


def sent_in(order, f: ReportFilters) -> bool:
    if order.sent_at is None:
        return False
    day = timezone.localdate(order.sent_at)
    return (f.date_from is None or day >= f.date_from) and (f.date_to is None or day <= f.date_to)


def clocked_links(user, f: ReportFilters, *, in_period=True):
    return [
        ol
        for ol in OrderLink.objects.select_related("order__agency", "link")
        if visible(user, ol.order)
        and ol.order.kind in (OrderKind.BLOCKING, OrderKind.REPEATED)
        and ol.order.sent_at is not None
        and (not in_period or sent_in(ol.order, f))
    ]


def percentile(values, q):
    """PostgreSQL's percentile_cont: linear interpolation between the closest ranks."""
    if not values:
        return None
    values = sorted(values)
    position = q * (len(values) - 1)
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return round(values[low] + (values[high] - values[low]) * (position - low), 2)


def oracle_by_recipient(user, f):
    rows = {}
    for order in Order.objects.select_related("agency"):
        if not visible(user, order):
            continue
        if f.date_from and order.date < f.date_from or f.date_to and order.date > f.date_to:
            continue
        row = rows.setdefault(order.recipient_id, dict.fromkeys(OrderState.values, 0))
        row[order.state] += 1
    return {pk: {**counts, "total": sum(counts.values())} for pk, counts in rows.items()}


def oracle_deadlines(user, f):
    rows = {}
    for ol in clocked_links(user, f):
        if ol.state == OrderLinkState.REVOKED:
            continue
        row = rows.setdefault(
            ol.order.recipient_id, {"links": 0, "due": 0, "executed": 0, "executed_on_time": 0}
        )
        row["links"] += 1
        row["due"] += ol.executed_at is not None or ol.deadline_at <= NOW
        row["executed"] += ol.executed_at is not None
        row["executed_on_time"] += ol.executed_at is not None and ol.executed_at <= ol.deadline_at
    return rows


def oracle_execution(user, f, key):
    hours = {}
    for ol in clocked_links(user, f):
        if ol.executed_at is None:
            continue
        name = key(ol)
        hours.setdefault(name, []).append((ol.executed_at - ol.order.sent_at) / H)
    return {
        name: {
            "links": len(values),
            "median_hours": percentile(values, 0.5),
            "p90_hours": percentile(values, 0.9),
        }
        for name, values in hours.items()
    }


def oracle_overdue(user, f):
    rows = {}
    for ol in clocked_links(user, f, in_period=False):
        if (
            ol.state == OrderLinkState.PENDING
            and ol.deadline_at < NOW
            and ol.order.state in OPEN_ORDER_STATES
        ):
            row = rows.setdefault(ol.order.recipient_id, {"order_links": 0, "orders": set()})
            row["order_links"] += 1
            row["orders"].add(ol.order_id)
    return {
        pk: {"order_links": r["order_links"], "orders": len(r["orders"])} for pk, r in rows.items()
    }


READERS = ("central", "regional", "prosecutor71", "central_analyst", "analyst75", "auditor")
PERIODS = [ReportFilters(), ReportFilters(date_from=dt.date(2026, 3, 18))]


# --- every figure against the oracle -------------------------------------------------------------
@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("f", PERIODS, ids=["all time", "from March 18"])
def test_reports_agree_with_the_oracle(world, reader, f):
    user = getattr(world.users, reader)

    by_recipient = {
        row["recipient"]: {k: row[k] for k in (*OrderState.values, "total")}
        for row in reports.orders_by_recipient(user, f)
    }
    assert by_recipient == oracle_by_recipient(user, f)

    deadlines = reports.deadlines(user, f)
    assert {
        row["recipient"]: {k: row[k] for k in ("links", "due", "executed", "executed_on_time")}
        for row in deadlines["recipients"]
    } == oracle_deadlines(user, f)

    execution = reports.execution_time(user, f)
    by_platform = oracle_execution(user, f, lambda ol: ol.link.platform)
    assert {
        row["platform"]: {k: row[k] for k in ("links", "median_hours", "p90_hours")}
        for row in execution["platforms"]
    } == by_platform
    assert {
        row["recipient"]: {k: row[k] for k in ("links", "median_hours", "p90_hours")}
        for row in execution["recipients"]
    } == oracle_execution(user, f, lambda ol: ol.order.recipient_id)
    total = oracle_execution(user, f, lambda ol: None).get(None)
    assert execution["total"] == (total or {"links": 0, "median_hours": None, "p90_hours": None})

    overdue = reports.overdue(user, f)
    assert {
        row["recipient"]: {"order_links": row["order_links"], "orders": row["orders"]}
        for row in overdue["recipients"]
    } == oracle_overdue(user, f)


# --- figures worked out by hand -----------------------------------------------------------------
def test_central_prosecutor_sees_the_whole_country(world):
    user, f = world.users.central, ReportFilters()
    ministry = next(
        r for r in reports.orders_by_recipient(user, f) if r["recipient"] == world.ministry.pk
    )
    assert (ministry["total"], ministry["draft"], ministry["sent"]) == (4, 1, 2)
    assert ministry["partly_executed"] == 1
    # Due: L1 (on time), L2 (late), L3 in O1 and in O5 (overdue), L4 (on time); L7 and L8 of O4
    # not yet due but L7 executed (on time), L5 revoked.
    assert reports.deadlines(user, f)["total"] == {
        "links": 7,
        "due": 6,
        "executed": 4,
        "executed_on_time": 3,
        "within_deadline_rate": 0.5,
    }
    execution = reports.execution_time(user, f)
    assert execution["total"] == {"links": 4, "median_hours": 7.5, "p90_hours": 24.0}
    youtube = next(row for row in execution["platforms"] if row["platform"] == "youtube")
    assert youtube == {
        "platform": "youtube",
        "label": "YouTube",
        "links": 2,
        "median_hours": 7.5,
        "p90_hours": 9.5,
    }
    # O1 is closed (partly executed): its pending L3 is no longer on the clock; O5's is.
    overdue = reports.overdue(user, f)
    assert (overdue["order_links"], overdue["orders"]) == (1, 1)
    assert overdue["recipients"][0]["oldest_deadline"] == NOW - 6 * H


def test_regional_prosecutor_sees_only_their_regions_orders(world):
    user, f = world.users.regional, ReportFilters()
    assert {row["recipient"]: row["total"] for row in reports.orders_by_recipient(user, f)} == {
        world.youtube.pk: 1,
        world.ministry.pk: 1,
    }
    assert reports.deadlines(user, f)["total"]["within_deadline_rate"] == 0.5  # L4 yes, L3 no
    assert reports.overdue(user, f)["order_links"] == 1  # L3 of the repeated submission only


def test_administrator_counts_nothing_and_the_api_refuses_them(world, client_for):
    assert reports.orders_by_recipient(world.users.admin, ReportFilters()) == []
    assert client_for(world.users.admin).get("/api/v1/reports/orders-overdue/").status_code == 403


def test_link_dimensions_other_than_platform_are_refused(world, client_for):
    response = client_for(world.users.central).get(
        "/api/v1/reports/order-deadlines/", {"classification": "extremist"}
    )
    assert response.status_code == 400
    assert response.json()["field"] == "classification"


def test_platform_narrows_to_links_on_it(world):
    f = ReportFilters(platform="youtube")
    assert reports.deadlines(world.users.central, f)["total"]["links"] == 2
    assert reports.execution_time(world.users.central, f)["total"]["links"] == 2


# --- over HTTP: JSON, CSV, XLSX -------------------------------------------------------------------
@pytest.mark.parametrize(
    "endpoint", ["orders-by-recipient", "order-deadlines", "order-execution-time", "orders-overdue"]
)
def test_endpoints_answer_json_csv_and_xlsx(world, client_for, endpoint):
    client = client_for(world.users.central)
    url = f"/api/v1/reports/{endpoint}/"
    data = client.get(url).json()
    assert data["filters"] == {}
    csv = client.get(url, {"format": "csv"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "Министерство информации" in csv.content.decode("utf-8-sig")
    xlsx = client.get(url, {"format": "xlsx"})
    assert xlsx.status_code == 200
    workbook = load_workbook(io.BytesIO(xlsx.content))
    cells = [c for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row]
    assert "Министерство информации" in cells
    index = client.get("/api/v1/reports/").json()
    assert endpoint in index
