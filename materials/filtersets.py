import django_filters
from django.utils.translation import gettext_lazy as _

from decisions.choices import CourtClassification
from materials.choices import MaterialKind, MaterialStatus
from materials.models import Material
from materials.selectors import search_materials


class MaterialFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("search"))
    classification = django_filters.ChoiceFilter(choices=CourtClassification.choices)
    kind = django_filters.ChoiceFilter(choices=MaterialKind.choices)
    status = django_filters.ChoiceFilter(choices=MaterialStatus.choices)
    year = django_filters.NumberFilter(
        field_name="decision__decision_date__year", label=_("year of the decision")
    )
    court = django_filters.CharFilter(field_name="decision__court", lookup_expr="icontains")
    region = django_filters.CharFilter(field_name="decision__region__iso_code", label=_("region"))
    organization = django_filters.NumberFilter(field_name="organization_id")
    language = django_filters.CharFilter(method="by_language", label=_("language"))

    class Meta:
        model = Material
        fields = [
            "q", "classification", "kind", "status", "year", "court", "region", "organization",
            "language", "is_demo",
        ]  # fmt: skip

    def search(self, queryset, name, value):
        return search_materials(queryset, value)

    def by_language(self, queryset, name, value):
        # JSON containment: the list of codes holds this one (a GIN-friendly @> on PostgreSQL).
        return queryset.filter(languages__contains=[value.strip().lower()])
