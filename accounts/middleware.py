"""The second factor on every page (accounts.second_factor says who needs it and why).

After django_otp's OTPMiddleware: a logged-in session that is not verified with a device reaches
only enrolment and logout. A required user without a device (never enrolled, or reset by an
administrator) is sent to enrolment; a user with a device whose session is not verified (it
began before the device was confirmed) is logged out and logs in again, with the code. The API
is left to its authentication classes: a token never depends on a session, and session
authentication there asks the same question (accounts.authentication.VerifiedSessionAuthentication).

Whether the user has a device is asked once per session and kept there (a device enrolled in
another session asks for the code at that session's next login).
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect, resolve_url
from django.urls import reverse

from accounts import second_factor

NO_DEVICE = "_kbz_2fa_no_device"
# Paths an unverified session may still reach (prefixes): the API (see above), static files,
# the language switch and translations for the pages below.
OPEN_PREFIXES = ("/api/", "/static/", "/i18n/", "/jsi18n/", "/healthz")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path_info.startswith(OPEN_PREFIXES)
            and not user.is_verified()
        ):
            response = self._second_step(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    @staticmethod
    def _second_step(request, user):
        if not request.session.get(NO_DEVICE):
            if second_factor.has_device(user):
                logout(request)
                login = resolve_url(settings.LOGIN_URL)
                return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
            request.session[NO_DEVICE] = True
        allowed = (reverse("portal:second_factor_enrol"), reverse("portal:logout"))
        if second_factor.is_required(user) and request.path_info not in allowed:
            return redirect(allowed[0])
        return None


def second_step_pending(request, user) -> bool:
    """Does this logged-in session still owe the second factor (so reaches nothing but
    enrolment and logout)?"""
    if user.is_verified():
        return False
    if not request.session.get(NO_DEVICE):
        if second_factor.has_device(user):
            return True
        request.session[NO_DEVICE] = True
    return second_factor.is_required(user)
