import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from decisions.choices import DecisionOutcome
from decisions.models import CourtDecision


class CourtDecisionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("search"))
    outcome = django_filters.ChoiceFilter(choices=DecisionOutcome.choices)
    year = django_filters.NumberFilter(field_name="decision_date__year", label=_("year"))
    court = django_filters.CharFilter(field_name="court", lookup_expr="icontains")
    region = django_filters.CharFilter(field_name="region__iso_code", label=_("region"))

    class Meta:
        model = CourtDecision
        fields = ["q", "outcome", "year", "court", "region", "is_demo"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(court__icontains=value)
            | Q(case_number__icontains=value)
            | Q(text__icontains=value)
            | Q(summary__icontains=value)
        )
