from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from accounts.admin_policy import PolicyModelAdmin
from accounts.choices import Role
from accounts.models import Agency, Region, User
from accounts.services import assign_roles


@admin.register(Region)
class RegionAdmin(PolicyModelAdmin):
    list_display = ["iso_code", "name_ru", "name_kk", "name_en", "kind"]
    list_filter = ["kind"]
    search_fields = ["iso_code", "name_ru", "name_kk", "name_en"]


@admin.register(Agency)
class AgencyAdmin(PolicyModelAdmin):
    list_display = ["code", "name_ru", "kind", "level", "region", "is_active"]
    list_filter = ["kind", "level", "region", "is_active"]
    search_fields = ["code", "name_ru", "name_kk", "name_en"]
    list_select_related = ["region"]
    autocomplete_fields = ["parent"]
    fields = [
        "code",
        "name_ru",
        "name_kk",
        "name_en",
        "kind",
        "level",
        "region",
        "parent",
        "contact",
        "is_active",
    ]


@admin.register(User)
class UserAdmin(PolicyModelAdmin, DjangoUserAdmin):
    list_display = ["username", "last_name", "first_name", "agency", "role_list", "is_active"]
    list_filter = ["groups", "agency__kind", "agency__region", "is_active", "is_demo"]
    search_fields = ["username", "first_name", "last_name", "email", "agency__name_ru"]
    list_select_related = ["agency"]
    autocomplete_fields = ["agency"]
    filter_horizontal = ["groups"]
    readonly_fields = ["last_login", "date_joined", "is_staff", "is_superuser"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "email", "position"]}),
        (_("Agency and roles"), {"fields": ["agency", "groups", "is_active", "is_demo"]}),
        (_("Derived"), {"fields": ["is_staff", "is_superuser", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "usable_password", "password1", "password2"]}),
        (_("Agency and roles"), {"fields": ["agency", "position", "groups"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def role_list(self, obj):
        return ", ".join(
            sorted(str(Role(g.name).label) for g in obj.groups.all() if g.name in Role)
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = Group.objects.filter(name__in=Role.values)
            kwargs["label"] = _("roles")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        roles = list(
            form.instance.groups.filter(name__in=Role.values).values_list("name", flat=True)
        )
        if roles:
            assign_roles(form.instance, roles)  # keeps admin access in step with the roles


admin.site.unregister(Group)

# API keys are secrets: no page of the admin lists them, whoever asks. Tokens are issued with
# `manage.py issue_token` and on the profile page. (Every admin class in admin.site must go
# through the access policy; accounts.checks refuses to start otherwise.)
if apps.is_installed("rest_framework.authtoken"):
    from rest_framework.authtoken.models import TokenProxy

    if admin.site.is_registered(TokenProxy):
        admin.site.unregister(TokenProxy)


@admin.register(Group)
class RoleAdmin(PolicyModelAdmin):
    """Roles are code (accounts.roles): shown here, changed only by a release."""

    list_display = ["name"]
    filter_horizontal = ["permissions"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
