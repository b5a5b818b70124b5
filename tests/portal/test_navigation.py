"""The navigation offers each role only what the access policy lets it do: nobody is shown a
page that would refuse them, and the system administrator is pointed to the admin."""

import pytest
from django.urls import reverse

from accounts.choices import Role
from tests.factories import UserFactory
from tests.portal.conftest import browser_for, page

SECTIONS = {
    "submit": reverse("portal:submit"),
    "registry": reverse("portal:links"),
    "orders": reverse("portal:orders"),
    "materials": reverse("portal:materials"),
    "organizations": reverse("portal:organizations"),
    "sources": reverse("portal:sources"),
    "file match": reverse("portal:file_match"),
    "admin": reverse("admin:index"),
}


def shown(user) -> set[str]:
    doc = page(browser_for(user).get(reverse("portal:home")))
    hrefs = set(doc.xpath("//nav[contains(@class, 'main-nav')]//a/@href"))
    return {name for name, url in SECTIONS.items() if url in hrefs}


@pytest.fixture
def user_with(central_agency, make_user):
    def make(role):
        if role in (Role.AUDITOR, Role.ADMIN):
            return UserFactory(agency=central_agency, roles=[role], is_staff=True)
        return make_user(role)

    return make


REGISTERS = {"materials", "organizations", "file match"}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.OFFICER, {"submit", "registry", "orders", "sources", *REGISTERS}),
        (Role.SUPERVISOR, {"submit", "registry", "orders", "sources", *REGISTERS}),
        (Role.ANALYST, {"registry", "sources", *REGISTERS}),
        (Role.AUDITOR, {"registry", "orders", "sources", "admin", *REGISTERS}),
        (Role.ADMIN, {"admin"}),
    ],
)
def test_each_role_sees_only_the_sections_it_may_use(user_with, role, expected):
    user = user_with(role)
    assert shown(user) == expected
    # Every section offered opens for the user.
    client = browser_for(user)
    for name in expected - {"admin"}:
        assert client.get(SECTIONS[name]).status_code == 200, name


def test_a_prosecutor_sees_every_section(prosecutor):
    prosecutor.is_staff = True
    prosecutor.save(update_fields=["is_staff"])
    assert shown(prosecutor) == set(SECTIONS)


def test_auditors_and_administrators_are_offered_no_submit(user_with):
    for role in (Role.AUDITOR, Role.ADMIN):
        assert "submit" not in shown(user_with(role)), role


def test_the_administrators_dashboard_points_to_the_admin(user_with):
    doc = page(browser_for(user_with(Role.ADMIN)).get(reverse("portal:home")))
    main = doc.xpath("//main")[0]
    assert reverse("admin:index") in main.xpath(".//a/@href")


def test_an_officers_dashboard_does_not_point_to_the_admin(officer):
    doc = page(browser_for(officer).get(reverse("portal:home")))
    assert reverse("admin:index") not in doc.xpath("//main//a/@href")
