"""Issue 12, hole 2: an administrator could read every user's live API key in the admin
(/admin/authtoken/tokenproxy/) and act as a prosecutor. Now no page or endpoint shows a key, its
digest or its lookup prefix to anyone, administrators included, after it was issued."""

import pytest
from django.db import connection
from django.urls import reverse

from accounts.choices import Role, TokenScope
from accounts.models import ApiToken
from accounts.services import issue_token


@pytest.fixture
def victim_and_key(make_user):
    victim = make_user(Role.PROSECUTOR, kind="prosecutor", username="prosecutor_victim")
    key = issue_token(victim, name="case tool")
    issue_token(victim, name="statistics", scope=TokenScope.REPORTS)
    return victim, key


def secrets_of(key: str) -> list[str]:
    token = ApiToken.objects.get(name="case tool")
    return [key, token.digest, token.token_key, key[:8]]


def test_an_administrator_reads_no_key_digest_or_prefix_on_any_token_page(
    victim_and_key, make_user, client_for, api_client
):
    victim, key = victim_and_key
    admin = make_user(Role.ADMIN, kind="prosecutor")
    token = victim.api_tokens.get(name="case tool")
    client = client_for(admin)
    pages = [
        reverse("admin:index"),
        reverse("admin:accounts_apitoken_changelist"),
        reverse("admin:accounts_apitoken_changelist") + f"?q={victim.username}",
        reverse("admin:accounts_apitoken_change", args=[token.pk]),
        reverse("admin:accounts_apitoken_delete", args=[token.pk]),
        reverse("admin:accounts_apitoken_history", args=[token.pk]),
        reverse("admin:accounts_apitokenevent_changelist"),
        reverse("admin:accounts_user_change", args=[victim.pk]),
        reverse("admin:accounts_user_history", args=[victim.pk]),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        for secret in secrets_of(key):
            assert secret not in html, (page, secret)
    # The names, users and dates are there: that is what administrators manage tokens by.
    changelist = client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    assert "case tool" in changelist and "prosecutor_victim" in changelist

    api_client.force_authenticate(admin)
    for path in ("/api/v1/users/", f"/api/v1/users/{victim.pk}/", "/api/v1/me/"):
        body = api_client.get(path).content.decode()
        for secret in secrets_of(key):
            assert secret not in body, (path, secret)


def test_the_admin_cannot_find_a_token_by_its_digest_or_prefix(
    victim_and_key, make_user, client_for
):
    _, key = victim_and_key
    client = client_for(make_user(Role.ADMIN, kind="prosecutor"))
    token = ApiToken.objects.get(name="case tool")
    for probe in (token.digest, token.token_key, key):
        response = client.get(reverse("admin:accounts_apitoken_changelist"), {"q": probe})
        assert "case tool" not in response.content.decode(), probe


def test_the_admin_mints_no_key_and_the_old_token_pages_are_gone(make_user, client_for):
    client = client_for(make_user(Role.ADMIN, kind="prosecutor"))
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 404
    assert client.get("/admin/authtoken/token/").status_code == 404
    assert b"authtoken" not in client.get(reverse("admin:index")).content


def test_the_old_clear_text_token_table_is_gone(db):
    assert not {"authtoken_token"} & set(connection.introspection.table_names())


def test_an_administrator_cannot_act_as_a_prosecutor_with_anything_the_admin_shows(
    victim_and_key, make_user, client_for, api_client
):
    victim, _ = victim_and_key
    admin = make_user(Role.ADMIN, kind="prosecutor")
    html = client_for(admin).get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    import re

    # Every hex run the page shows, tried as a key: none authenticates.
    for candidate in set(re.findall(r"[0-9a-f]{15,}", html)):
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {candidate}")
        assert api_client.get("/api/v1/me/").status_code == 401, candidate
