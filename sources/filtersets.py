"""FilterSets of watched sources, shared by the portal and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sources.choices import MatchKind, SourceKind, SourceState
from sources.models import Source, SourceItem, SourceWatch


class SourceFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="by_text", label=_("address or title contains"))
    state = django_filters.MultipleChoiceFilter(choices=SourceState.choices)
    kind = django_filters.MultipleChoiceFilter(choices=SourceKind.choices)
    agency = django_filters.CharFilter(field_name="agency__code", label=_("agency (code)"))
    region = django_filters.CharFilter(
        field_name="agency__region__iso_code", label=_("region (ISO code)")
    )
    failing = django_filters.BooleanFilter(method="by_failing", label=_("last watch failed"))

    class Meta:
        model = Source
        fields = ["organization", "is_demo"]

    def by_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(url__icontains=value) | Q(title__icontains=value))

    def by_failing(self, queryset, name, value):
        return (
            queryset.filter(consecutive_failures__gt=0)
            if value
            else queryset.filter(consecutive_failures=0)
        )


class SourceItemFilterSet(django_filters.FilterSet):
    match_kind = django_filters.MultipleChoiceFilter(choices=MatchKind.choices)
    matched = django_filters.BooleanFilter(method="by_matched", label=_("matched known content"))
    seen_after = django_filters.IsoDateTimeFilter(field_name="first_seen_at", lookup_expr="gte")
    seen_before = django_filters.IsoDateTimeFilter(field_name="first_seen_at", lookup_expr="lt")

    class Meta:
        model = SourceItem
        fields = ["source", "material", "link"]

    def by_matched(self, queryset, name, value):
        return queryset.exclude(match_kind="") if value else queryset.filter(match_kind="")


class SourceWatchFilterSet(django_filters.FilterSet):
    failed = django_filters.BooleanFilter(method="by_failed", label=_("failed"))
    started_after = django_filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="gte")

    class Meta:
        model = SourceWatch
        fields = ["source"]

    def by_failed(self, queryset, name, value):
        return queryset.exclude(failure_code="") if value else queryset.filter(failure_code="")
