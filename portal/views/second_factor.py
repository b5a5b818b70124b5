"""Login in two steps, enrolment and recovery codes (accounts.second_factor says why and who).

The password step logs in at once only a user without a device; a user with one is remembered
in the session as pending (not logged in) and asked for a code, and is logged in only when the
code is right. The admin logs in here too (kibernadzor.urls).
"""

import time
from base64 import b32encode
from urllib.parse import urlencode

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, user_login_failed
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts import second_factor

PENDING = "_kbz_2fa_pending"  # {"user": pk, "backend": path, "at": unix time}
PENDING_SECONDS = 300


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


def _next_url(request, default=None) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default or resolve_url(settings.LOGIN_REDIRECT_URL)


class LoginView(auth_views.LoginView):
    """The password step. A user with a second factor is not logged in here: see the module."""

    template_name = "portal/login.html"

    def form_valid(self, form):
        user = form.get_user()
        if not second_factor.has_device(user):
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "at": int(time.time()),
        }
        query = urlencode({"next": self.get_success_url()})
        return redirect(f"{resolve_url('portal:login_code')}?{query}")


def _pending_user(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending["backend"]


def login_code(request):
    """The second step: an authenticator code or a recovery code. Each wrong code is a failed
    login for django-axes, so the lockout covers guessing codes."""
    user, backend = _pending_user(request)
    if user is None:
        return redirect(
            f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': _next_url(request)})}"
        )
    credentials = {"username": user.get_username()}
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if not AxesProxyHandler.is_allowed(request, credentials):
            request.session.pop(PENDING, None)
            return get_lockout_response(request, None, credentials)
        device = (
            second_factor.verify(user, request.POST.get("code", "")) if form.is_valid() else None
        )
        if device is not None:
            del request.session[PENDING]
            auth_login(request, user, backend)
            otp_login(request, device)
            return redirect(_next_url(request))
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            request.session.pop(PENDING, None)  # AxesMiddleware answers with the lockout page
        form = CodeForm()
        form.wrong = True
    return render(
        request, "portal/second_factor/code.html", {"form": form, "next": _next_url(request)}
    )


def _qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code, drawn on the server (no script, no style)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff")
    return mark_safe(svg)  # noqa: S308 (segno's own markup; the URI is only encoded as modules)


def _show_codes(request, codes, next_url):
    """Recovery codes, shown once: on this response only."""
    return render(
        request, "portal/second_factor/recovery_codes.html", {"codes": codes, "next": next_url}
    )


@login_required
def enrol(request):
    """Enrol an authenticator: a QR code and the secret in text, confirmed with a code; then the
    recovery codes, once. The only page (with logout) a required user without one can reach."""
    user = request.user
    if not second_factor.may_enrol(user):
        raise PermissionDenied
    if second_factor.confirmed_totp(user) is not None and not user.is_verified():
        raise PermissionDenied  # the middleware logs such a session out first; never replace
    device = second_factor.pending_totp(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = second_factor.confirm_enrolment(user, form.cleaned_data["code"].strip())
        if confirmed is not None:
            totp, codes = confirmed
            otp_login(request, totp)
            messages.success(request, _("The second factor is on."))
            return _show_codes(request, codes, _next_url(request))
        form.wrong = True
    uri = device.config_url
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "portal/second_factor/enrol.html",
        {
            "form": form,
            "qr_svg": _qr_svg(uri),
            "otpauth_uri": uri,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "required": second_factor.is_required(user),
            "next": _next_url(request),
        },
    )


@login_required
@require_POST
def new_recovery_codes(request):
    if not request.user.is_verified():
        raise PermissionDenied
    codes = second_factor.new_recovery_codes(request.user)
    messages.success(request, _("New recovery codes were made; the previous ones no longer work."))
    return _show_codes(request, codes, resolve_url("portal:profile"))


@login_required
@require_POST
def remove(request):
    user = request.user
    if not user.is_verified():
        raise PermissionDenied
    if second_factor.is_required(user):
        messages.error(request, _("Your roles require a second factor; it cannot be removed."))
    else:
        second_factor.remove(user)
        messages.success(request, _("The second factor was removed."))
    return redirect("portal:profile")
