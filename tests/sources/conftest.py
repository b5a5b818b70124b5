import ssl

import pytest

from accounts.choices import AgencyKind, Role
from tests.checks.sites import site_ca  # noqa: F401  (the throwaway CA fixture)
from tests.sources.site import FeedSite


@pytest.fixture
def feed_site(site_ca, settings):  # noqa: F811
    """A local HTTPS site that watches may reach (and nothing else), with the watch's caps
    small enough for tests."""
    ca, pem = site_ca
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "127.0.0.2").configure_cert(context)
    settings.CHECKER_ALLOW_NETWORKS = ["127.0.0.1/32"]
    settings.CHECKER_CA_BUNDLE = pem
    settings.CHECKER_PER_HOST_RATE = 0  # unlimited for one local host
    settings.CHECKER_TOTAL_TIMEOUT = 10
    settings.SOURCES_WATCH_SECONDS = 10
    server = FeedSite(context)
    server.thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def police(make_user):
    """An officer of the Almaty police (KZ-75)."""
    return make_user(Role.OFFICER, kind=AgencyKind.POLICE, region="KZ-75")


@pytest.fixture
def add(police):
    """add(url, **fields) -> a source of the officer's agency, through the service."""
    from sources import services

    def make(url, actor=None, **fields):
        return services.add_source(actor=actor or police, url=url, **fields)

    return make
