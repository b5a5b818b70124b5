"""Paginators for large lists, none of which counts a million rows on every page.

- :class:`CappedPaginator` (portal pages and admin changelists): numbered pages whose count
  stops at COUNT_CAP; past the cap, filters and search narrow the list.
- Cursor paginations (API lists): constant cost per page however deep, no COUNT(*). A page
  answers `next` and `previous` URLs carrying an opaque cursor; `page_size` (up to 1000) sets
  the page length. Each list names its ordering, which should match an index.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import CursorPagination

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts at most `cap` + 1 rows (COUNT_CAP unless given): a COUNT(*) over a million links
    on every page load is what makes lists slow."""

    def __init__(self, *args, cap: int = COUNT_CAP, **kwargs):
        super().__init__(*args, **kwargs)
        self.cap = cap

    @cached_property
    def count(self):
        # Unordered: the database stops at the cap whatever the list's sort.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        """More rows than the count shows."""
        return self.count > self.cap


class RecentFirstCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = ("-id",)


class LinkCursorPagination(RecentFirstCursorPagination):
    ordering = ("-first_reported_at", "-id")  # registry.Link's link_recent_idx


class CreatedCursorPagination(RecentFirstCursorPagination):
    ordering = ("-created_at", "-id")
