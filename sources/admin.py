"""Watched sources in the admin: read through the access policy, URLs shown defanged (inert
text, never a live link: docs/design.md §5.3), history read-only. Sources are added and edited
through sources.services (the portal and the API); here prosecutors and the agency's people
may only pause or resume the ones the policy lets them change. Items and watches are the
watcher's records: read-only."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts import policy
from kibernadzor.errors import DomainError
from sources import services
from sources.models import Source, SourceItem, SourceWatch
from utilities.admin import ReadOnlyAdmin
from utilities.defang import defang, defang_text


@admin.register(Source)
class SourceAdmin(ReadOnlyAdmin):
    list_display = [
        "shown_url", "kind", "title", "agency", "organization", "state", "last_watched_at",
        "last_error_code", "consecutive_failures", "is_demo",
    ]  # fmt: skip
    list_filter = ["state", "kind", "is_demo"]
    search_fields = ["url", "title", "agency__code"]
    list_select_related = ["agency", "organization"]
    fields = [
        "shown_url", "kind", "shown_watch_url", "pattern", "title", "agency", "organization",
        "presence", "channel_link", "created_by", "created_at", "interval_minutes", "state",
        "next_watch_at", "last_watched_at", "last_error_code", "shown_error", "last_error_at",
        "consecutive_failures", "is_demo",
    ]  # fmt: skip
    readonly_fields = fields
    actions = ["pause", "resume"]

    @admin.display(description=_("address"), ordering="url")
    def shown_url(self, source):
        return defang(source.url)

    @admin.display(description=_("address read"))
    def shown_watch_url(self, source):
        return defang(source.watch_url)

    @admin.display(description=_("last error detail"))
    def shown_error(self, source):
        return defang_text(source.last_error_detail)

    def _each(self, request, queryset, service):
        done = 0
        for source in policy.restrict(queryset, request.user, "change"):
            try:
                service(source.pk, actor=request.user)
                done += 1
            except DomainError as error:
                self.message_user(
                    request, f"{defang(source.url)}: {error.message}", messages.WARNING
                )
        if done:
            self.message_user(request, _("Sources changed: %(count)d.") % {"count": done})

    @admin.action(description=_("Pause the selected sources"))
    def pause(self, request, queryset):
        self._each(request, queryset, services.pause_source)

    @admin.action(description=_("Resume the selected sources"))
    def resume(self, request, queryset):
        self._each(request, queryset, services.resume_source)


@admin.register(SourceWatch)
class SourceWatchAdmin(ReadOnlyAdmin):
    list_display = [
        "source", "started_at", "pages", "found", "new", "repeats", "registered", "matched",
        "truncated", "failure_code",
    ]  # fmt: skip
    list_filter = ["failure_code", "truncated"]
    date_hierarchy = "started_at"
    raw_id_fields = ["source"]
    list_select_related = ["source"]
    exclude = ["failure_detail"]
    readonly_fields = ["shown_failure"]

    @admin.display(description=_("failure detail"))
    def shown_failure(self, watch):
        return defang_text(watch.failure_detail)


@admin.register(SourceItem)
class SourceItemAdmin(ReadOnlyAdmin):
    list_display = ["shown_url", "source", "first_seen_at", "published_at", "views", "match_kind"]
    list_filter = ["match_kind"]
    date_hierarchy = "first_seen_at"
    raw_id_fields = ["source", "link", "watch", "material", "matched_link"]
    list_select_related = ["link", "source"]
    exclude = ["media"]
    readonly_fields = ["shown_url", "shown_media"]

    @admin.display(description=_("address"))
    def shown_url(self, item):
        return defang(item.link.url)

    @admin.display(description=_("media addresses"))
    def shown_media(self, item):
        return "\n".join(defang(url) for url in item.media or [])
