"""The upgrade from DRF's clear-text tokens: existing keys keep working (with their scope) as
knox digests, and the clear-text keys are gone from the database."""

import secrets

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from knox.crypto import hash_token

BEFORE = [("accounts", "0003_token_scope"), ("authtoken", "0004_alter_tokenproxy_options")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_old_drf_keys_keep_working_with_their_scope_and_leave_no_clear_text(api_client):
    old_apps = migrate(BEFORE)
    User = old_apps.get_model("accounts", "User")
    Token = old_apps.get_model("authtoken", "Token")
    ApiTokenScope = old_apps.get_model("accounts", "ApiTokenScope")
    integration = User.objects.create(username="stats_office", is_active=True)
    person = User.objects.create(username="ivanov", is_active=True)
    full_key, reports_key = secrets.token_hex(20), secrets.token_hex(20)  # DRF's 40-hex keys
    Token.objects.create(key=full_key, user=person)
    ApiTokenScope.objects.create(
        token=Token.objects.create(key=reports_key, user=integration), scope="reports"
    )

    new_apps = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    ApiToken = new_apps.get_model("accounts", "ApiToken")
    converted = {t.user.username: t for t in ApiToken.objects.select_related("user")}
    assert converted["ivanov"].digest == hash_token(full_key)
    assert (converted["ivanov"].scope, converted["stats_office"].scope) == ("full", "reports")
    assert all(t.name == "legacy token" and t.expiry for t in converted.values())

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {full_key}")
    assert api_client.get("/api/v1/me/").json()["username"] == "ivanov"
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {reports_key}")
    assert api_client.get("/api/v1/me/").status_code == 403  # known, but limited to reports

    tables = set(connection.introspection.table_names())
    assert not {"authtoken_token", "accounts_apitokenscope"} & tables
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert full_key not in stored and reports_key not in stored
