"""The admin names roles in the reader's language and shows dates local and day-first: role
lists, the role filter of users, a past version's changes, object names with a time in them."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation

from accounts.choices import Role
from checks.choices import CheckTrigger
from checks.models import Check
from registry import services
from registry.choices import LinkState
from tests.factories import UserFactory
from tests.registry.factories import LinkFactory

AT = dt.datetime(2026, 3, 5, 20, 30, tzinfo=dt.UTC)  # 6 March, 01:30 in Almaty


@pytest.fixture
def administrator(central_agency):
    return UserFactory(agency=central_agency, roles=[Role.ADMIN])


def reading(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_roles_are_listed_by_their_name_in_the_readers_language(administrator, client_for):
    client = reading(client_for(administrator), "kk")
    html = client.get(reverse("admin:auth_group_changelist")).content.decode()
    assert "қызметкер" in html and "жүйелік әкімші" in html
    officer = Group.objects.get(name=Role.OFFICER)
    page = client.get(reverse("admin:auth_group_change", args=[officer.pk])).content.decode()
    assert "<h2>қызметкер</h2>" in page


def test_users_are_filtered_by_a_role_named_in_the_readers_language(
    administrator, make_user, client_for
):
    officer = make_user(Role.OFFICER)
    client = reading(client_for(administrator), "ru")
    changelist = reverse("admin:accounts_user_changelist")
    html = client.get(changelist).content.decode()
    assert "?role=officer" in html and "сотрудник" in html
    filtered = client.get(changelist, {"role": "officer"}).content.decode()
    assert reverse("admin:accounts_user_change", args=[officer.pk]) in filtered
    assert reverse("admin:accounts_user_change", args=[administrator.pk]) not in filtered


def test_names_with_a_time_are_local_and_day_first(officer):
    link = LinkFactory(first_reported_by=officer)
    check = Check.objects.create(
        link=link, checked_at=AT, trigger=CheckTrigger.FIRST, url=link.url, available=True
    )
    with translation.override("ru"):
        assert str(check) == f"{link.pk} @ 06.03.2026 01:30: —"


def test_a_versions_changes_show_labels_and_local_dates(officer, client_for, prosecutor):
    link = LinkFactory(first_reported_by=officer)
    services.transition(link.pk, LinkState.UNDER_REVIEW, actor=prosecutor)
    client = reading(client_for(UserFactory(roles=[Role.AUDITOR], agency=prosecutor.agency)), "ru")
    html = client.get(reverse("admin:registry_link_history", args=[link.pk])).content.decode()
    changes = html.split('id="change-history"')[1]
    assert "на рассмотрении" in changes
    assert "under_review" not in changes
    assert "+00:00" not in changes
    assert not any(f"{year}-" in changes for year in ("2025", "2026", "2027"))
