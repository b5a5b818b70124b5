from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from decisions import selectors, services
from decisions.api.serializers import CourtDecisionSerializer
from decisions.filtersets import CourtDecisionFilterSet
from decisions.models import CourtDecision
from utilities.api import EXPORT_PARAMETERS, RegisterViewSet, django_errors_as_drf, export_format
from utilities.tabular import file_response, write_table


class CourtDecisionViewSet(RegisterViewSet):
    """Court decisions behind the registers of organizations and materials."""

    queryset = CourtDecision.objects.select_related("region", "claimant")
    serializer_class = CourtDecisionSerializer
    filterset_class = CourtDecisionFilterSet

    def get_queryset(self):
        return selectors.decisions_for(self.request.user)

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer)

    def _save(self, serializer):
        data = dict(serializer.validated_data)
        document = data.pop("document", None)
        decision = serializer.instance or CourtDecision()
        for name, value in data.items():
            setattr(decision, name, value)
        with django_errors_as_drf():
            serializer.instance = services.save_decision(decision, document=document)

    @extend_schema(parameters=EXPORT_PARAMETERS, responses={(200, "text/csv"): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The filtered list as CSV or XLSX (`?file_format=xlsx`)."""
        fmt = export_format(request)
        decisions = self.filter_queryset(self.get_queryset())
        header = [
            "id", "court", "region", "case_number", "decision_date", "entry_into_force",
            "outcome", "text", "summary", "document_sha256",
        ]  # fmt: skip
        rows = (
            [
                d.pk,
                d.court,
                d.region.iso_code if d.region else "",
                d.case_number,
                d.decision_date,
                d.entry_into_force,
                d.outcome,
                d.text,
                d.summary,
                d.document_sha256,
            ]  # fmt: skip
            for d in decisions
        )
        return file_response(write_table(header, rows, fmt), fmt, "court-decisions")
