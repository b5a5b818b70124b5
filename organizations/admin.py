from django.contrib import admin

from accounts.admin_policy import PolicyModelAdmin
from organizations.models import OnlinePresence, Organization, OrganizationAlias
from organizations.selectors import search_organizations
from organizations.services import presence_added
from utilities.admin import PolicyInlineMixin


class AliasInline(PolicyInlineMixin, admin.TabularInline):
    model = OrganizationAlias
    extra = 1


class PresenceInline(PolicyInlineMixin, admin.TabularInline):
    model = OnlinePresence
    extra = 1
    fields = ["platform", "handle", "url", "note"]


@admin.register(Organization)
class OrganizationAdmin(PolicyModelAdmin):
    list_display = ["name_ru", "name_en", "classification", "status", "banned_on", "is_demo"]
    list_filter = ["classification", "status", "is_demo"]
    search_fields = ["name_ru", "name_kk", "name_en", "aliases__name"]
    filter_horizontal = ["decisions"]
    inlines = [AliasInline, PresenceInline]
    readonly_fields = ["is_demo"]
    fields = [
        "name_ru", "name_kk", "name_en", "classification", "status", "banned_on",
        "ban_lifted_on", "decisions", "description", "is_demo",
    ]  # fmt: skip

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is OnlinePresence:
            # A channel or domain added (or corrected) here attributes the links already on it,
            # as organizations.services.add_presence does for the API.
            for presence, _fields in formset.changed_objects:
                presence_added(presence)
            for presence in formset.new_objects:
                presence_added(presence)

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return search_organizations(queryset, search_term), False
