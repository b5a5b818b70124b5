from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from accounts.admin_policy import PolicyModelAdmin
from accounts.choices import Role, TokenChannel
from accounts.models import Agency, ApiToken, ApiTokenEvent, Region, User
from accounts.services import assign_roles, revoke_tokens


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


@admin.register(ApiToken)
class ApiTokenAdmin(PolicyModelAdmin):
    """Administrators list anyone's API tokens by name, user and date, and revoke them.

    Nothing derived from a key is shown (no digest, no key prefix; __str__ is name and user),
    and nothing is added here: a key is shown once, to whoever issues it (its owner on the
    profile page, or `manage.py issue_token USER --name N` for someone else). Revoking goes
    through accounts.services.revoke_tokens, which records who revoked which token.
    """

    list_display = ["name", "user", "scope", "created", "expiry", "last_used"]
    list_filter = ["scope", "created", "expiry", "last_used"]
    search_fields = ["name", "user__username", "user__last_name"]
    list_select_related = ["user"]
    date_hierarchy = "created"
    fields = ["name", "user", "scope", "created", "expiry", "last_used"]
    readonly_fields = fields
    object_history_template = None  # Django's own log (revocations), not django-simple-history

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def history_view(self, request, object_id, extra_context=None):
        # Tokens have no django-simple-history record: the admin log and ApiTokenEvent are theirs.
        return admin.ModelAdmin.history_view(self, request, object_id, extra_context)

    def delete_model(self, request, obj):
        revoke_tokens(
            ApiToken.objects.filter(pk=obj.pk), actor=request.user, via=TokenChannel.ADMIN
        )

    def delete_queryset(self, request, queryset):
        revoke_tokens(queryset, actor=request.user, via=TokenChannel.ADMIN)


@admin.register(ApiTokenEvent)
class ApiTokenEventAdmin(PolicyModelAdmin):
    """Who issued or revoked which API token of whom, when and where: append-only."""

    list_display = ["at", "action", "token_name", "user", "scope", "actor", "via"]
    list_filter = ["action", "via", "scope", "at"]
    search_fields = ["token_name", "user__username", "actor__username"]
    list_select_related = ["user", "actor"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def history_view(self, request, object_id, extra_context=None):
        return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
