from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts import policy

ACTION_FOR_METHOD = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


class RegisterPolicyPermission(BasePermission):
    """Reads need the view permission (rows come from the policy); writes ask the policy.

    A view may name `write_model` when its writes touch another model than its queryset's
    (attaching a copy to a material adds a MaterialFingerprint).
    """

    def action_model(self, request, view):
        if request.method in SAFE_METHODS or getattr(view, "action", None) in getattr(
            view, "read_actions", ()
        ):
            return "view", view.queryset.model
        return ACTION_FOR_METHOD.get(request.method, "change"), getattr(
            view, "write_model", None
        ) or view.queryset.model

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        action, model = self.action_model(request, view)
        return policy.can(request.user, action, model=model)

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS or getattr(view, "action", None) in getattr(
            view, "read_actions", ()
        ):
            return True  # the object came from the restricted queryset
        action, model = self.action_model(request, view)
        if model is not type(obj):
            return policy.can(request.user, action, model=model)
        return policy.can(request.user, action, obj)
