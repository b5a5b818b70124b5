"""FilterSets of blocking orders, shared by the portal and the API."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.choices import CLOCKED_KINDS, OPEN_ORDER_STATES, OrderKind, OrderLinkState, OrderState
from orders.models import Order, OrderLink


class OrderFilterSet(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=OrderState.choices)
    kind = django_filters.MultipleChoiceFilter(choices=OrderKind.choices)
    number = django_filters.CharFilter(lookup_expr="icontains")
    agency = django_filters.CharFilter(field_name="agency__code", label=_("office (code)"))
    region = django_filters.CharFilter(
        field_name="agency__region__iso_code", label=_("region (ISO code)")
    )
    link = django_filters.NumberFilter(field_name="order_links__link", label=_("link (id)"))
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    overdue = django_filters.BooleanFilter(method="by_overdue", label=_("has overdue links"))

    class Meta:
        model = Order
        fields = ["recipient", "parent", "is_demo"]

    def by_overdue(self, queryset, name, value):
        overdue = OrderLink.objects.filter(
            state=OrderLinkState.PENDING,
            deadline_at__lt=timezone.now(),
            order__state__in=OPEN_ORDER_STATES,
            order__kind__in=CLOCKED_KINDS,
        ).values("order_id")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)


class OrderLinkFilterSet(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=OrderLinkState.choices)
    overdue = django_filters.BooleanFilter(method="by_overdue", label=_("past the deadline"))

    class Meta:
        model = OrderLink
        fields = ["order", "link"]

    def by_overdue(self, queryset, name, value):
        overdue = {
            "state": OrderLinkState.PENDING,
            "deadline_at__lt": timezone.now(),
            "order__state__in": OPEN_ORDER_STATES,
        }
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)
