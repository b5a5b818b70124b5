from django.contrib import admin

from accounts.admin_policy import PolicyModelAdmin
from decisions import services
from decisions.admin_filters import DecisionYearFilter
from decisions.models import CourtDecision


class OwnYearFilter(DecisionYearFilter):
    field = "decision_date"


@admin.register(CourtDecision)
class CourtDecisionAdmin(PolicyModelAdmin):
    list_display = [
        "court",
        "decision_date",
        "entry_into_force",
        "case_number",
        "outcome",
        "region",
    ]
    list_filter = ["outcome", OwnYearFilter, "region", "is_demo"]
    search_fields = ["court", "case_number", "text", "summary"]
    list_select_related = ["region"]
    date_hierarchy = "decision_date"
    autocomplete_fields = ["claimant"]
    readonly_fields = ["document_sha256", "is_demo"]
    fields = [
        "court", "region", "case_number", "decision_date", "entry_into_force", "claimant",
        "outcome", "text", "summary", "document", "document_sha256", "is_demo",
    ]  # fmt: skip

    def save_model(self, request, obj, form, change):
        document = form.files.get("document")
        services.save_decision(obj, document=document)
