"""The checks app in the admin: read-only, through the access policy like every other admin."""

from django.contrib import admin

from accounts.admin_policy import PolicyModelAdmin
from checks.models import Check, LinkStats, Notification, RepublicationGroup


class ReadOnlyAdmin(PolicyModelAdmin):
    """Rows written by the checks themselves: shown, never edited by hand."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(Check)
class CheckAdmin(ReadOnlyAdmin):
    list_display = [
        "link", "checked_at", "trigger", "scheme", "status_code", "available", "views", "error",
    ]  # fmt: skip
    list_filter = ["trigger", "available", "http_fallback", "error"]
    date_hierarchy = "checked_at"
    raw_id_fields = ["link"]
    search_fields = ["url", "final_url", "title", "content_sha256"]
    list_select_related = ["link"]


@admin.register(LinkStats)
class LinkStatsAdmin(ReadOnlyAdmin):
    list_display = [
        "link",
        "last_checked_at",
        "last_available",
        "last_views",
        "max_views",
        "views_at_detection",
        "views_at_blocking",
        "republication_group",
        "next_check_at",
    ]
    list_filter = ["last_available"]
    raw_id_fields = ["link", "republication_group"]
    list_select_related = ["link", "republication_group"]


@admin.register(RepublicationGroup)
class RepublicationGroupAdmin(ReadOnlyAdmin):
    list_display = ["content_sha256", "first_link", "link_count", "created_at"]
    raw_id_fields = ["first_link"]
    search_fields = ["content_sha256"]
    list_select_related = ["first_link"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "agency", "user", "message", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["link", "user", "agency"]
