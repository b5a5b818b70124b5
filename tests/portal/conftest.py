"""Fixtures of the portal tests: users of several agencies and roles, and a client per user
that reads the portal in English."""

import pytest
from django.conf import settings
from django.test import Client
from lxml import html

from accounts.choices import AgencyKind, Role
from tests.factories import UserFactory
from tests.second_factor import log_in


@pytest.fixture
def officer(make_user):
    return make_user(Role.OFFICER, kind=AgencyKind.POLICE, region="KZ-75")


@pytest.fixture
def other_officer(make_user):
    """An officer of another agency (KNB) in another region."""
    return make_user(Role.OFFICER, kind=AgencyKind.KNB, region="KZ-71")


@pytest.fixture
def supervisor(officer):
    return UserFactory(agency=officer.agency, roles=[Role.SUPERVISOR])


@pytest.fixture
def prosecutor(central_agency):
    return UserFactory(agency=central_agency, roles=[Role.PROSECUTOR])


@pytest.fixture
def administrator(central_agency):
    return UserFactory(agency=central_agency, roles=[Role.ADMIN], is_staff=True)


def browser_for(user, **client_options) -> Client:
    """A test client logged in as `user`, reading the portal in English."""
    client = log_in(Client(**client_options), user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def browser():
    return browser_for


def page(response) -> html.HtmlElement:
    """The response parsed as HTML."""
    return html.fromstring(response.content.decode())


def texts(doc, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in doc.xpath(xpath)]
