"""Audit history: every change is recorded with its user; nobody can alter history."""

import pytest
from django.urls import NoReverseMatch, reverse

from accounts.choices import Role
from accounts.models import Agency


def test_a_change_through_the_admin_is_recorded_with_the_acting_user(make_user, client_for):
    admin_user = make_user(Role.ADMIN, kind="prosecutor")
    agency = admin_user.agency
    client = client_for(admin_user)
    response = client.post(
        reverse("admin:accounts_agency_change", args=[agency.pk]),
        {
            "code": agency.code,
            "name_ru": "Новое название",
            "kind": agency.kind,
            "level": agency.level,
            "region": agency.region_id,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    latest = agency.history.latest()
    assert latest.name_ru == "Новое название"
    assert latest.history_user == admin_user
    assert latest.history_type == "~"


def test_history_page_is_shown_in_the_admin(make_user, client_for):
    auditor = make_user(Role.AUDITOR)
    response = client_for(auditor).get(
        reverse("admin:accounts_agency_history", args=[auditor.agency.pk])
    )
    assert response.status_code == 200


def test_historical_models_have_no_admin_or_api_route_to_edit_them():
    for name in ("historicalagency", "historicaluser", "historicalregion"):
        for view in ("changelist", "change", "delete", "add"):
            with pytest.raises(NoReverseMatch):
                args = [1] if view in ("change", "delete") else []
                reverse(f"admin:accounts_{name}_{view}", args=args)


def test_an_administrator_cannot_revert_history_through_the_admin(make_user, client_for):
    admin_user = make_user(Role.ADMIN, kind="prosecutor")
    agency = admin_user.agency
    Agency.objects.filter(pk=agency.pk).update(name_ru="x")  # no history for raw updates
    record = agency.history.earliest()
    client = client_for(admin_user)
    url = reverse("admin:accounts_agency_simple_history", args=[agency.pk, record.history_id])
    before = agency.history.count()
    response = client.post(url, {"code": "hijacked", "name_ru": "hijacked"})
    assert response.status_code in (403, 405) or b"revert" not in response.content.lower()
    assert agency.history.count() == before
    assert not Agency.objects.filter(code="hijacked").exists()


def test_no_role_holds_a_permission_to_change_or_delete_history(db):
    from django.contrib.auth.models import Group

    for group in Group.objects.all():
        codenames = set(group.permissions.values_list("codename", flat=True))
        assert not {
            c
            for c in codenames
            if c.startswith(("change_historical", "delete_historical", "add_historical"))
        }, group.name
