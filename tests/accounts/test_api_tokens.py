"""API tokens (django-rest-knox): only a digest is stored, a key is shown once, several named
tokens per user that expire, are revoked, and act as their user everywhere."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from knox.crypto import hash_token

from accounts.choices import Role, TokenChannel, TokenEventAction, TokenScope
from accounts.models import ApiToken, ApiTokenEvent
from accounts.services import TokenNameTaken, issue_token, revoke_tokens
from registry.models import ConfidentialRead
from tests.registry.factories import LinkFactory


def with_token(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api_client


def test_only_a_digest_of_the_key_is_stored(make_user):
    user = make_user(Role.OFFICER)
    key = issue_token(user, name="monitoring")
    token = ApiToken.objects.get()
    assert token.digest == hash_token(key) != key
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        (row,) = cursor.fetchall()
    assert key not in [str(value) for value in row]


def test_a_user_holds_several_named_tokens_that_each_work(make_user, api_client):
    user = make_user(Role.OFFICER, username="ivanov")
    keys = [issue_token(user, name=name) for name in ("monitoring", "statistics", "laptop")]
    assert len(set(keys)) == 3
    for key in keys:
        assert with_token(api_client, key).get("/api/v1/me/").json()["username"] == "ivanov"
    assert sorted(user.api_tokens.values_list("name", flat=True)) == [
        "laptop",
        "monitoring",
        "statistics",
    ]


def test_two_tokens_of_one_user_cannot_share_a_name(make_user):
    user = make_user(Role.OFFICER)
    issue_token(user, name="monitoring")
    with pytest.raises(TokenNameTaken):
        issue_token(user, name="monitoring")
    assert issue_token(make_user(Role.OFFICER), name="monitoring")  # another user's: fine


def test_a_token_expires_after_the_configured_days(make_user, api_client, settings):
    user = make_user(Role.OFFICER)
    key = issue_token(user, name="monitoring")
    token = ApiToken.objects.get()
    expected = timezone.now() + dt.timedelta(days=settings.API_TOKEN_TTL_DAYS)
    assert abs(token.expiry - expected) < dt.timedelta(minutes=1)
    assert with_token(api_client, key).get("/api/v1/me/").status_code == 200
    ApiToken.objects.update(expiry=timezone.now() - dt.timedelta(seconds=1))
    response = with_token(api_client, key).get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_revoked_token_is_refused(make_user, api_client):
    user = make_user(Role.OFFICER)
    key = issue_token(user, name="monitoring")
    kept = issue_token(user, name="statistics")
    revoke_tokens(user.api_tokens.filter(name="monitoring"), actor=user, via=TokenChannel.PORTAL)
    assert with_token(api_client, key).get("/api/v1/me/").status_code == 401
    assert with_token(api_client, kept).get("/api/v1/me/").status_code == 200


def test_a_deactivated_users_token_is_refused(make_user, api_client):
    user = make_user(Role.OFFICER)
    key = issue_token(user, name="monitoring")
    user.is_active = False
    user.save()
    assert with_token(api_client, key).get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Token ", "Token wrong", "Token 0123456789abcdef0123", "Token \xff\xfe"],
)
def test_a_wrong_key_is_refused(make_user, api_client, header):
    issue_token(make_user(Role.OFFICER), name="monitoring")
    api_client.credentials(HTTP_AUTHORIZATION=header)
    assert api_client.get("/api/v1/me/").status_code == 401


def test_a_key_sharing_the_lookup_prefix_but_not_the_digest_is_refused(make_user, api_client):
    key = issue_token(make_user(Role.OFFICER), name="monitoring")
    forged = key[:15] + ("0" if key[15] != "0" else "1") + key[16:]
    assert with_token(api_client, forged).get("/api/v1/me/").status_code == 401


def test_last_use_is_recorded_without_a_write_per_request(make_user, api_client):
    user = make_user(Role.OFFICER)
    key = issue_token(user, name="monitoring")
    assert ApiToken.objects.get().last_used is None
    with_token(api_client, key).get("/api/v1/me/")
    first = ApiToken.objects.get().last_used
    assert first is not None
    with_token(api_client, key).get("/api/v1/me/")
    assert ApiToken.objects.get().last_used == first  # within LAST_USED_RESOLUTION


def test_token_authentication_is_one_query(make_user, api_client, django_assert_num_queries):
    from rest_framework.test import APIRequestFactory

    from accounts.authentication import ApiTokenAuthentication

    user = make_user(Role.OFFICER)
    key = issue_token(user, name="monitoring", scope=TokenScope.REPORTS)
    with_token(api_client, key).get("/api/v1/me/")  # records the last use
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {key}")
    with django_assert_num_queries(1):
        authenticated, token = ApiTokenAuthentication().authenticate(request)
        assert (authenticated.username, token.scope) == (user.username, TokenScope.REPORTS)


def test_issuing_and_revoking_are_recorded_with_who_when_and_for_whom(make_user, client_for):
    admin = make_user(Role.ADMIN, kind="prosecutor")
    officer = make_user(Role.OFFICER)
    issue_token(officer, name="monitoring", actor=officer, via=TokenChannel.PORTAL)
    call_command("issue_token", officer.username, "--name", "statistics", stdout=None)
    token = officer.api_tokens.get(name="monitoring")
    client_for(admin).post(
        reverse("admin:accounts_apitoken_delete", args=[token.pk]), {"post": "yes"}
    )
    events = list(
        ApiTokenEvent.objects.order_by("id").values_list(
            "action", "actor", "user", "token_name", "via"
        )
    )
    assert events == [
        (TokenEventAction.ISSUED, officer.pk, officer.pk, "monitoring", TokenChannel.PORTAL),
        (TokenEventAction.ISSUED, None, officer.pk, "statistics", TokenChannel.COMMAND),
        (TokenEventAction.REVOKED, admin.pk, officer.pk, "monitoring", TokenChannel.ADMIN),
    ]
    assert all(e.at <= timezone.now() for e in ApiTokenEvent.objects.all())


def test_the_command_issues_a_named_token_for_someone_else_and_prints_it_once(
    make_user, api_client, capsys
):
    integration = make_user(Role.ANALYST, username="stats_office")
    call_command("issue_token", "stats_office", "--name", "statistics", "--scope", "reports")
    key = capsys.readouterr().out.strip()
    client = with_token(api_client, key)
    assert client.get("/api/v1/reports/summary/").status_code == 200
    assert client.get("/api/v1/links/").status_code == 403
    assert integration.api_tokens.get().name == "statistics"


def test_the_confidential_read_log_names_the_tokens_user(make_user, api_client, central_agency):
    from tests.factories import UserFactory

    officer = make_user(Role.OFFICER)
    prosecutor = UserFactory(agency=central_agency, roles=[Role.PROSECUTOR])
    link = LinkFactory(first_reported_by=officer, confidential=True)
    key = issue_token(prosecutor, name="case tool")
    assert with_token(api_client, key).get(f"/api/v1/links/{link.pk}/").status_code == 200
    assert list(ConfidentialRead.objects.values_list("user", "link", "channel")) == [
        (prosecutor.pk, link.pk, "api")
    ]


# --- the profile page --------------------------------------------------------------------------
def test_the_profile_page_issues_a_named_scoped_token_and_shows_the_key_once(
    make_user, client_for, api_client
):
    user = make_user(Role.OFFICER)
    client = client_for(user)
    response = client.post(reverse("portal:new_token"), {"name": "monitoring", "scope": "reports"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    (key,) = _keys_in(html)
    token = user.api_tokens.get()
    assert (token.name, token.scope, token.digest) == ("monitoring", "reports", hash_token(key))
    assert with_token(api_client, key).get("/api/v1/reports/summary/").status_code == 200
    # Never again: not on the profile page, not after issuing another one.
    assert key not in client.get(reverse("portal:profile")).content.decode()
    again = client.post(reverse("portal:new_token"), {"name": "laptop", "scope": "full"})
    assert key not in again.content.decode()
    assert token.digest not in again.content.decode()


def _keys_in(html: str) -> list[str]:
    import re

    return re.findall(r"Authorization: Token ([0-9a-f]{64})", html)


def test_the_profile_page_lists_the_users_own_tokens_only(make_user, client_for):
    user = make_user(Role.OFFICER)
    other = make_user(Role.OFFICER, agency=user.agency)
    issue_token(user, name="my monitoring", scope=TokenScope.REPORTS)
    issue_token(other, name="colleague's laptop")
    ApiToken.objects.filter(name="my monitoring").update(
        last_used=timezone.now(), expiry=timezone.now() - dt.timedelta(days=1)
    )
    html = client_for(user).get(reverse("portal:profile")).content.decode()
    assert "my monitoring" in html
    assert "colleague" not in html
    assert "read reports only" in html or "только" in html
    for token in ApiToken.objects.all():
        assert token.digest not in html and token.token_key not in html


def test_a_duplicate_name_on_the_profile_page_is_an_error_on_the_field(make_user, client_for):
    user = make_user(Role.OFFICER)
    issue_token(user, name="monitoring")
    response = client_for(user).post(
        reverse("portal:new_token"), {"name": "monitoring", "scope": "full"}
    )
    assert response.status_code == 400
    assert user.api_tokens.count() == 1
    assert not _keys_in(response.content.decode())


def test_a_user_revokes_their_own_token_on_the_profile_page(make_user, client_for, api_client):
    user = make_user(Role.OFFICER)
    key = issue_token(user, name="monitoring")
    token = user.api_tokens.get()
    response = client_for(user).post(reverse("portal:revoke_token", args=[token.pk]))
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    assert with_token(api_client, key).get("/api/v1/me/").status_code == 401
    event = ApiTokenEvent.objects.get(action=TokenEventAction.REVOKED)
    assert (event.actor, event.user, event.via) == (user, user, TokenChannel.PORTAL)


def test_nobody_revokes_someone_elses_token_on_the_profile_page(make_user, client_for):
    owner = make_user(Role.OFFICER)
    token_key = issue_token(owner, name="monitoring")
    token = owner.api_tokens.get()
    for intruder in (make_user(Role.SUPERVISOR, agency=owner.agency), make_user(Role.ADMIN)):
        response = client_for(intruder).post(reverse("portal:revoke_token", args=[token.pk]))
        assert response.status_code == 404
    assert ApiToken.objects.get().digest == hash_token(token_key)
    assert not ApiTokenEvent.objects.filter(action=TokenEventAction.REVOKED).exists()


def test_an_administrator_revokes_several_tokens_at_once_and_each_is_recorded(
    make_user, client_for, api_client
):
    admin = make_user(Role.ADMIN, kind="prosecutor")
    officer, analyst = make_user(Role.OFFICER), make_user(Role.ANALYST, region="KZ-71")
    keys = [issue_token(officer, name="monitoring"), issue_token(analyst, name="statistics")]
    kept = issue_token(analyst, name="laptop")
    chosen = ApiToken.objects.exclude(name="laptop").values_list("pk", flat=True)
    response = client_for(admin).post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "delete_selected", "_selected_action": list(chosen), "post": "yes"},
    )
    assert response.status_code == 302
    for key in keys:
        assert with_token(api_client, key).get("/api/v1/me/").status_code == 401
    assert with_token(api_client, kept).get("/api/v1/me/").status_code == 200
    revoked = ApiTokenEvent.objects.filter(action=TokenEventAction.REVOKED)
    assert sorted(revoked.values_list("token_name", "actor", "via")) == [
        ("monitoring", admin.pk, TokenChannel.ADMIN),
        ("statistics", admin.pk, TokenChannel.ADMIN),
    ]
