"""Admin base classes over the access policy, shared by the apps' admins.

Every ModelAdmin derives from accounts.admin_policy.PolicyModelAdmin (the system check in
accounts.checks refuses to start otherwise); these narrow it, never widen it.
"""

from django.contrib import admin

from accounts import policy
from accounts.admin_policy import PLAIN_URL_INPUT, PolicyModelAdmin
from utilities.defang import defang


class DefangedFieldsAdmin:
    """Declares `defanged_fields`: model fields holding URLs or hosts. Each is shown as a
    read-only `<name>_defanged` (use that name in list_display / fieldsets / readonly_fields);
    the method is made from the field's verbose name, so no admin writes one by hand."""

    defanged_fields: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.defanged_fields:
            attr = f"{name}_defanged"
            if attr in cls.__dict__:
                continue

            def show(self, obj, _name=name):
                value = getattr(obj, _name, None) if obj is not None else None
                return defang(value) if value else "—"

            show.__name__ = attr
            setattr(cls, attr, show)

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        for name in self.defanged_fields:
            method = getattr(type(self), f"{name}_defanged")
            field = model._meta.get_field(name)
            admin.display(description=field.verbose_name, ordering=name)(method)


class ReadOnlyAdmin(PolicyModelAdmin):
    """Records the system writes itself (append-only trails, check results): readable through
    the policy, never added, changed or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PolicyInlineMixin:
    """Inline rows obey the same access policy as their parent's admin (and show an editable
    URL as a plain input, as PolicyModelAdmin does)."""

    formfield_overrides = PLAIN_URL_INPUT

    def has_add_permission(self, request, obj=None):
        return policy.can(request.user, "add", model=self.model)

    def has_change_permission(self, request, obj=None):
        return policy.can(request.user, "change", model=self.model)

    def has_delete_permission(self, request, obj=None):
        return policy.can(request.user, "delete", model=self.model)

    def has_view_permission(self, request, obj=None):
        return policy.can(request.user, "view", model=self.model)
