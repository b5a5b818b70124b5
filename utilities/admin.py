"""Admin base classes over the access policy, shared by the apps' admins.

Every ModelAdmin derives from accounts.admin_policy.PolicyModelAdmin (the system check in
accounts.checks refuses to start otherwise); these narrow it, never widen it.
"""

from accounts import policy
from accounts.admin_policy import PolicyModelAdmin


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
    """Inline rows obey the same access policy as their parent's admin."""

    def has_add_permission(self, request, obj=None):
        return policy.can(request.user, "add", model=self.model)

    def has_change_permission(self, request, obj=None):
        return policy.can(request.user, "change", model=self.model)

    def has_delete_permission(self, request, obj=None):
        return policy.can(request.user, "delete", model=self.model)

    def has_view_permission(self, request, obj=None):
        return policy.can(request.user, "view", model=self.model)
