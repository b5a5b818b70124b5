"""The Django admin: in Russian, behind the access policy, roles decide what is editable."""

from django.urls import reverse

from accounts.choices import Role
from accounts.models import User


def test_admin_speaks_russian_by_default(make_user, client_for):
    response = client_for(make_user(Role.ADMIN, kind="prosecutor")).get(reverse("admin:index"))
    assert response.status_code == 200
    assert "Администрирование" in response.content.decode()


def test_administrator_creates_a_user_whose_roles_await_a_second_administrator(
    make_user, client_for
):
    admin_user = make_user(Role.ADMIN, kind="prosecutor")
    response = client_for(admin_user).post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new_prosecutor",
            "usable_password": "true",
            "password1": "a-long-enough-passphrase-42",
            "password2": "a-long-enough-passphrase-42",
            "agency": admin_user.agency_id,
            "roles": [Role.PROSECUTOR],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    created = User.objects.get(username="new_prosecutor")
    assert created.roles == frozenset()  # tests/accounts/test_separation_of_duties.py
    assert not created.is_staff


def test_officer_has_no_admin_access(make_user, client_for):
    response = client_for(make_user(Role.OFFICER)).get(reverse("admin:index"))
    assert response.status_code == 302  # to the admin login: officers are not staff


def test_auditor_reads_users_but_cannot_change_them(make_user, client_for):
    auditor = make_user(Role.AUDITOR)
    other = make_user(Role.OFFICER, region="KZ-71")
    client = client_for(auditor)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    url = reverse("admin:accounts_user_change", args=[other.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(url, {"username": "renamed"}).status_code == 403


def test_prosecutor_cannot_manage_users(make_user, client_for):
    prosecutor = make_user(Role.PROSECUTOR, kind="prosecutor")
    client = client_for(prosecutor)
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403


def test_roles_are_read_only_in_the_admin(make_user, client_for):
    from django.contrib.auth.models import Group

    admin_user = make_user(Role.ADMIN, kind="prosecutor")
    group = Group.objects.get(name=Role.OFFICER)
    response = client_for(admin_user).post(
        reverse("admin:auth_group_change", args=[group.pk]), {"name": "hacked"}
    )
    assert response.status_code == 403


def test_users_are_filtered_by_role_named_in_the_readers_language(make_user, client_for):
    """The role filter names roles ("прокурор"), not the groups' codes ("prosecutor")."""
    admin_user = make_user(Role.ADMIN, kind="prosecutor")
    officer = make_user(Role.OFFICER, username="filtered_officer")
    make_user(Role.SUPERVISOR, username="filtered_supervisor", agency=officer.agency)
    client = client_for(admin_user)
    page = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "?role=prosecutor" in page and "прокурор" in page
    assert ">prosecutor<" not in page and ">supervisor<" not in page
    listed = client.get(reverse("admin:accounts_user_changelist") + "?role=officer")
    names = [user.username for user in listed.context["cl"].result_list]
    assert names == ["filtered_officer"]
