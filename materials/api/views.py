from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from materials import selectors, services
from materials.api.serializers import (
    AttachCopySerializer,
    FileUploadSerializer,
    FingerprintSerializer,
    ImportSerializer,
    MatchResultSerializer,
    MaterialDetailSerializer,
    MaterialSerializer,
)
from materials.filtersets import MaterialFilterSet
from materials.models import Material, MaterialFingerprint
from utilities.api import EXPORT_PARAMETERS, RegisterViewSet, django_errors_as_drf, export_format
from utilities.tabular import file_response


class MaterialViewSet(RegisterViewSet):
    """Information materials courts recognised as extremist or terrorist.

    `?q=` searches number, title, description, author and the related organization's names
    and aliases. `POST match/` answers «is this file banned?».
    """

    queryset = Material.objects.all()
    serializer_class = MaterialSerializer
    filterset_class = MaterialFilterSet
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    read_actions = {"match"}

    def get_serializer_class(self):
        if self.action == "retrieve":
            return MaterialDetailSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        queryset = selectors.materials_for(self.request.user)
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("fingerprints")
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.request.query_params.get("q"):
            queryset = queryset.order_by("-search_rank", "number")
        return queryset

    def get_permissions(self):
        if self.action == "copies":
            self.write_model = MaterialFingerprint
        return super().get_permissions()

    def perform_create(self, serializer):
        with django_errors_as_drf():
            instance = Material(**serializer.validated_data)
            instance.full_clean()
            instance.save()
        serializer.instance = instance

    def perform_update(self, serializer):
        with django_errors_as_drf():
            instance = serializer.instance
            for name, value in serializer.validated_data.items():
                setattr(instance, name, value)
            instance.full_clean()
            instance.save()

    @extend_schema(parameters=EXPORT_PARAMETERS, responses={(200, "text/csv"): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The filtered list in the official list's shape, CSV or XLSX (`?file_format=xlsx`);
        the importer reads it back."""
        fmt = export_format(request)
        materials = self.filter_queryset(self.get_queryset())
        return file_response(services.export_material_list(materials, fmt), fmt, "materials")

    @extend_schema(request={"multipart/form-data": ImportSerializer}, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["post"], url_path="import")
    def import_list(self, request):
        """Import the official list (CSV or XLSX). All or nothing; `dry_run` only reports."""
        form = ImportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        report = services.import_material_list(
            upload,
            upload.name,
            user=request.user,
            dry_run=form.validated_data["dry_run"],
            classification=form.validated_data["classification"],
        )
        code = status.HTTP_200_OK if report.ok else status.HTTP_400_BAD_REQUEST
        return Response(report.as_dict(), status=code)

    @extend_schema(
        request={"multipart/form-data": AttachCopySerializer},
        responses={201: FingerprintSerializer},
    )
    @action(detail=True, methods=["post"])
    def copies(self, request, pk=None):
        """Attach a known copy: its fingerprints are recorded (the file only if `keep_file`)."""
        material = self.get_object()
        form = AttachCopySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        record = services.attach_copy(
            material,
            form.validated_data["file"],
            keep_file=form.validated_data["keep_file"],
            note=form.validated_data.get("note", ""),
        )
        return Response(FingerprintSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": FileUploadSerializer},
        responses=MatchResultSerializer,
    )
    @action(detail=False, methods=["post"])
    def match(self, request):
        """«Is this file banned?» The upload is fingerprinted and compared with every known
        copy; it is not stored."""
        form = FileUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        data = services.read_upload(upload)
        result = selectors.match_file(
            data, request.user, filename=upload.name, content_type=upload.content_type or ""
        )
        verdict = _("Matches a court-recognised material.") if result.matched else _("No match.")
        body = MatchResultSerializer(
            {"matched": result.matched, "verdict": verdict, "fingerprints": result.fingerprints,
             "matches": result.matches},
            context={"request": request},
        ).data  # fmt: skip
        return Response(body)
