import pytest
from rest_framework.test import APIClient

from accounts.choices import AgencyKind, AgencyLevel, Role
from tests.factories import AgencyFactory, UserFactory
from tests.second_factor import log_in


@pytest.fixture(autouse=True)
def fast_password_hashing(request, settings):
    """Argon2 is deliberately slow; tests that don't test hashing use a fast hasher."""
    if "real_password_hashing" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root_in_tmp(settings, tmp_path_factory):
    """Files a test stores (uploads, an order's generated documents: sending an order writes
    them) go to a temporary folder, never to the checkout's media/."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture
def central_agency(db):
    return AgencyFactory(
        code="gp", kind=AgencyKind.PROSECUTOR, level=AgencyLevel.REPUBLICAN, region=None
    )


@pytest.fixture
def make_user(db):
    """make_user(role, ..., kind="police", region="KZ-75") -> a user in that agency."""

    def make(*roles, kind=AgencyKind.POLICE, region="KZ-75", agency=None, **fields):
        from tests.factories import region as region_by_code

        if agency is None:
            agency = AgencyFactory(kind=kind, region=region_by_code(region))
        return UserFactory(agency=agency, roles=roles, **fields)

    return make


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for(client):
    """client_for(user): the Django test client logged in as the user, with the second factor
    passed where the user's roles require it (tests.second_factor)."""

    def login(user):
        return log_in(client, user)

    return login


# Users of the demo's shapes, shared by the tests of every app (a closer conftest may narrow them).
@pytest.fixture
def officer(make_user):
    return make_user(Role.OFFICER, kind=AgencyKind.POLICE, region="KZ-75")


@pytest.fixture
def prosecutor(central_agency):
    return UserFactory(agency=central_agency, roles=[Role.PROSECUTOR])


@pytest.fixture
def regional_prosecutor(make_user):
    return make_user(Role.PROSECUTOR, kind=AgencyKind.PROSECUTOR, region="KZ-75")


@pytest.fixture
def auditor(central_agency):
    return UserFactory(agency=central_agency, roles=[Role.AUDITOR])


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends by flushing every table, reference data included (regions and
    role groups, which migrations load): put them back at once, so that no test depends on
    whether the test before it remembered to (tests.checks.sites.restore_reference_data)."""
    yield
    if nextitem is None or not _is_transactional(item):
        return  # (after the last test the session's fixtures, the test database too, are gone)
    from pytest_django.plugin import blocking_manager_key

    from tests.checks.sites import restore_reference_data

    with item.config.stash[blocking_manager_key].unblock():
        restore_reference_data()
