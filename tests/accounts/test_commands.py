"""seed_demo, add_user and issue_token: the command-line entry points."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Agency, User


def run(*args, **kwargs) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_seed_demo_creates_agencies_and_one_user_per_role_and_is_idempotent(db, settings):
    settings.DEMO_MODE = True
    first = run("seed_demo")
    assert Agency.objects.count() == 81
    for code in ("gp", "prosecutor-KZ-75", "knb-KZ-75", "police-KZ-75", "akimat-KZ-75"):
        assert Agency.objects.filter(code=code).exists()
    assert "demo_officer-2026" in first
    users_before = set(User.objects.values_list("username", "agency__code"))
    run("seed_demo")
    assert Agency.objects.count() == 81
    assert set(User.objects.values_list("username", "agency__code")) == users_before
    assert {u.roles for u in User.objects.filter(is_demo=True)} == {
        frozenset({r})
        for r in ("officer", "supervisor", "prosecutor", "analyst", "auditor", "admin")
    }


def test_seed_demo_prints_no_passwords_outside_demo_mode(db, settings):
    settings.DEMO_MODE = False
    out = run("seed_demo")
    assert "-2026" not in out
    assert not User.objects.get(username="demo_officer").has_usable_password()


def test_add_user_takes_the_password_from_the_environment(db, monkeypatch):
    run("seed_demo")
    monkeypatch.setenv("KBZ_PASSWORD", "a-long-enough-passphrase-42")
    run("add_user", "serikov", "--agency", "knb-KZ-75", "--role", "officer", "--role", "supervisor")
    user = User.objects.get(username="serikov")
    assert user.agency.code == "knb-KZ-75"
    assert user.roles == {"officer", "supervisor"}
    assert user.check_password("a-long-enough-passphrase-42")


def test_add_user_names_an_unknown_agency(db, monkeypatch):
    monkeypatch.setenv("KBZ_PASSWORD", "x")
    with pytest.raises(CommandError, match="No agency with code 'nowhere'"):
        run("add_user", "someone", "--agency", "nowhere", "--role", "officer")
    assert not User.objects.filter(username="someone").exists()


def test_issue_token_prints_a_working_token(db, api_client):
    run("seed_demo")
    key = run("issue_token", "demo_analyst", "--name", "monitoring").strip()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/me/").json()["username"] == "demo_analyst"
