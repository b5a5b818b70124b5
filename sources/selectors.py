"""Reads of watched sources shared by the API, the admin and the portal: what each user sees,
and the statistics of a source (sums over its watches and items, never counters kept beside
them)."""

from datetime import timedelta

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from sources.models import Source, SourceItem, SourceWatch


def sources_for(user) -> QuerySet[Source]:
    """The sources the user may read (sources.access), newest first."""
    return Source.objects.restrict(user, "view").select_related(
        "agency", "organization", "created_by", "channel_link"
    )


def items_for(user, source: Source | None = None) -> QuerySet[SourceItem]:
    """The items of the sources the user may read (of one source when given), newest first."""
    queryset = SourceItem.objects.restrict(user, "view").select_related("link", "material")
    return queryset.filter(source=source) if source is not None else queryset


def watches_for(user, source: Source | None = None) -> QuerySet[SourceWatch]:
    queryset = SourceWatch.objects.restrict(user, "view")
    return queryset.filter(source=source) if source is not None else queryset


def _watch_total(expression):
    totals = (
        SourceWatch.objects.filter(source=OuterRef("pk"))
        .order_by()
        .values("source")
        .annotate(total=expression)
        .values("total")
    )
    return Coalesce(Subquery(totals), 0)


def with_stats(queryset: QuerySet[Source]) -> QuerySet[Source]:
    """Each source with its totals over every watch: watches, found, new, repeats, matched,
    views of new items, and when it last found something new (one subquery each: no join
    multiplies another)."""
    last_new = (
        SourceItem.objects.filter(source=OuterRef("pk"))
        .order_by("-first_seen_at")
        .values("first_seen_at")[:1]
    )
    return queryset.annotate(
        watch_count=_watch_total(Count("id")),
        found_total=_watch_total(Sum("found")),
        new_total=_watch_total(Sum("new")),
        repeat_total=_watch_total(Sum("repeats")),
        matched_total=_watch_total(Sum("matched")),
        views_total=_watch_total(Sum("views")),
        last_new_at=Subquery(last_new),
    )


def stats(source: Source) -> dict:
    """A source's totals (with_stats) as a dict, one query."""
    row = with_stats(Source.objects.filter(pk=source.pk)).values(
        "watch_count",
        "found_total",
        "new_total",
        "repeat_total",
        "matched_total",
        "views_total",
        "last_new_at",
    )
    return dict(row.get())


def posts_per_day(source: Source, days: int = 30) -> list[tuple]:
    """[(local date, new items, matched items)] of the last `days` days, oldest first, by the
    day an item was first seen (its publication time may be missing or made up)."""
    since = timezone.localtime() - timedelta(days=days)
    rows = (
        SourceItem.objects.filter(source=source, first_seen_at__gte=since)
        .annotate(day=TruncDate("first_seen_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(new=Count("id"), matched=Count("id", filter=~Q(match_kind="")))
        .order_by("day")
    )
    return [(row["day"], row["new"], row["matched"]) for row in rows]


def most_active(user, days: int = 7, limit: int = 10) -> QuerySet[Source]:
    """The user's sources that found the most new items in the last `days` days."""
    since = timezone.now() - timedelta(days=days)
    recent = Q(watches__started_at__gte=since)
    return (
        sources_for(user)
        .annotate(
            recent_new=Coalesce(Sum("watches__new", filter=recent), 0),
            recent_matched=Coalesce(Sum("watches__matched", filter=recent), 0),
        )
        .filter(recent_new__gt=0)
        .order_by("-recent_new", "-id")[:limit]
    )


def newest_matches(user, limit: int = 10) -> QuerySet[SourceItem]:
    """The newest items of the user's sources that matched known banned content."""
    return items_for(user).exclude(match_kind="").select_related("source")[:limit]
