from django.db import IntegrityError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from kibernadzor.errors import Conflict
from organizations import selectors, services
from organizations.api.serializers import OrganizationSerializer
from organizations.filtersets import OrganizationFilterSet
from organizations.models import Organization
from utilities.api import EXPORT_PARAMETERS, RegisterViewSet, django_errors_as_drf, export_format
from utilities.tabular import file_response, write_table


class OrganizationViewSet(RegisterViewSet):
    """Organizations banned by courts as extremist or terrorist; `?q=` searches names and
    aliases in Russian, Kazakh or Latin, tolerant of misspellings."""

    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet

    def get_queryset(self):
        queryset = selectors.organizations_for(self.request.user)
        if not self.request.query_params.get("q"):
            queryset = queryset.order_by("name_ru")
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.request.query_params.get("q"):
            queryset = queryset.order_by("-search_rank", "name_ru")
        return queryset

    def perform_create(self, serializer):
        self._save(serializer, Organization())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    def _save(self, serializer, organization):
        data = dict(serializer.validated_data)
        aliases = data.pop("aliases", None)
        presence = data.pop("presence", None)
        decisions = data.pop("decisions", None)
        for name, value in data.items():
            setattr(organization, name, value)
        try:
            with django_errors_as_drf():
                serializer.instance = services.save_organization(
                    organization, aliases=aliases, presence=presence, decisions=decisions
                )
        except IntegrityError as exc:
            raise Conflict(
                "This channel, account or domain is already attributed to another organization.",
                field="presence",
            ) from exc

    @extend_schema(parameters=EXPORT_PARAMETERS, responses={(200, "text/csv"): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The filtered list as CSV or XLSX (`?file_format=xlsx`)."""
        fmt = export_format(request)
        organizations = self.filter_queryset(self.get_queryset())
        header = [
            "id", "name_ru", "name_kk", "name_en", "aliases", "classification", "status",
            "banned_on", "ban_lifted_on", "decisions", "presence",
        ]  # fmt: skip
        rows = (
            [
                o.pk,
                o.name_ru,
                o.name_kk,
                o.name_en,
                "; ".join(a.name for a in o.aliases.all()),
                o.classification,
                o.status,
                o.banned_on,
                o.ban_lifted_on,
                "; ".join(str(d) for d in o.decisions.all()),
                "; ".join(f"{p.platform}:{p.handle}" for p in o.presence.all()),
            ]  # fmt: skip
            for o in organizations
        )
        return file_response(write_table(header, rows, fmt), fmt, "organizations")
