from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor, services
from accounts.admin_policy import PolicyModelAdmin
from accounts.choices import GrantState, Role, TokenChannel
from accounts.models import Agency, ApiToken, ApiTokenEvent, Region, RoleGrant, User
from accounts.services import revoke_tokens
from kibernadzor.errors import DomainError

# Fields the user forms never render as inputs: a POST carrying one is forged and refused.
NEVER_POSTED = ("groups", "user_permissions", "is_superuser", "is_staff")
# Fields an administrator may not post on their own record (separation of duties).
OWN_ACCESS = ("agency", "roles")


class RolesField(forms.MultipleChoiceField):
    """The user's roles as checkboxes; saved through accounts.services.change_access, never
    written to `groups` by the form."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=Role.choices, required=False, label=_("roles"), **kwargs)


class UserAccessForm(UserChangeForm):
    roles = RolesField(
        help_text=_(
            "Removing a role applies at once; a new role, like a new agency, waits for a second "
            "administrator's approval."
        )
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "roles" in self.fields and self.instance.pk:
            self.fields["roles"].initial = sorted(self.instance.roles)


class UserAddForm(AdminUserCreationForm):
    roles = RolesField(
        help_text=_("The roles and the agency take effect when a second administrator approves.")
    )


def role_label(code: str) -> str:
    """A role's name in the reader's language (its code if it is not a role of accounts.roles)."""
    return str(Role(code).label) if code in Role.values else code


class RoleFilter(admin.SimpleListFilter):
    """Users by role, named in the reader's language (the groups' names are role codes)."""

    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return Role.choices

    def queryset(self, request, queryset):
        if self.value() in Role.values:
            return queryset.filter(groups__name=self.value())
        return queryset


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
    list_filter = [RoleFilter, "agency__kind", "agency__region", "is_active", "is_demo"]
    search_fields = ["username", "first_name", "last_name", "email", "agency__name_ru"]
    list_select_related = ["agency"]
    autocomplete_fields = ["agency"]
    form = UserAccessForm
    add_form = UserAddForm
    readonly_fields = [
        "last_login",
        "date_joined",
        "is_staff",
        "is_superuser",
        "pending_changes",
        "second_factor_status",
    ]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "email", "position"]}),
        (
            _("Agency and roles"),
            {"fields": ["agency", "roles", "pending_changes", "is_active", "is_demo"]},
        ),
        (_("Derived"), {"fields": ["is_staff", "is_superuser", "last_login", "date_joined"]}),
        (_("Second factor"), {"fields": ["second_factor_status"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "usable_password", "password1", "password2"]}),
        (_("Agency and roles"), {"fields": ["agency", "position", "roles"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @staticmethod
    def is_own_record(request, obj) -> bool:
        return obj is not None and obj.pk == request.user.pk

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self.is_own_record(request, obj):
            return fieldsets
        # Separation of duties: one's own roles and agency are shown, not editable.
        return [
            (name, {**opts, "fields": ["role_list" if f == "roles" else f for f in opts["fields"]]})
            for name, opts in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self.is_own_record(request, obj):
            readonly += ["agency", "roles", "role_list"]
        return readonly

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST":
            own = object_id is not None and str(request.user.pk) == str(object_id)
            forged = [name for name in NEVER_POSTED if name in request.POST]
            forged += [name for name in OWN_ACCESS if own and name in request.POST]
            if forged:
                # Refused, not ignored: these fields are never inputs of this form.
                raise PermissionDenied(
                    gettext("Refused: this form does not change %(fields)s.")
                    % {"fields": ", ".join(forged)}
                )
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        # The agency is changed only through services.change_access (save_related): a move to
        # another agency waits for a second administrator.
        if change:
            obj.agency_id = User.objects.filter(pk=obj.pk).values_list("agency", flat=True)[0]
        else:
            obj.agency = None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "roles" not in form.fields:
            return  # one's own record: roles and agency are read-only
        try:
            grants = services.change_access(
                form.instance,
                roles=set(form.cleaned_data["roles"]),
                agency=form.cleaned_data.get("agency"),
                by=request.user,
            )
        except DomainError as exc:
            raise PermissionDenied(exc.message) from exc
        pending = [g for g in grants if g.state == GrantState.PENDING]
        if pending:
            self.message_user(
                request,
                ngettext(
                    "%(count)d change awaits a second administrator's approval: %(changes)s.",
                    "%(count)d changes await a second administrator's approval: %(changes)s.",
                    len(pending),
                )
                % {"count": len(pending), "changes": "; ".join(g.describe() for g in pending)},
                messages.WARNING,
            )

    @admin.display(description=_("awaiting approval"))
    def pending_changes(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        pending = obj.access_changes.filter(state=GrantState.PENDING).select_related("agency")
        return "; ".join(g.describe() for g in pending) or "—"

    @admin.display(description=_("roles"))
    def role_list(self, obj):
        return ", ".join(sorted(role_label(g.name) for g in obj.groups.all() if g.name in Role))

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


@admin.register(RoleGrant)
class RoleGrantAdmin(PolicyModelAdmin):
    """Every access change, read-only to administrators and auditors; administrators approve or
    reject the pending ones another administrator requested (accounts.services)."""

    list_display = [
        "requested_at",
        "user",
        "change",
        "role",
        "agency",
        "previous_agency",
        "state",
        "channel",
        "requested_by",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["state", "change", "channel", "role"]
    search_fields = ["user__username", "requested_by__username", "decided_by__username"]
    list_select_related = ["user", "agency", "previous_agency", "requested_by", "decided_by"]
    date_hierarchy = "requested_at"
    actions = ["approve", "reject"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_change_permission(self, request, obj=None):
        # Deciding is the only change, and only through the actions: every record is read-only.
        return obj is None and super().has_change_permission(request)

    @admin.action(description=_("Approve the selected changes"), permissions=["change"])
    def approve(self, request, queryset):
        self._decide(request, queryset, services.approve_grant)

    @admin.action(description=_("Reject the selected changes"), permissions=["change"])
    def reject(self, request, queryset):
        self._decide(request, queryset, services.reject_grant)

    def _decide(self, request, queryset, decide):
        done = 0
        for grant_id in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                decide(grant_id, by=request.user)
            except DomainError as exc:
                self.message_user(request, f"#{grant_id}: {exc.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d change decided.", "%(count)d changes decided.", done)
                % {"count": done},
                messages.SUCCESS,
            )


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
    """Roles are code (accounts.roles): shown here by their name in the reader's language
    beside the code, changed only by a release."""

    list_display = ["role_name", "name"]
    list_display_links = ["role_name"]
    filter_horizontal = ["permissions"]
    fields = ["role_name", "name", "permissions"]
    readonly_fields = ["role_name"]

    @admin.display(description=_("role"), ordering="name")
    def role_name(self, obj):
        return role_label(obj.name)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        group = self.get_object(request, unquote(object_id))
        if group is not None:
            extra_context = {**(extra_context or {}), "subtitle": role_label(group.name)}
        return super().change_view(request, object_id, form_url, extra_context)

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
