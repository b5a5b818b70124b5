"""The admin's side of the access policy: every ModelAdmin of ours derives from PolicyModelAdmin."""

from simple_history.admin import SimpleHistoryAdmin

from accounts import policy


class PolicyModelAdmin(SimpleHistoryAdmin):
    """Rows and actions in the admin come from accounts.policy, as everywhere else.

    History is shown (SimpleHistoryAdmin) and never editable: reverting is disabled in settings
    and historical models have no admin of their own.
    """

    def get_queryset(self, request):
        return policy.restrict(super().get_queryset(request), request.user, "view")

    def has_module_permission(self, request):
        return policy.can(request.user, "view", model=self.model)

    def has_view_permission(self, request, obj=None):
        return policy.can(request.user, "view", obj, model=self.model)

    def has_add_permission(self, request):
        return policy.can(request.user, "add", model=self.model)

    def has_change_permission(self, request, obj=None):
        return policy.can(request.user, "change", obj, model=self.model)

    def has_delete_permission(self, request, obj=None):
        return policy.can(request.user, "delete", obj, model=self.model)
