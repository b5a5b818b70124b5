"""History is read-only on every page of the admin, for everyone, superusers included.

django-simple-history's history form view (`/admin/<app>/<model>/<id>/history/<history_id>/`)
saves the object on any valid POST. These tests POST a genuine change-form payload to it for
every history-tracked model registered in admin.site (taken from the registry, so a model
registered tomorrow is covered without touching this file) and expect 405 with nothing changed.
"""

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.management import call_command
from django.db import transaction
from django.forms import CheckboxInput, FileInput, MultiWidget, Textarea, TextInput
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.urls import reverse

from accounts import policy
from accounts.admin_policy import has_history
from accounts.choices import Role
from accounts.models import Agency, User
from organizations.models import Organization
from registry import services
from registry.choices import LinkClassification, LinkState
from registry.selectors import record_disagreements
from tests.factories import UserFactory
from tests.materials.factories import OrganizationFactory
from tests.registry.factories import LinkFactory
from tests.second_factor import log_in

HISTORY_MODELS = sorted(
    (model for model in admin.site._registry if has_history(model)),
    key=lambda model: model._meta.label,
)
WRITE_METHODS = ["post", "put", "patch", "delete"]


def history_url(obj, record) -> str:
    opts = obj._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[obj.pk, record.history_id],
    )


def _widget_data(widget, name, value) -> dict:
    """What a browser would send for this widget showing this value."""
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    if isinstance(widget, FileInput):
        return {}
    if isinstance(widget, MultiWidget):
        values = value if isinstance(value, list | tuple) else widget.decompress(value)
        data = {}
        for suffix, subwidget, subvalue in zip(
            widget.widgets_names, widget.widgets, values, strict=False
        ):
            data |= _widget_data(subwidget, name + suffix, subvalue)
        return data
    if isinstance(widget, CheckboxInput):
        return {name: "on"} if value else {}
    formatted = widget.format_value(value)
    if formatted is None:
        return {name: ""}
    return {name: formatted}


def change_form_payload(model_admin, request, obj) -> dict:
    """The object's change form as a superuser would submit it, with one text field altered."""
    form = model_admin.get_form(request, obj)(instance=obj)
    data = {}
    tampered = False
    for bound in form:
        data |= _widget_data(bound.field.widget, bound.html_name, bound.value())
        widget = bound.field.widget
        if not tampered and isinstance(widget, TextInput | Textarea) and bound.value():
            data[bound.html_name] = f"{bound.value()}"[:-1] + "X"
            tampered = True
    return data


