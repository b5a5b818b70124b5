"""Separation of duties for administrators (issue 12).

An administrator cannot change their own roles, agency or flags; a role granted or a move to an
agency waits for a second administrator; removals apply at once; every change is recorded with
who and when, read by auditors and administrators, and alerted to the auditors.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from accounts import services
from accounts.choices import AccessChange, AgencyKind, GrantChannel, GrantState, Role
from accounts.models import RoleGrant, User
from checks.choices import NotificationKind
from checks.models import Notification
from tests.factories import AgencyFactory, region
from tests.second_factor import log_in

PROSECUTOR_PERMISSION = "decisions.add_courtdecision"  # held through the prosecutor role only


def fresh(user: User) -> User:
    """The user as the database has them now (no cached roles or permissions)."""
    return User.objects.get(pk=user.pk)


def change_form_data(user: User, **extra) -> dict:
    """What the admin's user change form posts for `user`, plus `extra`."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "position": user.position,
        "is_active": "on",
    }
    data.update(extra)
    return data


@pytest.fixture
def admins(make_user, central_agency):
    """Two administrators of the central office."""
    return (
        make_user(Role.ADMIN, agency=central_agency, username="admin_one"),
        make_user(Role.ADMIN, agency=central_agency, username="admin_two"),
    )


@pytest.fixture
def officer(make_user):
    return make_user(Role.OFFICER, username="officer_75")


# --- one's own record ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "field",
    ["roles", "agency", "is_superuser", "is_staff", "groups", "user_permissions"],
)
@pytest.mark.parametrize("superuser", [False, True], ids=["admin", "superuser"])
def test_administrator_posting_their_own_access_is_refused_and_nothing_changes(
    admins, client_for, central_agency, field, superuser
):
    me = admins[0]
    if superuser:
        User.objects.filter(pk=me.pk).update(is_superuser=True)
        me = fresh(me)
    other_agency = AgencyFactory(kind=AgencyKind.POLICE, region=region("KZ-71"))
    values = {
        "roles": [Role.PROSECUTOR, Role.ADMIN],
        "agency": other_agency.pk,
        "is_superuser": "on",
        "is_staff": "on",
        "groups": [Group.objects.get(name=Role.PROSECUTOR).pk],
        "user_permissions": [Permission.objects.get(codename="add_courtdecision").pk],
    }
    before = (me.agency_id, me.is_superuser, me.is_staff, set(me.roles))
    response = client_for(me).post(
        reverse("admin:accounts_user_change", args=[me.pk]),
        change_form_data(me, first_name="Changed", **{field: values[field]}),
    )
    assert response.status_code == 403
    me = fresh(me)
    assert (me.agency_id, me.is_superuser, me.is_staff, set(me.roles)) == before
    assert me.first_name != "Changed"  # the whole POST is refused, not just the field
    assert not me.user_permissions.exists()
    assert not RoleGrant.objects.filter(user=me).exists()


def test_administrator_sees_their_own_roles_and_agency_read_only(admins, client_for):
    me = admins[0]
    page = client_for(me).get(reverse("admin:accounts_user_change", args=[me.pk])).content
    assert b'name="roles"' not in page
    assert b'name="agency"' not in page
    assert b'name="_save"' in page  # the rest of the record stays editable


def test_administrator_may_still_edit_the_rest_of_their_own_record(admins, client_for):
    me = admins[0]
    response = client_for(me).post(
        reverse("admin:accounts_user_change", args=[me.pk]),
        change_form_data(me, first_name="Aigerim"),
    )
    assert response.status_code == 302
    assert fresh(me).first_name == "Aigerim"
    assert fresh(me).roles == {Role.ADMIN}


def test_own_access_change_is_refused_by_the_service_and_the_database(admins):
    me = admins[0]
    with pytest.raises(services.OwnAccessChange):
        services.change_access(me, roles={Role.ADMIN, Role.AUDITOR}, agency=me.agency, by=me)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(
            user=me,
            change=AccessChange.ADD_ROLE,
            role=Role.AUDITOR,
            channel=GrantChannel.ADMIN,
            requested_by=me,
            state=GrantState.PENDING,
        )


