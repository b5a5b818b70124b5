"""Logging in: argon2 hashes, lockout after repeated failures, sessions and API tokens."""

import pytest
from django.urls import reverse

from accounts.choices import Role
from accounts.services import issue_token


@pytest.mark.real_password_hashing
def test_passwords_are_hashed_with_argon2(make_user):
    user = make_user(Role.OFFICER)
    assert user.password.startswith("argon2")


def test_officer_logs_in_to_the_portal_and_out_again(make_user, client):
    user = make_user(Role.OFFICER, username="ivanov")
    response = client.post(
        reverse("portal:login"), {"username": "ivanov", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).status_code == 200
    client.post(reverse("portal:logout"))
    assert client.get(reverse("portal:home")).status_code == 302
    assert user.pk


def test_repeated_failed_logins_lock_the_account_even_with_the_right_password(make_user, client):
    make_user(Role.OFFICER, username="petrov")
    url = reverse("portal:login")
    for _ in range(5):
        client.post(url, {"username": "petrov", "password": "wrong"})
    response = client.post(url, {"username": "petrov", "password": "correct-horse-battery"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_api_accepts_a_token_and_refuses_without_one(make_user, api_client):
    user = make_user(Role.ANALYST, username="analyst1")
    assert api_client.get("/api/v1/me/").status_code in (401, 403)
    key = issue_token(user, name="monitoring")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "analyst1"
    assert response.json()["roles"] == ["analyst"]


def test_portal_pages_require_login(client):
    response = client.get(reverse("portal:profile"))
    assert response.status_code == 302
    assert reverse("portal:login") in response["Location"]
