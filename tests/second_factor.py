"""Logging in with the second factor in tests: a real confirmed TOTP device, a session verified
through django_otp.login, and codes computed with django_otp's own TOTP function."""

from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor


def confirmed_device(user) -> TOTPDevice:
    """The user's confirmed authenticator, made if there is none."""
    device = second_factor.confirmed_totp(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return device


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the authenticator app shows now (or `steps_ahead` steps later: the device takes
    the next step too, and a step already used is refused)."""
    drift = device.drift + steps_ahead
    value = totp(device.bin_key, device.step, device.t0, device.digits, drift)
    return f"{value:0{device.digits}d}"


def verify_session(client, user) -> None:
    """Mark the client's session as having passed the second factor with a real device."""
    request = HttpRequest()
    request.session = client.session
    request.user = user
    otp_login(request, confirmed_device(user))
    request.session.save()


def log_in(client, user):
    """client.force_login, and the second factor where the user needs one or has one."""
    client.force_login(user)
    if second_factor.is_required(user) or second_factor.has_device(user):
        verify_session(client, user)
    return client