# --- another user's record ---------------------------------------------------------------------
@pytest.mark.parametrize("field", ["groups", "user_permissions", "is_superuser", "is_staff"])
def test_forged_group_permission_or_flag_fields_on_another_user_are_refused(
    admins, officer, client_for, field
):
    values = {
        "groups": [Group.objects.get(name=Role.PROSECUTOR).pk],
        "user_permissions": [Permission.objects.get(codename="add_courtdecision").pk],
        "is_superuser": "on",
        "is_staff": "on",
    }
    response = client_for(admins[0]).post(
        reverse("admin:accounts_user_change", args=[officer.pk]),
        change_form_data(officer, roles=[Role.OFFICER], **{field: values[field]}),
    )
    assert response.status_code == 403
    officer = fresh(officer)
    assert officer.roles == {Role.OFFICER}
    assert not officer.is_superuser and not officer.is_staff
    assert not officer.has_perm(PROSECUTOR_PERMISSION)


def test_granting_a_role_waits_for_a_second_administrator(admins, officer, client_for):
    first, second = admins
    response = client_for(first).post(
        reverse("admin:accounts_user_change", args=[officer.pk]),
        change_form_data(officer, roles=[Role.OFFICER, Role.PROSECUTOR], agency=officer.agency_id),
    )
    assert response.status_code == 302
    assert fresh(officer).roles == {Role.OFFICER}
    assert not fresh(officer).has_perm(PROSECUTOR_PERMISSION)
    assert not fresh(officer).is_staff
    grant = RoleGrant.objects.get(user=officer)
    assert (grant.change, grant.role, grant.state) == (
        AccessChange.ADD_ROLE,
        Role.PROSECUTOR,
        GrantState.PENDING,
    )
    assert grant.requested_by == first and grant.requested_at is not None

    response = client_for(second).post(
        reverse("admin:accounts_rolegrant_changelist"),
        {"action": "approve", "_selected_action": [grant.pk]},
    )
    assert response.status_code == 302
    officer = fresh(officer)
    assert officer.roles == {Role.OFFICER, Role.PROSECUTOR}
    assert officer.has_perm(PROSECUTOR_PERMISSION)
    assert officer.is_staff  # prosecutors work in the admin
    grant.refresh_from_db()
    assert grant.state == GrantState.APPROVED
    assert grant.decided_by == second and grant.decided_at >= grant.requested_at


def test_the_requesting_administrator_cannot_approve_their_own_request(admins, officer, client_for):
    first, _ = admins
    (grant,) = services.change_access(
        officer, roles={Role.OFFICER, Role.PROSECUTOR}, agency=officer.agency, by=first
    )
    response = client_for(first).post(
        reverse("admin:accounts_rolegrant_changelist"),
        {"action": "approve", "_selected_action": [grant.pk]},
        follow=True,
    )
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        refusal = translation.gettext(
            "You cannot decide your own request: a second administrator must."
        )
    assert refusal in response.content.decode()
    grant.refresh_from_db()
    assert grant.state == GrantState.PENDING
    assert not fresh(officer).has_perm(PROSECUTOR_PERMISSION)
    with pytest.raises(services.OwnAccessChange):
        services.approve_grant(grant.pk, by=first)
    # The database refuses it too, whatever path a write takes.
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.filter(pk=grant.pk).update(
            state=GrantState.APPROVED, decided_by=first, decided_at=grant.requested_at
        )


def test_the_subject_of_a_request_cannot_decide_it(admins, make_user, central_agency):
    first, second = admins
    (grant,) = services.change_access(
        second, roles={Role.ADMIN, Role.AUDITOR}, agency=central_agency, by=first
    )
    with pytest.raises(services.OwnAccessChange):
        services.approve_grant(grant.pk, by=second)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.filter(pk=grant.pk).update(
            state=GrantState.APPROVED, decided_by=second, decided_at=grant.requested_at
        )


def test_a_second_administrator_rejects_and_nothing_changes(admins, officer, client_for):
    first, second = admins
    (grant,) = services.change_access(
        officer, roles={Role.OFFICER, Role.PROSECUTOR}, agency=officer.agency, by=first
    )
    client_for(second).post(
        reverse("admin:accounts_rolegrant_changelist"),
        {"action": "reject", "_selected_action": [grant.pk]},
    )
    grant.refresh_from_db()
    assert (grant.state, grant.decided_by) == (GrantState.REJECTED, second)
    assert fresh(officer).roles == {Role.OFFICER}
    with pytest.raises(services.GrantAlreadyDecided):
        services.approve_grant(grant.pk, by=second)
    assert fresh(officer).roles == {Role.OFFICER}


