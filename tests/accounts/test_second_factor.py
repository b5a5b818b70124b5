"""The second factor: who must enrol, the code step of the login (portal and admin), lockout of
guessed codes, recovery codes, the API, and administrators' resets."""

import io
import re
from base64 import b32encode
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import segno
from axes.models import AccessAttempt
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from lxml import html

from accounts import second_factor
from accounts.choices import Role
from accounts.management.commands import seed_demo
from accounts.models import SecondFactorReset, User
from accounts.services import issue_token
from tests.second_factor import code_for, confirmed_device, log_in

PASSWORD = "correct-horse-battery"
LOGIN = reverse("portal:login")
CODE = reverse("portal:login_code")
HOME = reverse("portal:home")
ENROL = reverse("portal:second_factor_enrol")


@pytest.fixture(autouse=True)
def in_english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture(autouse=True)
def no_device_throttle(settings):
    """django-otp also slows down a device after a wrong code (1 s, 2 s, …); these tests give
    codes faster than that, and test the lockout that axes adds."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def password_step(client, username, next_url=""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data)


def failures(username) -> int:
    return sum(a.failures_since_start for a in AccessAttempt.objects.filter(username=username))


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- enrolment ------------------------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.PROSECUTOR, Role.AUDITOR, Role.ADMIN])
def test_required_role_without_a_device_reaches_only_enrolment_and_logout(make_user, client, role):
    make_user(role, kind="prosecutor", username="needs2fa")
    response = password_step(client, "needs2fa")
    assert response.status_code == 302
    for path in (HOME, reverse("portal:links"), reverse("portal:profile"), "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == ENROL, path
    assert client.get(ENROL).status_code == 200
    assert client.post(reverse("portal:logout")).status_code == 302
    assert not logged_in(client)


def test_superuser_without_a_device_is_sent_to_enrolment(make_user, client):
    make_user(username="root", is_superuser=True, is_staff=True)
    password_step(client, "root")
    assert client.get("/admin/")["Location"] == ENROL


def test_enrolment_page_shows_the_qr_code_of_the_devices_otpauth_uri(make_user, client, settings):
    user = make_user(Role.PROSECUTOR, kind="prosecutor", username="qr_user")
    password_step(client, "qr_user")
    doc = html.fromstring(client.get(ENROL).content.decode())
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = b32encode(device.bin_key).decode()

    uri = doc.xpath("//a[@class='otpauth']/@href")[0]
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc, unquote(parts.path)) == (
        "otpauth",
        "totp",
        "/Kibernadzor:qr_user",
    )
    assert parse_qs(parts.query) == {
        "secret": [secret],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
        "issuer": ["Kibernadzor"],
    }
    # The QR code drawn on the page is that URI, and nothing loads from elsewhere to draw it.
    svg = doc.xpath("//figure[@class='qr']/*[local-name()='svg']")[0]
    expected = html.fromstring(segno.make(uri, error="m").svg_inline(scale=5, border=4))
    assert svg.xpath(".//*[local-name()='path'][@class='qrline']/@d") == expected.xpath(
        ".//*[local-name()='path'][@class='qrline']/@d"
    )
    assert doc.xpath("//code[@class='secret']/text()")[0].replace(" ", "") == secret
    assert not doc.xpath("//script[not(@src)]") and not doc.xpath("//*[@style]")


def test_enrolment_confirms_with_a_code_shows_recovery_codes_once_and_unlocks_the_pages(
    make_user, client
):
    user = make_user(Role.AUDITOR, kind="prosecutor", username="enrolling")
    password_step(client, "enrolling")
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    wrong = client.post(ENROL, {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert "Wrong code" in wrong.content.decode()
    assert client.get(HOME)["Location"] == ENROL

    response = client.post(ENROL, {"code": code_for(device)})
    codes = html.fromstring(response.content.decode()).xpath("//ul[@class='recovery-codes']//code")
    assert len(codes) == 10
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == {
        c.text for c in codes
    }
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(HOME).status_code == 200  # this session is now verified
    assert client.get(ENROL).status_code == 200  # …and the codes are not shown again
    assert 'class="recovery-codes"' not in client.get(reverse("portal:profile")).content.decode()


def test_optional_role_logs_in_without_a_second_factor_when_not_enrolled(make_user, client):
    make_user(Role.OFFICER, username="officer1")
    response = password_step(client, "officer1")
    assert response["Location"] == HOME
    assert client.get(HOME).status_code == 200
    assert client.get(reverse("portal:profile")).status_code == 200


def test_optional_enrolment_is_off_when_the_setting_says_so(make_user, client_for, settings):
    settings.KBZ_2FA_OPTIONAL = False
    client = client_for(make_user(Role.OFFICER))
    assert client.get(ENROL).status_code == 403


# --- the code step ----------------------------------------------------------------------------
def test_user_with_a_device_is_not_logged_in_before_the_code(make_user, client):
    user = make_user(Role.OFFICER, username="enrolled_officer")
    confirmed_device(user)
    response = password_step(client, "enrolled_officer")
    assert response["Location"].startswith(CODE)
    assert not logged_in(client)
    assert client.get(HOME)["Location"].startswith(LOGIN)


def test_verified_session_reaches_the_pages(make_user, client):
    user = make_user(Role.PROSECUTOR, kind="prosecutor", username="pros")
    device = confirmed_device(user)
    password_step(client, "pros")
    response = client.post(CODE, {"code": code_for(device), "next": reverse("portal:links")})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:links")
    assert client.get(HOME).status_code == 200
    assert client.get(reverse("portal:links")).status_code == 200
    assert client.get("/admin/").status_code == 200


def test_wrong_code_is_refused_and_counted_as_a_failed_login(make_user, client):
    user = make_user(Role.PROSECUTOR, kind="prosecutor", username="guessed")
    device = confirmed_device(user)
    password_step(client, "guessed")
    wrong = "000000" if code_for(device) != "000000" else "111111"
    response = client.post(CODE, {"code": wrong})
    assert response.status_code == 200
    assert "Wrong code" in response.content.decode()
    assert not logged_in(client)
    assert failures("guessed") == 1


def test_guessing_codes_locks_the_account_like_guessing_passwords(make_user, client, settings):
    user = make_user(Role.PROSECUTOR, kind="prosecutor", username="target")
    device = confirmed_device(user)
    wrong = "000000" if code_for(device) != "000000" else "111111"
    password_step(client, "target")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(CODE, {"code": wrong})
    # Logging in again with the right password does not wipe the count of wrong codes…
    password_step(client, "target")
    response = client.post(CODE, {"code": wrong})
    assert response.status_code == 429  # …and the limit locks the account
    assert failures("target") == settings.AXES_FAILURE_LIMIT
    # Locked: neither the password nor the right code gets in now.
    assert password_step(client, "target").status_code == 429
    response = client.post(CODE, {"code": code_for(device)})
    assert response["Location"].startswith(LOGIN)  # the code step ended with the lockout
    assert not logged_in(client)


def test_recovery_code_logs_in_once(make_user, client):
    user = make_user(Role.ADMIN, kind="prosecutor", username="lost_phone")
    confirmed_device(user)
    code = second_factor.new_recovery_codes(user)[0]
    password_step(client, "lost_phone")
    assert client.post(CODE, {"code": code.upper()}).status_code == 302
    assert client.get(HOME).status_code == 200
    client.post(reverse("portal:logout"))

    password_step(client, "lost_phone")
    response = client.post(CODE, {"code": code})
    assert response.status_code == 200
    assert not logged_in(client)
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_the_code_step_expires_without_a_password_step(client):
    assert client.get(CODE)["Location"].startswith(LOGIN)
    assert client.post(CODE, {"code": "123456"})["Location"].startswith(LOGIN)


def test_a_session_that_skipped_the_code_of_a_user_with_a_device_is_logged_out(make_user, client):
    user = make_user(Role.OFFICER, username="skipped")
    confirmed_device(user)
    client.force_login(user)  # a session with the password only
    assert client.get(HOME)["Location"].startswith(LOGIN)
    assert not logged_in(client)


# --- the admin ------------------------------------------------------------------------------
def test_admin_login_also_requires_the_code(make_user, client):
    user = make_user(Role.ADMIN, kind="prosecutor", username="adm")
    device = confirmed_device(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response["Location"])  # the admin's login is the portal's
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/admin/"

    response = password_step(client, "adm", next_url="/admin/")
    assert response["Location"].startswith(CODE)
    assert client.get("/admin/").status_code == 302  # no admin on the password alone
    response = client.post(CODE, {"code": code_for(device), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_device_secrets_have_no_admin_pages(make_user, client_for):
    root = make_user(username="root", is_superuser=True, is_staff=True)
    client = client_for(root)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


def test_administrator_resets_a_users_second_factor_and_the_reset_is_recorded(
    make_user, client_for
):
    admin_user = make_user(Role.ADMIN, kind="prosecutor")
    prosecutor = make_user(Role.PROSECUTOR, kind="prosecutor")
    device = confirmed_device(prosecutor)
    second_factor.new_recovery_codes(prosecutor)
    client = client_for(admin_user)

    change = client.get(reverse("admin:accounts_user_change", args=[prosecutor.pk]))
    assert device.key not in change.content.decode()
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [prosecutor.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=prosecutor).exists()
    assert not StaticDevice.objects.filter(user=prosecutor).exists()
    reset = SecondFactorReset.objects.get(user=prosecutor)
    assert reset.reset_by == admin_user
    change = client.get(reverse("admin:accounts_user_change", args=[prosecutor.pk]))
    assert str(admin_user) in change.content.decode()


def test_auditor_cannot_reset_a_second_factor(make_user, client_for):
    auditor = make_user(Role.AUDITOR, kind="prosecutor")
    prosecutor = make_user(Role.PROSECUTOR, kind="prosecutor")
    confirmed_device(prosecutor)
    client_for(auditor).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [prosecutor.pk]},
    )
    assert TOTPDevice.objects.filter(user=prosecutor).exists()
    assert not SecondFactorReset.objects.exists()


# --- the profile ------------------------------------------------------------------------------
def test_user_makes_new_recovery_codes_and_the_old_ones_stop_working(make_user, client_for):
    user = make_user(Role.PROSECUTOR, kind="prosecutor")
    client = client_for(user)
    old = second_factor.new_recovery_codes(user)
    response = client.post(reverse("portal:second_factor_recovery_codes"))
    shown = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())
    assert len(shown) == 10
    assert set(shown).isdisjoint(old)
    assert second_factor.verify(user, old[0]) is None
    assert second_factor.verify(user, shown[0]) is not None


def test_required_user_cannot_remove_the_second_factor(make_user, client_for):
    user = make_user(Role.PROSECUTOR, kind="prosecutor")
    client = client_for(user)
    client.post(reverse("portal:second_factor_remove"))
    assert second_factor.has_device(user)


def test_optional_user_removes_the_second_factor_and_logs_in_with_the_password(
    make_user, client_for, client
):
    user = make_user(Role.OFFICER, username="changed_mind")
    client_for(user).post(reverse("portal:second_factor_remove"))
    assert not second_factor.has_device(user)
    client.post(reverse("portal:logout"))
    assert password_step(client, "changed_mind")["Location"] == HOME


# --- the API --------------------------------------------------------------------------------
def test_api_token_works_without_a_second_factor(make_user, api_client):
    user = make_user(Role.PROSECUTOR, kind="prosecutor", username="integration")
    assert not second_factor.has_device(user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user, name='integration')}")
    assert api_client.get("/api/v1/me/").status_code == 200


def test_api_session_needs_the_verified_session_like_the_pages(make_user, client):
    user = make_user(Role.PROSECUTOR, kind="prosecutor", username="session_api")
    client.force_login(user)
    assert client.get("/api/v1/me/").status_code in (401, 403)
    log_in(client, user)
    assert client.get("/api/v1/me/").status_code == 200


def test_api_session_of_an_optional_user_without_a_device_works(make_user, client):
    client.force_login(make_user(Role.ANALYST))
    assert client.get("/api/v1/me/").status_code == 200


# --- the demo -------------------------------------------------------------------------------
def test_seed_demo_gives_required_demo_users_the_demo_authenticator(db, settings, monkeypatch):
    settings.DEMO_MODE = True
    monkeypatch.setattr(seed_demo, "APP_SEEDERS", [])  # the users only, not the registers
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    prosecutor = User.objects.get(username="demo_prosecutor")
    officer = User.objects.get(username="demo_officer")
    device = second_factor.confirmed_totp(prosecutor)
    key = b32encode(device.bin_key).decode()
    assert f"TOTP key {key}" in out.getvalue()
    assert "demo0001" in out.getvalue()
    assert second_factor.verify(prosecutor, "demo0001") is not None
    assert not second_factor.has_device(officer)
