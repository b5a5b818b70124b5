"""Session expiry for the portal: an idle limit and an absolute limit (README, Configuration).

Django alone offers one or the other: SESSION_COOKIE_AGE measured from the last save, made a
sliding window by SESSION_SAVE_EVERY_REQUEST. Officers leave workstations unlocked, so a
session ends after SESSION_IDLE_SECONDS without a request, and in any case SESSION_COOKIE_AGE
after it began. The last-seen mark is written at most once a minute, not on every request.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

STARTED = "_kbz_session_started"
SEEN = "_kbz_session_seen"
SEEN_RESOLUTION = 60  # seconds between writes of the last-seen mark


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            now = int(time.time())
            started = session.get(STARTED)
            seen = session.get(SEEN, started)
            if started is None:
                session[STARTED] = session[SEEN] = now
            elif (
                now - seen > settings.SESSION_IDLE_SECONDS
                or now - started > settings.SESSION_COOKIE_AGE
            ):
                logout(request)
                messages.info(request, _("Your session ended; please log in again."))
            elif now - seen >= SEEN_RESOLUTION:
                session[SEEN] = now
        response = self.get_response(request)
        return self._htmx_login_redirect(request, response)

    @staticmethod
    def _htmx_login_redirect(request, response):
        """An htmx request that meets the login page reloads the whole page there, instead of
        swapping a login form into a fragment of the page."""
        if not getattr(request, "htmx", False) or response.status_code != 302:
            return response
        location = response.get("Location", "")
        if location.startswith(resolve_url(settings.LOGIN_URL)):
            return HttpResponseClientRedirect(location)
        return response
