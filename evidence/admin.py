"""Evidence in the admin: read-only for everyone, through the access policy."""

from django.contrib import admin

from evidence.models import Artifact, Capture, CustodyEvent
from registry.admin import ShowsLinksAdmin
from utilities.admin import ReadOnlyAdmin


@admin.register(Capture)
class CaptureAdmin(ShowsLinksAdmin, ReadOnlyAdmin):
    list_display = ["link", "reason", "state", "requested_at", "finished_at", "http_status"]
    list_filter = ["reason", "state", "is_demo"]
    date_hierarchy = "requested_at"
    raw_id_fields = ["link", "requested_by", "order"]
    search_fields = ["url", "final_url", "manifest_sha256"]
    list_select_related = ["link"]
    exclude = ["timestamp_token"]


@admin.register(Artifact)
class ArtifactAdmin(ReadOnlyAdmin):
    list_display = ["capture", "kind", "sha256", "size", "content_type", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["capture"]
    search_fields = ["sha256"]


@admin.register(CustodyEvent)
class CustodyEventAdmin(ReadOnlyAdmin):
    list_display = ["capture", "action", "user", "at", "sha256"]
    list_filter = ["action"]
    date_hierarchy = "at"
    raw_id_fields = ["capture", "user"]
    search_fields = ["sha256", "prev_sha256"]
