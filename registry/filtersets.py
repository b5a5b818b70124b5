"""FilterSets of the link registry, shared by the portal, the API and exports."""

from datetime import datetime, time

import django_filters
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry import selectors
from registry.choices import LinkClassification, LinkPlatform, LinkState, ReportSource
from registry.models import Link, Report, StateChange

# The states whose entries the reports count (reporting.queries.ENTRY_STATES): a dashboard
# figure "confirmed" links to the list of the links that entered that state in its period.
ENTERED_STATES = (LinkState.CONFIRMED, LinkState.BLOCKED, LinkState.REMOVED, LinkState.REAPPEARED)


def _local_midnight(day):
    return timezone.make_aware(datetime.combine(day, time.min))


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
    # Links that entered a state (at any time, or on or after a local date), whatever their
    # state now: what the reports count as "confirmed", "blocked", … in a period.
    entered = django_filters.ChoiceFilter(
        choices=[(state.value, state.label) for state in ENTERED_STATES],
        method="by_entered",
        label=_("entered the state"),
    )
    entered_after = django_filters.DateFilter(
        method="by_entered_after", label=_("entered the state on or after")
    )

    class Meta:
        model = Link
        fields = ["confidential", "host", "registrable_domain", "is_demo"]

    def by_entered(self, queryset, name, value):
        """Links with a move into `value` (StateChange.to_state), on or after `entered_after`
        when given (local midnight), as the reports count them."""
        moves = StateChange.objects.filter(link=OuterRef("pk"), to_state=value)
        after = self.form.cleaned_data.get("entered_after")
        if after:
            moves = moves.filter(at__gte=_local_midnight(after))
        return queryset.filter(Exists(moves))

    def by_entered_after(self, queryset, name, value):
        """With `entered`, read by by_entered; alone: links that entered any of those states
        on or after the date."""
        if self.form.cleaned_data.get("entered"):
            return queryset
        moves = StateChange.objects.filter(
            link=OuterRef("pk"), to_state__in=ENTERED_STATES, at__gte=_local_midnight(value)
        )
        return queryset.filter(Exists(moves))

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
