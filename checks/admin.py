"""The checks app in the admin: read-only, through the access policy like every other admin."""

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from checks.models import Check, LinkStats, Notification, RepublicationGroup
from checks.selectors import readable_members
from registry.admin import ShowsLinksAdmin
from registry.models import Link
from utilities.admin import ReadOnlyAdmin


@admin.register(Check)
class CheckAdmin(ShowsLinksAdmin, ReadOnlyAdmin):
    list_display = [
        "link", "checked_at", "trigger", "scheme", "status_code", "available", "views", "error",
    ]  # fmt: skip
    list_filter = ["trigger", "available", "http_fallback", "error"]
    date_hierarchy = "checked_at"
    raw_id_fields = ["link"]
    search_fields = ["url", "final_url", "title", "content_sha256"]
    list_select_related = ["link"]


@admin.register(LinkStats)
class LinkStatsAdmin(ShowsLinksAdmin, ReadOnlyAdmin):
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
    """Counts and first publication over the links the user may read (checks.selectors): the
    group's own `link_count` and `first_link` are never shown."""

    list_display = ["content_sha256", "first_readable_link", "readable_links", "created_at"]
    fields = ["content_sha256", "first_readable_link", "readable_links", "created_at"]
    search_fields = ["content_sha256"]

    def get_queryset(self, request):
        groups = readable_members(super().get_queryset(request), request.user)
        first = Link.objects.filter(pk=OuterRef("first_readable_link_id")).values("url")[:1]
        return groups.annotate(first_readable_url=Subquery(first))

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.display(description=_("first publication"), ordering="first_readable_link_id")
    def first_readable_link(self, group):
        if group.first_readable_link_id is None:
            return "—"
        url = reverse("admin:registry_link_change", args=[group.first_readable_link_id])
        return format_html('<a href="{}">{}</a>', url, group.first_readable_url)

    @admin.display(description=_("links"), ordering="readable_links")
    def readable_links(self, group):
        return group.readable_links


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "agency", "user", "message", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["link", "user", "agency"]
