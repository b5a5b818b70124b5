"""Statistics of watched sources for the portal (issue 16: "per source, posts per day, new vs
repeats, matched, views; the dashboard shows the most active sources and the newest matches").

Every function starts from what the user may read (sources.selectors, through the one access
policy) and costs a fixed number of queries, whatever the number of sources, items, watches or
days: counts are sums over SourceWatch and SourceItem rows (never counters kept beside them),
each a correlated subquery or one GROUP BY, so no join multiplies another.

The words used on the pages:
- a **post** is an item a source found for the first time (a SourceItem, counted on the local
  day it was first seen: a platform's publication time may be missing or made up);
- a **repeat** is an item a watch found again (SourceWatch.repeats, on the day of the watch);
- **matched** posts re-use known banned content (a material's copy or a confirmed link);
- **views** are the latest view counts the source showed for its posts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import (
    Count,
    Exists,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone

from registry.models import Link
from sources import selectors
from sources.models import Source, SourceItem, SourceWatch

# "Posts per day" on the list and the dashboard: the mean over this many days.
ACTIVITY_DAYS = 7
# The chart of a source's page: this many days, today included.
CHART_DAYS = 30


def failure_label(code: str) -> str:
    """A recorded failure code in the reader's language: a parser's (sources.parsers), a
    fetch's (checks.choices.FetchError), or the code itself when neither knows it."""
    from checks.choices import FetchError
    from sources.parsers import FailureCode

    code = (code or "").strip()
    if code in FailureCode.values:
        return str(FailureCode(code).label)
    if code in FetchError.values:
        return str(FetchError(code).label)
    return code


def _sum_of_watches(field: str, since: datetime | None = None):
    watches = SourceWatch.objects.filter(source=OuterRef("pk"))
    if since is not None:
        watches = watches.filter(started_at__gte=since)
    total = watches.order_by().values("source").annotate(total=Sum(field)).values("total")
    return Coalesce(Subquery(total, output_field=IntegerField()), 0)


def _count_of_items(**filters):
    items = SourceItem.objects.filter(source=OuterRef("pk"), **filters)
    total = items.order_by().values("source").annotate(total=Count("id")).values("total")
    return Coalesce(Subquery(total, output_field=IntegerField()), 0)


def with_activity(
    queryset: QuerySet[Source], *, days: int = ACTIVITY_DAYS, now: datetime | None = None
) -> QuerySet[Source]:
    """Each source with `recent_posts` (posts first seen in the last `days` days),
    `posts_per_day` (their mean per day), `recent_matched`, `post_count` and `matched_count`
    (all time): one subquery each, the page's rows in one query."""
    since = (now or timezone.now()) - timedelta(days=days)
    return queryset.annotate(
        recent_posts=_count_of_items(first_seen_at__gte=since),
        recent_matched=_count_of_items(first_seen_at__gte=since, match_kind__gt=""),
        post_count=_count_of_items(),
        matched_count=_count_of_items(match_kind__gt=""),
    ).annotate(
        posts_per_day=Cast("recent_posts", FloatField()) / Value(float(days)),
    )


ACTIVITY_FIELDS = ("recent_posts", "recent_matched", "post_count", "matched_count", "posts_per_day")


def activity(sources, *, days: int = ACTIVITY_DAYS, now: datetime | None = None) -> None:
    """Set with_activity's figures on these sources (a page of a list the caller read through
    the policy), in one query: computed for the page's rows only, never for every row a sort
    would have to look at."""
    sources = list(sources)
    rows = {
        row["pk"]: row
        for row in with_activity(
            Source.objects.filter(pk__in=[source.pk for source in sources]), days=days, now=now
        ).values("pk", *ACTIVITY_FIELDS)
    }
    for source in sources:
        row = rows.get(source.pk, {})
        for name in ACTIVITY_FIELDS:
            setattr(source, name, row.get(name, 0))


