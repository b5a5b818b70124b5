"""Dates read the same in every language of the site: local time, day first, 24-hour clock,
no seconds or microseconds (dd.mm.yyyy HH:MM), as the portal's own templates write them."""

from datetime import UTC, date, datetime

import pytest
from django import forms
from django.utils import formats, timezone, translation

MOMENT = datetime(2026, 12, 4, 11, 5, 42, 123456, tzinfo=UTC)  # 16:05:42 in Almaty


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_dates_and_times_are_local_and_day_first(language):
    with translation.override(language):
        local = timezone.localtime(MOMENT)
        assert formats.date_format(local, "DATETIME_FORMAT") == "04.12.2026 16:05"
        assert formats.date_format(local, "SHORT_DATETIME_FORMAT") == "04.12.2026 16:05"
        assert formats.date_format(local.date(), "DATE_FORMAT") == "04.12.2026"
        assert formats.date_format(local.date(), "SHORT_DATE_FORMAT") == "04.12.2026"
        assert formats.localize(local) == "04.12.2026 16:05"  # what admin changelists show
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 1


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_date_fields_take_day_first_and_iso_dates_never_month_first(language):
    with translation.override(language):
        field = forms.DateField()
        assert field.clean("04.12.2026") == date(2026, 12, 4)
        assert field.clean("2026-12-04") == date(2026, 12, 4)
        with pytest.raises(forms.ValidationError):
            field.clean("12/04/2026")  # ambiguous: refused rather than read as 12 April
        assert field.widget.format_value(date(2026, 12, 4)) == "04.12.2026"


def test_agency_and_organization_names_follow_the_active_language_with_russian_fallback(db):
    from tests.factories import AgencyFactory
    from tests.materials.factories import OrganizationFactory

    agency = AgencyFactory(name_ru="Прокуратура", name_kk="Прокуратура (kk)", name_en="")
    organization = OrganizationFactory(name_ru="Организация", name_kk="", name_en="Organization")
    with translation.override("kk"):
        assert (agency.display_name, str(organization)) == ("Прокуратура (kk)", "Организация")
    with translation.override("en"):
        assert (agency.display_name, str(organization)) == ("Прокуратура", "Organization")
    with translation.override("ru"):
        assert (str(agency), organization.display_name) == ("Прокуратура", "Организация")
