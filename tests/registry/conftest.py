import pytest

from accounts.choices import AgencyKind, AgencyLevel, Role
from tests.factories import AgencyFactory, UserFactory


@pytest.fixture
def other_officer(make_user):
    """An officer of another agency (KNB) in another region."""
    return make_user(Role.OFFICER, kind=AgencyKind.KNB, region="KZ-71")


@pytest.fixture
def supervisor(officer):
    return UserFactory(agency=officer.agency, roles=[Role.SUPERVISOR])


@pytest.fixture
def administrator(central_agency):
    return UserFactory(agency=central_agency, roles=[Role.ADMIN])


@pytest.fixture
def knb_75(db):
    return AgencyFactory(kind=AgencyKind.KNB, level=AgencyLevel.REGIONAL)
