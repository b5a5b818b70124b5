"""The system check that keeps every admin class and served model behind the access policy."""

import pytest
from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core import checks
from django.urls import path
from rest_framework import serializers, viewsets

from accounts.admin_policy import PolicyModelAdmin
from accounts.checks import check_admin_classes, check_rules
from accounts.models import Agency, Region


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def site_with(model, admin_class) -> admin.AdminSite:
    site = admin.AdminSite(name="check_test")
    site.register(model, admin_class)
    return site


def test_the_project_passes_the_access_policy_check():
    assert check_rules() == []
    assert check_admin_classes() == []
    assert [m for m in checks.run_checks() if m.id.startswith("kbz.")] == []


def test_an_admin_class_that_does_not_derive_from_the_policy_admin_fails_startup():
    errors = checks.run_checks()
    assert "kbz.E002" not in ids(errors)
    admin.site.register(ContentType, admin.ModelAdmin)
    try:
        errors = checks.run_checks()
    finally:
        admin.site.unregister(ContentType)
    assert "kbz.E002" in ids(errors)
    assert "kbz.E001" in ids(errors)  # and ContentType has no rule
    assert all(e.level >= checks.ERROR for e in errors if e.id.startswith("kbz."))


def test_a_third_party_admin_registered_as_it_comes_fails_the_check():
    errors = check_admin_classes(site_with(AccessAttempt, AccessAttemptAdmin))
    assert ids(errors) == ["kbz.E002"]
    assert "axes.admin.AccessAttemptAdmin" in errors[0].msg


def test_a_served_model_without_a_rule_fails_the_check():
    class ContentTypeAdmin(PolicyModelAdmin):
        pass

    errors = check_rules(site_with(ContentType, ContentTypeAdmin))
    assert ids(errors) == ["kbz.E001"]
    assert errors[0].obj is ContentType


class BypassingQueryset(PolicyModelAdmin):
    def get_queryset(self, request):
        return Agency.objects.all()


class GrantingChange(PolicyModelAdmin):
    def has_change_permission(self, request, obj=None):
        return request.user.is_staff


class WritableHistory(PolicyModelAdmin):
    def history_form_view(self, request, object_id, version_id, extra_context=None):
        return None


@pytest.mark.parametrize(
    ("admin_class", "error"),
    [(BypassingQueryset, "kbz.E003"), (GrantingChange, "kbz.E003"), (WritableHistory, "kbz.E004")],
    ids=["get_queryset", "has_change_permission", "history_form_view"],
)
def test_an_override_that_bypasses_the_policy_fails_the_check(admin_class, error):
    assert ids(check_admin_classes(site_with(Agency, admin_class))) == [error]


class NarrowedAdmin(PolicyModelAdmin):
    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("region")


def test_overrides_that_narrow_or_call_super_pass_the_check():
    assert check_admin_classes(site_with(Agency, NarrowedAdmin)) == []


class ContentTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContentType
        fields = ["id"]


class ContentTypeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ContentTypeSerializer


ContentTypeViewSet.__module__ = "registry.api.views"  # as if one of our apps served it

urlpatterns = [path("content-types/", ContentTypeViewSet.as_view({"get": "list"}))]


def test_a_model_served_by_an_api_view_of_ours_without_a_rule_fails_the_check():
    site = site_with(Region, PolicyModelAdmin)
    errors = check_rules(site, urlconf=__name__)
    assert ids(errors) == ["kbz.E001"]
    assert "API ContentTypeViewSet" in errors[0].msg


def test_a_rule_missing_from_an_apps_access_module_fails_the_check(monkeypatch):
    from accounts import policy
    from registry.models import Link

    monkeypatch.delitem(policy._rules, Link)  # as if registry/access.py had not registered it
    errors = check_rules()
    assert ids(errors) == ["kbz.E001"]
    assert errors[0].obj is Link
    assert "access.py" in errors[0].hint