def test_removing_a_role_applies_at_once_and_is_recorded(admins, make_user, client_for):
    first, _ = admins
    user = make_user(Role.OFFICER, Role.SUPERVISOR)
    response = client_for(first).post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        change_form_data(user, roles=[Role.OFFICER], agency=user.agency_id),
    )
    assert response.status_code == 302
    assert fresh(user).roles == {Role.OFFICER}
    grant = RoleGrant.objects.get(user=user)
    assert (grant.change, grant.role, grant.state, grant.requested_by) == (
        AccessChange.REMOVE_ROLE,
        Role.SUPERVISOR,
        GrantState.APPLIED,
        first,
    )


def test_moving_a_user_to_another_agency_waits_for_a_second_administrator(
    admins, officer, central_agency, client_for
):
    first, second = admins
    home = officer.agency_id
    response = client_for(first).post(
        reverse("admin:accounts_user_change", args=[officer.pk]),
        change_form_data(officer, roles=[Role.OFFICER], agency=central_agency.pk),
    )
    assert response.status_code == 302
    assert fresh(officer).agency_id == home
    grant = RoleGrant.objects.get(user=officer)
    assert (grant.change, grant.previous_agency_id, grant.agency, grant.state) == (
        AccessChange.AGENCY,
        home,
        central_agency,
        GrantState.PENDING,
    )
    services.approve_grant(grant.pk, by=second)
    assert fresh(officer).agency == central_agency


def test_a_new_user_gets_roles_and_agency_only_when_a_second_administrator_approves(
    admins, client_for
):
    first, second = admins
    response = client_for(first).post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new_prosecutor",
            "usable_password": "true",
            "password1": "a-long-enough-passphrase-42",
            "password2": "a-long-enough-passphrase-42",
            "agency": first.agency_id,
            "roles": [Role.PROSECUTOR],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    created = User.objects.get(username="new_prosecutor")
    assert created.roles == frozenset() and created.agency is None and not created.is_staff
    pending = RoleGrant.objects.filter(user=created, state=GrantState.PENDING)
    assert {(g.change, g.role) for g in pending} == {
        (AccessChange.ADD_ROLE, Role.PROSECUTOR),
        (AccessChange.AGENCY, ""),
    }
    for grant in pending:
        services.approve_grant(grant.pk, by=second)
    created = fresh(created)
    assert created.roles == {Role.PROSECUTOR}
    assert created.agency_id == first.agency_id
    assert created.is_staff


def test_a_pending_grant_is_not_requested_twice(admins, officer):
    first, _ = admins
    for _ in range(2):
        services.change_access(
            officer, roles={Role.OFFICER, Role.ANALYST}, agency=officer.agency, by=first
        )
    assert RoleGrant.objects.filter(user=officer, state=GrantState.PENDING).count() == 1


# --- auditors: alerted, and read the record --------------------------------------------------
def test_auditors_are_alerted_of_every_request_and_decision(admins, officer, make_user):
    first, second = admins
    auditors = [make_user(Role.AUDITOR), make_user(Role.AUDITOR, region="KZ-71")]
    (grant,) = services.change_access(
        officer, roles={Role.OFFICER, Role.PROSECUTOR}, agency=officer.agency, by=first
    )
    services.approve_grant(grant.pk, by=second)
    for auditor in auditors:
        notes = Notification.objects.filter(user=auditor, kind=NotificationKind.ACCESS_CHANGE)
        messages = [n.message for n in notes.order_by("created_at", "id")]
        assert len(messages) == 2
        assert "officer_75" in messages[0] and "admin_one" in messages[0]
        assert "admin_two" in messages[1]
    # Nobody else is alerted.
    assert not Notification.objects.exclude(user__in=auditors).exists()


def test_an_auditor_sees_the_alert_in_the_portal(admins, officer, make_user, client_for):
    auditor = make_user(Role.AUDITOR)
    services.change_access(
        officer, roles={Role.OFFICER, Role.PROSECUTOR}, agency=officer.agency, by=admins[0]
    )
    page = client_for(auditor).get(reverse("portal:notifications")).content.decode()
    assert "officer_75" in page and "admin_one" in page


def test_auditors_read_the_record_but_cannot_decide(admins, officer, make_user, client_for):
    auditor = make_user(Role.AUDITOR)
    (grant,) = services.change_access(
        officer, roles={Role.OFFICER, Role.PROSECUTOR}, agency=officer.agency, by=admins[0]
    )
    client = client_for(auditor)
    listing = client.get(reverse("admin:accounts_rolegrant_changelist"))
    assert listing.status_code == 200
    assert "officer_75" in listing.content.decode()
    detail = client.get(reverse("admin:accounts_rolegrant_change", args=[grant.pk]))
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    client.post(
        reverse("admin:accounts_rolegrant_changelist"),
        {"action": "approve", "_selected_action": [grant.pk]},
    )
    grant.refresh_from_db()
    assert grant.state == GrantState.PENDING
    with pytest.raises(services.NotAllowed):
        services.approve_grant(grant.pk, by=auditor)


