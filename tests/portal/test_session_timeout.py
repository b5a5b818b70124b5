"""Sessions end after SESSION_IDLE_SECONDS without a request, and SESSION_COOKIE_AGE after
they began, whatever the activity."""

import time

from django.urls import reverse

from portal.middleware import SEEN, STARTED
from tests.portal.conftest import browser_for

HOME = reverse("portal:home")


def age_session(client, *, started_ago: int, seen_ago: int) -> None:
    session = client.session
    now = int(time.time())
    session[STARTED] = now - started_ago
    session[SEEN] = now - seen_ago
    session.save()


def test_an_active_session_stays(officer, settings):
    client = browser_for(officer)
    assert client.get(HOME).status_code == 200
    age_session(client, started_ago=600, seen_ago=settings.SESSION_IDLE_SECONDS - 60)
    assert client.get(HOME).status_code == 200
    assert int(time.time()) - client.session[SEEN] < 5  # the request renewed it


def test_an_idle_session_ends(officer, settings):
    client = browser_for(officer)
    client.get(HOME)
    age_session(client, started_ago=3600, seen_ago=settings.SESSION_IDLE_SECONDS + 1)
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
    assert client.get(HOME).status_code == 302


def test_a_session_ends_at_its_absolute_age_even_when_busy(officer, settings):
    client = browser_for(officer)
    client.get(HOME)
    age_session(client, started_ago=settings.SESSION_COOKIE_AGE + 1, seen_ago=1)
    assert client.get(HOME).status_code == 302


def test_an_htmx_request_of_an_ended_session_reloads_the_login_page(officer, settings):
    client = browser_for(officer)
    client.get(HOME)
    age_session(client, started_ago=3600, seen_ago=settings.SESSION_IDLE_SECONDS + 1)
    response = client.get(reverse("portal:links"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("portal:login"))
