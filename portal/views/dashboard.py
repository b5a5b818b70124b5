"""The dashboard: the user's territory at a glance.

The figures come from reporting.services (the same numbers as the API's reports); the lists
(repeats, reappearances, my work, overdue) are reads through the access policy.
"""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from accounts.policy import Reach
from checks import selectors as check_selectors
from checks.choices import NotificationKind
from portal.charts import responsive_line_chart
from portal.views.link_list import registry_query
from portal.views.orders import overdue_summary
from registry import selectors
from registry.choices import CLOSED_STATES, OPEN_STATES, LinkState, ReadChannel
from registry.models import Link, Report
from reporting import services as reporting
from reporting.common import UNDISCLOSED
from reporting.filters import ReportFilters

LIST_LENGTH = 8
FORMATS = ("docx", "pdf", "xlsx")  # the yearly UN summary's downloads
TREND_WEEKS = 12


def _scope_description(user, scope) -> dict:
    """What the user's scope is, in words, for the page header."""
    agency = user.agency
    if scope.reach == Reach.COUNTRY:
        reach = _("the whole country")
    elif scope.reach == Reach.REGION:
        region = agency.region if agency is not None else None
        reach = _("the region %(region)s") % {"region": region} if region else _("your region")
    elif scope.reach == Reach.AGENCY:
        reach = _("the records of %(agency)s") % {"agency": agency}
    else:
        reach = ""
    return {"reach": scope.reach, "text": reach, "agency": agency}


def _trend_chart(user, today):
    series = reporting.time_series(
        user,
        ReportFilters(date_from=today - timedelta(weeks=TREND_WEEKS - 1), date_to=today),
        bucket="week",
    )
    return responsive_line_chart(
        [row["period"] for row in series],
        [
            (_("registered"), [row["registered"] for row in series]),
            (_("repeats"), [row["repeats"] for row in series]),
            (_("blocked"), [row["blocked"] for row in series]),
            (_("removed"), [row["removed"] for row in series]),
        ],
        x_label=lambda day: day.strftime("%d.%m"),
        partial=_("week so far"),  # the last week is the current one
    )


def _un_summary_downloads(today) -> list[dict]:
    """The yearly UN summary of this year and the last, as the API serves it (the same report
    and policy; the session authenticates the download)."""
    url = reverse("api:reports-yearly-summary")
    return [
        {"year": year, "files": {fmt: f"{url}?year={year}&format={fmt}" for fmt in FORMATS}}
        for year in (today.year - 1, today.year)
    ]


def _figure_urls(week_ago) -> dict:
    """The registry list each figure of the dashboard counts, with the exact filters: the
    list shows as many links as the figure says (tests/portal/test_dashboard_figures.py)."""
    since = week_ago.isoformat()
    entered = {
        state: registry_query(entered=state) for state in ("confirmed", "blocked", "removed",
                                                           "reappeared")
    }  # fmt: skip
    return {
        "registered": registry_query(),
        "pending": registry_query(state=OPEN_STATES),
        "ever": entered,
        "week": {
            "registered": registry_query(reported_after=since),
            **{
                state: registry_query(entered=state, entered_after=since)
                for state in ("confirmed", "blocked", "removed")
            },
        },
    }


def _links_only(rows: list[dict]) -> list[dict]:
    return [row for row in rows if row["key"] != UNDISCLOSED]


def _capped(queryset, cap: int = 100) -> int:
    return queryset[: cap + 1].count()


def _sources_part(user) -> dict:
    """The most active watched sources and the newest matches, of the sources the user may
    read (sources.stats: two queries); nothing for those who read no source."""
    from sources import stats
    from sources.models import Source

    if not policy.can(user, "view", model=Source):
        return {}
    return {
        "sees_sources": True,
        "active_sources": stats.most_active(user, limit=LIST_LENGTH),
        "newest_matches": stats.newest_matches(user, limit=LIST_LENGTH),
        "activity_days": stats.ACTIVITY_DAYS,
    }


@login_required
def home(request):
    user = request.user
    scope = policy.scope_of(user)
    context = {"scope": _scope_description(user, scope), "sees_cases": False}
    if scope.reach == Reach.NONE or not policy.can(user, "view", model=Link):
        return render(request, "portal/home.html", context)

    today = timezone.localdate()
    week_ago = today - timedelta(days=6)
    totals = reporting.summary(user, ReportFilters())
    this_week = reporting.summary(user, ReportFilters(date_from=week_ago, date_to=today))
    # Links per state and platform: repeats of links the user may not read count under no
    # state or platform (reporting.services), and hold no link, so they have no row here.
    by_state = _links_only(reporting.breakdown(user, ReportFilters(), "state"))
    by_platform = _links_only(reporting.breakdown(user, ReportFilters(), "platform"))[:6]
    state_peak = max((row["links"] for row in by_state), default=0)

    links = selectors.links_for(user)
    open_links = links.exclude(state__in=CLOSED_STATES)
    mine = open_links.filter(assigned_user=user)
    overdue = open_links.filter(due_date__lt=today)
    reappeared = links.filter(state=LinkState.REAPPEARED)
    repeats = (
        Report.objects.restrict(user, "view")
        .filter(is_repeat=True, withdrawn_at__isnull=True)
        .select_related("agency", "link")
        .order_by("-submitted_at", "-id")
    )
    # The three lists are what the page shows of the links: their confidential rows are read.
    shown = {
        "reappeared": list(reappeared.order_by("-state_changed_at", "-id")[:LIST_LENGTH]),
        "mine": list(mine.order_by(F("due_date").asc(nulls_last=True), "-id")[:LIST_LENGTH]),
        "overdue": list(overdue.order_by("due_date", "id")[:LIST_LENGTH]),
    }
    selectors.read_links(user, [link for rows in shown.values() for link in rows], ReadChannel.LIST)
    yesterday = (today - timedelta(days=1)).isoformat()
    context.update(_sources_part(user))
    context.update(
        {
            "sees_cases": True,
            **shown,
            "totals": totals,
            "this_week": this_week,
            "week_from": week_ago,
            "by_state": by_state,
            "state_peak": state_peak or 1,
            "by_platform": by_platform,
            "trend": _trend_chart(user, today),
            "trend_weeks": TREND_WEEKS,
            "repeats": list(repeats[:LIST_LENGTH]),
            "reappeared_count": _capped(reappeared),
            "reappearance_notes": _capped(
                check_selectors.notifications_for(user, unread_only=True).filter(
                    kind=NotificationKind.REAPPEARED
                )
            ),
            "mine_count": _capped(mine),
            "overdue_count": _capped(overdue),
            "overdue_orders": overdue_summary(user),
            "today": today,
            "figures": _figure_urls(week_ago),
            "un_summary": _un_summary_downloads(today),
            "open_states": registry_query(state=OPEN_STATES).split("?", 1)[1],
            "urls": {
                "reappeared": registry_query(state=LinkState.REAPPEARED, sort="-changed"),
                "overdue": registry_query(state=OPEN_STATES, due_before=yesterday, sort="due"),
                "new": registry_query(reported_after=week_ago.isoformat()),
            },
        }
    )
    return render(request, "portal/home.html", context)
