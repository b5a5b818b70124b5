from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError

from decisions import selectors, services
from decisions.api.permissions import RegisterPolicyPermission
from decisions.api.serializers import CourtDecisionSerializer
from decisions.filtersets import CourtDecisionFilterSet
from decisions.models import CourtDecision
from decisions.tabular import EXPORT_FORMATS, file_response, write_table
from kibernadzor.api import PolicyViewSetMixin


@contextmanager
def django_errors_as_drf():
    """A model's own validation (constraints, full_clean) answers 400, not 500."""
    try:
        yield
    except DjangoValidationError as exc:
        raise ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        ) from exc


EXPORT_PARAMETERS = [
    OpenApiParameter(
        "file_format", OpenApiTypes.STR, enum=list(EXPORT_FORMATS), description="csv or xlsx"
    )
]


def export_format(request) -> str:
    fmt = request.query_params.get("file_format", "csv").lower()
    if fmt not in EXPORT_FORMATS:
        raise ValidationError({"file_format": f"Expected one of {', '.join(EXPORT_FORMATS)}."})
    return fmt


class RegisterViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    """Common ground of the register endpoints: reads for all, writes through the policy."""

    permission_classes = [RegisterPolicyPermission]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]


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
