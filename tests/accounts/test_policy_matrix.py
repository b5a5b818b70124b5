"""The access policy on the accounts models: roles × agency kinds × regions.

The expected answers are restated here from docs/design.md §5.1 as a plain function (the oracle) and
compared with what accounts.policy lets each user see and do.
"""

import itertools

import pytest

from accounts import policy
from accounts.choices import AgencyKind, AgencyLevel, Role
from accounts.models import Agency, Region, User
from tests.factories import AgencyFactory, UserFactory, region
from tests.second_factor import log_in

KINDS = [AgencyKind.PROSECUTOR, AgencyKind.KNB, AgencyKind.POLICE, AgencyKind.AKIMAT]
REGIONS = ["KZ-75", "KZ-71"]


@pytest.fixture
def world(db, central_agency):
    """One agency of each kind in two regions plus the central office, a user per role in each."""
    agencies = [central_agency] + [
        AgencyFactory(kind=kind, region=region(iso))
        for kind, iso in itertools.product(KINDS, REGIONS)
    ]
    users = {}
    for agency, role in itertools.product(agencies, Role):
        users[agency.code, role] = UserFactory(
            username=f"{role}-{agency.code}", agency=agency, roles=[role]
        )
    return agencies, users


def expected_visible_users(viewer: User, everyone: list[User]) -> set[str]:
    """docs/design.md §5.1 restated: who may see whom in the user directory."""
    (role,) = viewer.roles
    if role in (Role.ADMIN, Role.AUDITOR):
        return {u.username for u in everyone}
    central = viewer.agency.level == AgencyLevel.REPUBLICAN
    if role in (Role.PROSECUTOR, Role.SUPERVISOR, Role.ANALYST):
        if central:
            return {u.username for u in everyone}
        return {
            u.username
            for u in everyone
            if u.pk == viewer.pk or (u.agency.region_id == viewer.agency.region_id)
        }
    # officer: their own agency
    return {u.username for u in everyone if u.agency_id == viewer.agency_id}


def test_every_role_in_every_agency_sees_exactly_the_users_the_design_allows(world):
    _, users = world
    everyone = list(User.objects.select_related("agency"))
    for viewer in users.values():
        seen = set(User.objects.restrict(viewer, "view").values_list("username", flat=True))
        assert seen == expected_visible_users(viewer, everyone), viewer.username


def test_only_administrators_may_add_or_change_users_and_agencies(world):
    agencies, users = world
    some_user = users[agencies[1].code, Role.OFFICER]
    for (_, role), actor in users.items():
        is_admin = role == Role.ADMIN
        assert policy.can(actor, "change", some_user) is is_admin, actor.username
        assert policy.can(actor, "add", model=User) is is_admin
        assert policy.can(actor, "change", agencies[2]) is is_admin
        assert policy.can(actor, "add", model=Agency) is is_admin


def test_nobody_deletes_users_agencies_or_regions(world):
    agencies, users = world
    for actor in users.values():
        assert not policy.can(actor, "delete", users[agencies[1].code, Role.OFFICER])
        assert not policy.can(actor, "delete", agencies[1])
        assert not policy.can(actor, "delete", Region.objects.first())


def test_agency_directory_and_regions_are_readable_by_every_role(world):
    agencies, users = world
    for actor in users.values():
        assert Agency.objects.restrict(actor).count() == len(agencies)
        assert Region.objects.restrict(actor).count() == 20
        assert not policy.can(actor, "change", Region.objects.first())


def test_deactivated_and_anonymous_users_see_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    _, users = world
    admin = next(u for (code, role), u in users.items() if role == Role.ADMIN)
    admin.is_active = False
    admin.save()
    admin = User.objects.get(pk=admin.pk)
    assert not User.objects.restrict(admin).exists()
    assert not Agency.objects.restrict(AnonymousUser()).exists()


@pytest.mark.parametrize(
    ("role", "level", "reach"),
    [
        (Role.OFFICER, AgencyLevel.REGIONAL, policy.Reach.AGENCY),
        (Role.SUPERVISOR, AgencyLevel.REGIONAL, policy.Reach.REGION),
        (Role.PROSECUTOR, AgencyLevel.REGIONAL, policy.Reach.REGION),
        (Role.PROSECUTOR, AgencyLevel.REPUBLICAN, policy.Reach.COUNTRY),
        (Role.ANALYST, AgencyLevel.REPUBLICAN, policy.Reach.COUNTRY),
        (Role.AUDITOR, AgencyLevel.REGIONAL, policy.Reach.COUNTRY),
        (Role.ADMIN, AgencyLevel.REPUBLICAN, policy.Reach.NONE),
    ],
)
def test_scope_for_case_content_follows_role_and_agency_level(db, role, level, reach):
    agency = AgencyFactory(
        kind=AgencyKind.PROSECUTOR,
        level=level,
        region=None if level == AgencyLevel.REPUBLICAN else region("KZ-10"),
    )
    user = UserFactory(agency=agency, roles=[role])
    assert policy.scope_of(user).reach == reach


def test_the_widest_role_wins_for_a_user_with_several(make_user):
    user = make_user(Role.OFFICER, Role.SUPERVISOR)
    assert policy.scope_of(user).reach == policy.Reach.REGION


def test_a_model_without_a_rule_is_refused_loudly(make_user):
    from django.contrib.contenttypes.models import ContentType

    user = make_user(is_superuser=True)  # holds every model permission
    with pytest.raises(LookupError, match="No access rule"):
        policy.restrict(ContentType.objects.all(), user)


def test_every_staff_role_in_every_agency_sees_exactly_the_user_histories_the_design_allows(
    world, client
):
    """A user's history pages (the list and a record) in the admin follow the same oracle."""
    from django.urls import reverse

    agencies, users = world
    everyone = list(User.objects.select_related("agency"))
    targets = [users[agency.code, Role.OFFICER] for agency in agencies]
    for viewer in users.values():
        if not viewer.is_staff:
            continue
        log_in(client, viewer)
        visible = expected_visible_users(viewer, everyone)
        for target in [*targets, viewer]:
            record = target.history.earliest()
            for url in (
                reverse("admin:accounts_user_history", args=[target.pk]),
                reverse("admin:accounts_user_simple_history", args=[target.pk, record.history_id]),
            ):
                status = client.get(url).status_code
                expected = (200,) if target.username in visible else (403, 404)
                assert status in expected, (viewer.username, target.username, url)
