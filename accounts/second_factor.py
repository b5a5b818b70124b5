"""The second factor: TOTP devices and recovery codes (django-otp), who needs them, and every
write to them.

Who: superusers and the roles in KBZ_2FA_REQUIRED_ROLES must have a confirmed TOTP device;
others may enrol from their profile while KBZ_2FA_OPTIONAL is on. Whoever has a confirmed
device gives a code at every login, required or not.

How it is enforced: the portal's login (portal.views.second_factor) does not log a user with a
device in until the code is right, so Django's user_logged_in, and with it django-axes' reset of
failed attempts, comes only after both factors. A wrong code is reported as a failed login
(Django's user_login_failed, which axes counts under the same username and address as wrong
passwords), so guessing six digits locks the account like guessing a password.
accounts.middleware.SecondFactorMiddleware keeps any session that is not verified (a required
user not yet enrolled, a session from before enrolment) away from every page but enrolment and
logout; the API's session authentication asks the same (accounts.authentication). API tokens
are independent of sessions and stay how integrations authenticate.

Recovery codes are one django-otp StaticDevice per user; each code works once. Secrets are
shown to their owner only, at enrolment; administrators can only remove a user's devices
(reset), and each reset is recorded with who and when (SecondFactorReset).
"""

from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user, match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SecondFactorReset

TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"


def is_required(user) -> bool:
    """Must this user have a second factor? Superusers and the roles of KBZ_2FA_REQUIRED_ROLES."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.has_role(*settings.KBZ_2FA_REQUIRED_ROLES)


def may_enrol(user) -> bool:
    return is_required(user) or settings.KBZ_2FA_OPTIONAL


def has_device(user) -> bool:
    """A confirmed device of any kind (authenticator or recovery codes)."""
    return user_has_device(user, confirmed=True)


def confirmed_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def pending_totp(user) -> TOTPDevice:
    """The unconfirmed authenticator being enrolled: the same secret until it is confirmed, so
    reloading the enrolment page does not invalidate a code already scanned."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


@transaction.atomic
def confirm_enrolment(user, token: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the pending authenticator with a code from it: the device becomes the user's only
    authenticator and a fresh set of recovery codes is made. None if the code is wrong."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, new_recovery_codes(user)


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with KBZ_2FA_RECOVERY_CODES new ones (shown once)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.KBZ_2FA_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def verify(user, token: str):
    """The device that accepts `token` (an authenticator code or an unused recovery code, which
    is then spent), or None."""
    token = "".join((token or "").split()).lower()
    if not token:
        return None
    return match_token(user, token)


@transaction.atomic
def remove(user) -> None:
    """Remove the user's own second factor; refused while their roles require one."""
    if is_required(user):
        raise PermissionError("second factor required for this user")
    _delete_devices(user)


@transaction.atomic
def reset(user, *, by) -> SecondFactorReset:
    """An administrator's reset: the user's devices go (they enrol again at their next login, if
    required), and the reset is recorded. The secret is never shown to anyone here."""
    _delete_devices(user)
    return SecondFactorReset.objects.create(user=user, reset_by=by)


def _delete_devices(user) -> None:
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
