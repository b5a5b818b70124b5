import django_filters
from django.utils.translation import gettext_lazy as _

from decisions.choices import CourtClassification
from organizations.choices import OrganizationStatus
from organizations.models import Organization
from organizations.selectors import search_organizations


class OrganizationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("search"))
    classification = django_filters.ChoiceFilter(choices=CourtClassification.choices)
    status = django_filters.ChoiceFilter(choices=OrganizationStatus.choices)

    class Meta:
        model = Organization
        fields = ["q", "classification", "status", "is_demo"]

    def search(self, queryset, name, value):
        return search_organizations(queryset, value)
