"""Cursor pagination for large lists: constant cost per page however deep, no COUNT(*).

A page answers `next` and `previous` URLs carrying an opaque cursor; `page_size` (up to 1000)
sets the page length. Each list names its ordering, which should match an index.
"""

from rest_framework.pagination import CursorPagination


class RecentFirstCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = ("-id",)


class LinkCursorPagination(RecentFirstCursorPagination):
    ordering = ("-first_reported_at", "-id")  # registry.Link's link_recent_idx


class CreatedCursorPagination(RecentFirstCursorPagination):
    ordering = ("-created_at", "-id")
