"""Reads of the checks app shared by the admin, the portal, the API and reports.

Every read starts from a queryset restricted by the access policy (accounts.policy).
"""

from datetime import datetime

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from checks.models import Check, LinkStats, Notification, RepublicationGroup


def checks_for(user) -> QuerySet:
    return Check.objects.restrict(user, "view")


def stats_for(user) -> QuerySet:
    """Per-link statistics (views, republication group, schedule) of the links the user sees.

    Reports aggregate these with the link's fields, e.g.
    ``stats_for(user).filter(link__state="blocked").aggregate(Sum("views_at_blocking"))``.
    """
    return LinkStats.objects.restrict(user, "view").select_related("republication_group")


def republication_groups_for(user) -> QuerySet:
    """Republication groups with a link the user may read, with what the user may know of them
    (readable_members)."""
    return readable_members(RepublicationGroup.objects.restrict(user, "view"), user)


def readable_members(groups: QuerySet, user) -> QuerySet:
    """The groups annotated with `readable_links`, how many of their links the user may read,
    and `first_readable_link_id`, the earliest reported of those: the group's own `link_count`
    and `first_link` count and name links of any agency, confidential ones included, so that
    nothing shows them to a user. Two subqueries per group, over its few members."""
    members = LinkStats.objects.restrict(user, "view").filter(republication_group=OuterRef("pk"))
    count = members.order_by().values("republication_group").annotate(n=Count("*")).values("n")
    first = members.order_by("link__first_reported_at", "link_id").values("link_id")[:1]
    return groups.annotate(
        readable_links=Coalesce(Subquery(count), 0), first_readable_link_id=Subquery(first)
    )


def notifications_for(user, *, unread_only: bool = False) -> QuerySet:
    queryset = Notification.objects.restrict(user, "view").select_related("link")
    return queryset.filter(read_at__isnull=True) if unread_only else queryset


def view_series(
    user, link_id: int, since: datetime | None = None, until: datetime | None = None
) -> list[tuple[datetime, int]]:
    """The link's view counts over time: (checked_at, views) of each check that saw some."""
    queryset = checks_for(user).filter(link_id=link_id, views__isnull=False)
    if since is not None:
        queryset = queryset.filter(checked_at__gte=since)
    if until is not None:
        queryset = queryset.filter(checked_at__lte=until)
    return list(queryset.order_by("checked_at", "id").values_list("checked_at", "views"))