@dataclass(frozen=True)
class Summary:
    """A source's totals over all its watches and posts."""

    watches: int
    failed_watches: int
    found: int
    posts: int
    repeats: int
    matched: int
    views: int
    last_post_at: datetime | None


def summary(source: Source) -> Summary:
    """The totals of one source the caller already read through the policy (two queries)."""
    watches = SourceWatch.objects.filter(source=source).aggregate(
        watches=Count("id"),
        failed=Count("id", filter=~Q(failure_code="")),
        found=Coalesce(Sum("found"), 0),
        repeats=Coalesce(Sum("repeats"), 0),
    )
    items = SourceItem.objects.filter(source=source).aggregate(
        posts=Count("id"),
        matched=Count("id", filter=~Q(match_kind="")),
        views=Coalesce(Sum("views"), 0),
        last=Max("first_seen_at"),
    )
    return Summary(
        watches=watches["watches"],
        failed_watches=watches["failed"],
        found=watches["found"],
        posts=items["posts"],
        repeats=watches["repeats"],
        matched=items["matched"],
        views=items["views"],
        last_post_at=items["last"],
    )


@dataclass(frozen=True)
class Day:
    day: date
    posts: int
    repeats: int
    matched: int
    views: int
    watches: int
    failures: int


def daily(source: Source, *, days: int = CHART_DAYS, today: date | None = None) -> list[Day]:
    """One row per local day of the last `days` days (today included, oldest first, days
    without activity as zeros): posts first seen, repeats found, matched posts, views of the
    day's posts, watches and failed watches. Two queries."""
    zone = timezone.get_current_timezone()
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    items = {
        row["day"]: row
        for row in SourceItem.objects.filter(source=source, first_seen_at__gte=since)
        .annotate(day=TruncDate("first_seen_at", tzinfo=zone))
        .values("day")
        .annotate(
            posts=Count("id"),
            matched=Count("id", filter=~Q(match_kind="")),
            views=Coalesce(Sum("views"), 0),
        )
        .order_by()
    }
    watches = {
        row["day"]: row
        for row in SourceWatch.objects.filter(source=source, started_at__gte=since)
        .annotate(day=TruncDate("started_at", tzinfo=zone))
        .values("day")
        .annotate(
            repeats=Coalesce(Sum("repeats"), 0),
            watches=Count("id"),
            failures=Count("id", filter=~Q(failure_code="")),
        )
        .order_by()
    }
    rows = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        item, watch = items.get(day, {}), watches.get(day, {})
        rows.append(
            Day(
                day=day,
                posts=item.get("posts", 0),
                repeats=watch.get("repeats", 0),
                matched=item.get("matched", 0),
                views=item.get("views", 0),
                watches=watch.get("watches", 0),
                failures=watch.get("failures", 0),
            )
        )
    return rows


def with_link_access(queryset: QuerySet[SourceItem], user) -> QuerySet[SourceItem]:
    """Items with `link_readable`: whether the user may read the item's link in the registry
    (a link another agency marked confidential is listed without its address)."""
    readable = Link.objects.restrict(user, "view").filter(pk=OuterRef("link_id"))
    return queryset.annotate(link_readable=Exists(readable))


def most_active(
    user, *, days: int = ACTIVITY_DAYS, limit: int = 8, now: datetime | None = None
) -> list[Source]:
    """The user's sources with the most posts first seen in the last `days` days (those with
    none left out), with their activity (with_activity). One query."""
    return list(
        with_activity(selectors.sources_for(user), days=days, now=now)
        .filter(recent_posts__gt=0)
        .order_by("-recent_posts", "-id")[:limit]
    )


def newest_matches(user, *, limit: int = 8) -> list[SourceItem]:
    """The newest posts of the user's sources that matched known banned content, with their
    source, material and whether the user may read their link. One query."""
    items = (
        selectors.items_for(user)
        .exclude(match_kind="")
        .select_related("source", "material", "material__organization")
        .order_by("-first_seen_at", "-id")
    )
    return list(with_link_access(items, user)[:limit])
