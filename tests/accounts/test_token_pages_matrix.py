"""Who may list and revoke whose API tokens: roles × agency kinds × regions.

The oracle, restated from issue 12: on the portal a user lists and revokes their own tokens and
nobody else's; in the admin, administrators list and revoke everyone's; every other role has no
admin token page (staff roles get 403, the others are not let into the admin at all). The audit
of tokens is read by administrators and auditors.
"""

import itertools

import pytest
from django.urls import reverse

from accounts.choices import AgencyKind, Role
from accounts.models import ApiToken
from accounts.services import issue_token
from tests.factories import AgencyFactory, UserFactory, region
from tests.second_factor import log_in

KINDS = [AgencyKind.PROSECUTOR, AgencyKind.POLICE]
REGIONS = ["KZ-75", "KZ-71"]
STAFF = {Role.PROSECUTOR, Role.AUDITOR, Role.ADMIN}


@pytest.fixture
def world(db, central_agency):
    agencies = [central_agency] + [
        AgencyFactory(kind=kind, region=region(iso))
        for kind, iso in itertools.product(KINDS, REGIONS)
    ]
    users = [
        UserFactory(username=f"{role}-{agency.code}", agency=agency, roles=[role])
        for agency, role in itertools.product(agencies, Role)
    ]
    for user in users:
        issue_token(user, name=f"token of {user.username}")
    return users


def expected_admin_status(role: str, page: str) -> int:
    may = role == Role.ADMIN or (page == "events" and role == Role.AUDITOR)
    if may:
        return 200
    return 403 if role in STAFF else 302


def test_each_user_lists_exactly_their_own_tokens_on_the_portal(world, client):
    names = {f"token of {u.username}" for u in world}
    for user in world:
        log_in(client, user)
        html = client.get(reverse("portal:profile")).content.decode()
        shown = {name for name in names if f">{name}<" in html}
        assert shown == {f"token of {user.username}"}, user.username


def test_nobody_revokes_another_users_token_on_the_portal(world, client):
    for user, other in zip(world, world[1:] + world[:1], strict=True):
        log_in(client, user)
        token = other.api_tokens.get()
        response = client.post(reverse("portal:revoke_token", args=[token.pk]))
        assert response.status_code == 404, (user.username, other.username)
    assert ApiToken.objects.count() == len(world)


def test_only_administrators_reach_the_admin_token_pages(world, client):
    a_token = ApiToken.objects.first()
    for user in world:
        (role,) = user.roles
        log_in(client, user)
        pages = {
            "list": reverse("admin:accounts_apitoken_changelist"),
            "view": reverse("admin:accounts_apitoken_change", args=[a_token.pk]),
            "events": reverse("admin:accounts_apitokenevent_changelist"),
        }
        for page, url in pages.items():
            status = client.get(url).status_code
            assert status == expected_admin_status(role, page), (user.username, page, status)
        if role == Role.ADMIN:
            html = client.get(pages["list"]).content.decode()
            assert all(f"token of {u.username}" in html for u in world), user.username


def test_administrators_of_any_agency_revoke_anyones_token_and_nobody_else_does(world, client):
    # Each user tries the token of a user of another agency (and, mostly, another region).
    for index, user in enumerate(world):
        (role,) = user.roles
        target = world[(index + 7) % len(world)].api_tokens.get()
        log_in(client, user)
        response = client.post(
            reverse("admin:accounts_apitoken_delete", args=[target.pk]), {"post": "yes"}
        )
        revoked = not ApiToken.objects.filter(pk=target.pk).exists()
        assert revoked == (role == Role.ADMIN), (user.username, response.status_code)
