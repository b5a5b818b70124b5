from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor
from accounts.admin_policy import PolicyModelAdmin
from accounts.choices import Role
from accounts.models import Agency, Region, User
from accounts.services import assign_roles

# Second-factor devices hold secrets: no admin page shows or edits them, for anyone. An
# administrator resets a user's second factor with the user list's action, which is recorded.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


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


@admin.action(description=_("Reset the second factor"), permissions=["change"])
def reset_second_factor(modeladmin, request, queryset):
    """Remove the selected users' second-factor devices (they enrol again); recorded."""
    users = list(queryset)
    for user in users:
        second_factor.reset(user, by=request.user)
    modeladmin.message_user(
        request,
        _("Second factor reset for %(count)d user(s).") % {"count": len(users)},
        messages.SUCCESS,
    )


@admin.register(User)
class UserAdmin(PolicyModelAdmin, DjangoUserAdmin):
    actions = [reset_second_factor]
    list_display = ["username", "last_name", "first_name", "agency", "role_list", "is_active"]
    list_filter = ["groups", "agency__kind", "agency__region", "is_active", "is_demo"]
    search_fields = ["username", "first_name", "last_name", "email", "agency__name_ru"]
    list_select_related = ["agency"]
    autocomplete_fields = ["agency"]
    filter_horizontal = ["groups"]
    readonly_fields = [
        "last_login",
        "date_joined",
        "is_staff",
        "is_superuser",
        "second_factor_status",
    ]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "email", "position"]}),
        (_("Agency and roles"), {"fields": ["agency", "groups", "is_active", "is_demo"]}),
        (_("Derived"), {"fields": ["is_staff", "is_superuser", "last_login", "date_joined"]}),
        (_("Second factor"), {"fields": ["second_factor_status"]}),
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

    @admin.display(description=_("second factor"))
    def second_factor_status(self, obj):
        """On or off, and the last reset (who, when); never the secret."""
        on = second_factor.confirmed_totp(obj) is not None
        state = pgettext("second factor", "on") if on else pgettext("second factor", "off")
        last = obj.second_factor_resets.select_related("reset_by").first()
        if last is None:
            return state
        return _("%(state)s; last reset by %(by)s on %(at)s") % {
            "state": state,
            "by": last.reset_by,
            "at": date_format(localtime(last.reset_at), "DATETIME_FORMAT"),
        }

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


@admin.register(Group)
class RoleAdmin(admin.ModelAdmin):
    """Roles are code (accounts.roles): shown here, changed only by a release."""

    list_display = ["name"]
    filter_horizontal = ["permissions"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