def snapshot(obj) -> tuple:
    fresh = type(obj)._default_manager.get(pk=obj.pk)
    history = list(fresh.history.order_by("history_id").values_list("history_id", flat=True))
    return model_to_dict(fresh), history


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    """The demo world (seed_demo with the registry demo) and one superuser, seeded once for
    this module inside a transaction that is rolled back after it (each test nests in it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        UserFactory(username="history-root", is_superuser=True, is_staff=True)
        yield
        transaction.set_rollback(True)


def _actors():
    """The superuser and every demo role user; each tries every model it can view."""
    superuser = User.objects.get(username="history-root")
    return [superuser, *User.objects.filter(username__startswith="demo_").order_by("username")]


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=lambda model: model._meta.label)
def test_no_history_page_of_any_admin_model_saves_a_post(model, demo_world, db, client):
    model_admin = admin.site._registry[model]
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"seed_demo has no {model._meta.label}: give it one"
    obj.save()  # a historical record even for rows loaded by a migration
    record = obj.history.order_by("history_id").first()
    url = history_url(obj, record)
    tried = 0
    for actor in _actors():
        if not (actor.is_staff and policy.can(actor, "view", obj)):
            continue
        request = RequestFactory().get(url)
        request.user = actor
        payload = change_form_payload(model_admin, request, obj)
        log_in(client, actor)
        before = snapshot(obj)
        for method in WRITE_METHODS:
            response = getattr(client, method)(url, payload)
            assert response.status_code in (403, 405), (actor.username, method)
            assert snapshot(obj) == before, (actor.username, method)
        assert client.get(url).status_code == 200, actor.username
        tried += 1
    assert tried >= 2, "the superuser and at least one role may read this history"
    assert record_disagreements() == []  # the demo world's links still agree with themselves


# --- the reproductions of issue 12 ---------------------------------------------------------------
def _post_record(client, obj, record, data):
    return client.post(history_url(obj, record), data)


def test_an_auditor_cannot_move_a_confidential_link_back_through_its_history(
    db, officer, prosecutor, auditor, client_for
):
    link = LinkFactory(first_reported_by=officer, confidential=True)
    first = link.history.earliest()
    services.transition(link.pk, LinkState.UNDER_REVIEW, actor=prosecutor)
    services.classify(link.pk, classification=LinkClassification.EXTREMIST, actor=prosecutor)
    link.refresh_from_db()
    client = client_for(auditor)
    response = _post_record(
        client, link, first, {"state": LinkState.NEW, "classification": first.classification}
    )
    assert response.status_code == 405
    link.refresh_from_db()
    assert link.state == LinkState.UNDER_REVIEW
    assert link.classification == LinkClassification.EXTREMIST
    assert link.trail.order_by("-at", "-id").first().to_state == link.state


def test_an_auditor_cannot_grant_themselves_the_prosecutor_role_through_history(
    db, auditor, client_for
):
    from django.contrib.auth.models import Group

    record = auditor.history.latest()
    prosecutor_group = Group.objects.get(name=Role.PROSECUTOR)
    response = _post_record(
        client_for(auditor),
        auditor,
        record,
        {
            "username": auditor.username,
            "agency": auditor.agency_id,
            "groups": [prosecutor_group.pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 405
    auditor.refresh_from_db()
    assert set(auditor.roles) == {Role.AUDITOR}


def test_a_regional_prosecutor_cannot_move_their_own_agency_to_gp_through_history(
    db, regional_prosecutor, central_agency, client_for
):
    regional_prosecutor.save()  # a record of their own they may view
    record = regional_prosecutor.history.latest()
    response = _post_record(
        client_for(regional_prosecutor),
        regional_prosecutor,
        record,
        {"username": regional_prosecutor.username, "agency": central_agency.pk},
    )
    assert response.status_code == 405
    regional_prosecutor.refresh_from_db()
    assert regional_prosecutor.agency != central_agency
    assert not Agency.objects.filter(pk=central_agency.pk, users=regional_prosecutor).exists()


def test_an_auditor_cannot_rename_a_banned_organization_through_history(db, auditor, client_for):
    organization = OrganizationFactory()
    record = organization.history.latest()
    response = _post_record(
        client_for(auditor),
        organization,
        record,
        {
            "name_ru": "Переименовано",
            "classification": organization.classification,
            "status": organization.status,
        },
    )
    assert response.status_code == 405
    assert Organization.objects.get(pk=organization.pk).name_ru == organization.name_ru
    assert organization.history.count() == 1


def test_a_superuser_cannot_change_anything_through_history_either(db, officer, client_for):
    root = UserFactory(is_superuser=True, is_staff=True)
    link = LinkFactory(first_reported_by=officer)
    record = link.history.earliest()
    before = snapshot(link)
    response = _post_record(client_for(root), link, record, {"state": LinkState.BLOCKED})
    assert response.status_code == 405
    assert snapshot(link) == before


def test_the_history_form_shows_every_field_read_only(db, auditor, client_for):
    record = auditor.history.latest()
    response = client_for(auditor).get(history_url(auditor, record))
    assert response.status_code == 200
    assert b'name="username"' not in response.content
    assert b'name="_save"' not in response.content
    assert auditor.username.encode() in response.content
