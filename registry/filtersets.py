"""FilterSets of the link registry, shared by the portal, the API and exports."""

import django_filters
from django.utils.translation import gettext_lazy as _

from registry import selectors
from registry.choices import LinkClassification, LinkPlatform, LinkState, ReportSource
from registry.models import Link, Report, StateChange


class LinkFilterSet(django_filters.FilterSet):
    url = django_filters.CharFilter(method="by_url", label=_("URL (any form)"))
    state = django_filters.MultipleChoiceFilter(choices=LinkState.choices)
    platform = django_filters.MultipleChoiceFilter(choices=LinkPlatform.choices)
    classification = django_filters.ChoiceFilter(choices=LinkClassification.choices)
    agency = django_filters.CharFilter(
        field_name="first_reported_agency__code", label=_("first reporting agency (code)")
    )
    region = django_filters.CharFilter(
        field_name="first_reported_agency__region__iso_code", label=_("region (ISO code)")
    )
    assigned_agency = django_filters.CharFilter(field_name="assigned_agency__code")
    reported_after = django_filters.IsoDateTimeFilter(
        field_name="first_reported_at", lookup_expr="gte"
    )
    reported_before = django_filters.IsoDateTimeFilter(
        field_name="first_reported_at", lookup_expr="lt"
    )
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    organization = django_filters.NumberFilter(field_name="organizations")
    material = django_filters.NumberFilter(field_name="materials")

    class Meta:
        model = Link
        fields = ["confidential", "host", "registrable_domain", "is_demo"]

    def by_url(self, queryset, name, value):
        """Any surface form of a URL finds its link, through the canonical key (indexed)."""
        found = selectors.links_by_url(queryset, value, hosts=False)
        return queryset.none() if found is None else found


class ReportFilterSet(django_filters.FilterSet):
    source = django_filters.ChoiceFilter(choices=ReportSource.choices)
    agency = django_filters.CharFilter(field_name="agency__code")
    submitted_after = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_before = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="lt")

    class Meta:
        model = Report
        fields = ["link", "is_repeat"]


class StateChangeFilterSet(django_filters.FilterSet):
    to_state = django_filters.ChoiceFilter(choices=LinkState.choices)

    class Meta:
        model = StateChange
        fields = ["link"]