def test_nobody_edits_a_recorded_change_by_hand(admins, officer, client_for):
    first, second = admins
    (grant,) = services.change_access(
        officer, roles={Role.OFFICER, Role.PROSECUTOR}, agency=officer.agency, by=first
    )
    client = client_for(second)
    url = reverse("admin:accounts_rolegrant_change", args=[grant.pk])
    assert client.post(url, {"state": GrantState.APPROVED}).status_code == 403
    assert client.get(reverse("admin:accounts_rolegrant_add")).status_code == 403
    assert client.post(reverse("admin:accounts_rolegrant_delete", args=[grant.pk])).status_code in (
        403,
        302,
    )
    grant.refresh_from_db()
    assert grant.state == GrantState.PENDING
    assert RoleGrant.objects.filter(pk=grant.pk).exists()


# --- the command line and the demo ------------------------------------------------------------
def test_add_user_applies_at_once_and_records_the_command_line(db, central_agency, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    monkeypatch.setenv("KBZ_PASSWORD", "a-long-enough-passphrase-42")
    out = StringIO()
    call_command("add_user", "first_admin", "--agency", "gp", "--role", "admin", stdout=out)
    assert "command line" in out.getvalue()
    user = User.objects.get(username="first_admin")
    assert user.roles == {Role.ADMIN} and user.is_staff
    records = RoleGrant.objects.filter(user=user)
    assert {(g.change, g.role, g.agency_id) for g in records} == {
        (AccessChange.ADD_ROLE, Role.ADMIN, None),
        (AccessChange.AGENCY, "", central_agency.pk),
    }
    assert {(g.channel, g.state, g.requested_by) for g in records} == {
        (GrantChannel.COMMAND_LINE, GrantState.APPLIED, None)
    }


def test_seed_demo_records_its_grants_as_demo_and_only_once(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    demo = RoleGrant.objects.filter(user__is_demo=True)
    assert demo.filter(change=AccessChange.ADD_ROLE).count() == len(Role)
    assert set(demo.values_list("channel", flat=True)) == {GrantChannel.DEMO}
    count = demo.count()
    call_command("seed_demo", stdout=StringIO())
    assert RoleGrant.objects.count() == count


# --- who may see and decide: roles × agencies ---------------------------------------------------
@pytest.fixture
def world(db, central_agency):
    """A user per role in the central office and in a regional police department, and one
    pending grant requested by an outside administrator."""
    from tests.factories import UserFactory

    regional = AgencyFactory(kind=AgencyKind.POLICE, region=region("KZ-75"))
    users = {
        (agency.code, role): UserFactory(
            username=f"{role}-{agency.code}", agency=agency, roles=[role]
        )
        for agency in (central_agency, regional)
        for role in Role
    }
    requester = UserFactory(username="requester", agency=central_agency, roles=[Role.ADMIN])
    subject = UserFactory(username="subject", agency=regional, roles=[Role.OFFICER])
    (grant,) = services.change_access(
        subject, roles={Role.OFFICER, Role.ANALYST}, agency=regional, by=requester
    )
    return users, grant


def test_only_administrators_decide_auditors_read_and_others_see_nothing(world, client):
    from accounts import policy

    users, grant = world
    changelist = reverse("admin:accounts_rolegrant_changelist")
    for (_code, role), user in users.items():
        reads = role in (Role.ADMIN, Role.AUDITOR)
        decides = role == Role.ADMIN
        assert RoleGrant.objects.restrict(user).exists() is reads, user.username
        assert policy.can(user, "change", grant) is decides, user.username
        assert not policy.can(user, "add", model=RoleGrant)
        assert not policy.can(user, "delete", grant)
        log_in(client, user)
        status = client.get(changelist).status_code
        if reads:
            assert status == 200, user.username
        else:
            assert status in (302, 403), user.username  # not staff: to the login; staff: 403


def test_an_administrator_may_not_decide_a_request_of_their_own_by_policy(world):
    from accounts import policy

    _, grant = world
    assert not policy.can(grant.requested_by, "change", grant)
    assert not policy.can(grant.user, "change", grant)
