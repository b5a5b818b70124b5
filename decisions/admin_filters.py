"""Admin list filters the registers share."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.models import Region


class DecisionYearFilter(admin.SimpleListFilter):
    title = _("year of the decision")
    parameter_name = "year"
    field = "decision__decision_date"

    def lookups(self, request, model_admin):
        years = (
            model_admin.get_queryset(request)
            .exclude(**{f"{self.field}__isnull": True})
            .dates(self.field, "year", order="DESC")
        )
        return [(d.year, str(d.year)) for d in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(**{f"{self.field}__year": int(self.value())})
        return queryset


class DecisionRegionFilter(admin.SimpleListFilter):
    title = _("region")
    parameter_name = "region"
    field = "decision__region__iso_code"

    def lookups(self, request, model_admin):
        return [(r.iso_code, r.name_ru) for r in Region.objects.order_by("name_ru")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.field: self.value()})
        return queryset
