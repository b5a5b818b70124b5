"""Reads of the organizations register shared by the admin, the API and exports."""

from django.db.models import Prefetch, QuerySet

from decisions.selectors import text_search
from organizations.models import OnlinePresence, Organization, OrganizationAlias


def organizations_for(user) -> QuerySet:
    return Organization.objects.restrict(user, "view").prefetch_related(
        Prefetch("aliases", queryset=OrganizationAlias.objects.order_by("name")),
        Prefetch("presence", queryset=OnlinePresence.objects.order_by("platform", "handle")),
        "decisions",
    )


def search_organizations(queryset: QuerySet, q: str) -> QuerySet:
    """By name in Russian, Kazakh or English, alias or abbreviation, tolerant of misspellings."""
    return text_search(queryset, q)
