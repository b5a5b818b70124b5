"""API plumbing shared by every app's endpoints: the one place that maps domain errors to HTTP
answers, viewsets and permissions that go through the access policy, and the file-export
parameter. Nothing here names a domain model."""

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accounts import policy
from kibernadzor import outages
from kibernadzor.errors import DomainError
from utilities.tabular import EXPORT_FORMATS

ACTION_FOR_METHOD = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


def exception_handler(exc, context):
    # The database or the broker away, a body over the limit: 503 / 413 (kibernadzor.outages).
    exc = outages.as_domain_error(exc) or exc
    if isinstance(exc, DomainError):
        return Response(
            exc.as_dict(), status=exc.http_status, headers=getattr(exc, "headers", None)
        )
    if isinstance(exc, DjangoPermissionDenied):
        return Response(
            {"detail": str(exc) or "You do not have permission to perform this action."},
            status=status.HTTP_403_FORBIDDEN,
        )
    return drf_exception_handler(exc, context)


@contextmanager
def django_errors_as_drf():
    """A model's own validation (constraints, full_clean) answers 400, not 500."""
    try:
        yield
    except DjangoValidationError as exc:
        raise ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        ) from exc


class PolicyViewSetMixin:
    """Every API queryset starts from the access policy: rows the user may view. Writes are
    decided per object by a permission class that asks the same policy."""

    def get_queryset(self):
        queryset = super().get_queryset()
        return policy.restrict(queryset, self.request.user, "view")

    def get_permissions(self):
        # The token's scope is checked first even where a viewset sets its own permission
        # classes (e.g. the registers' policy permission).
        from accounts.permissions import TokenScopePermission

        permissions = super().get_permissions()
        if not any(isinstance(p, TokenScopePermission) for p in permissions):
            permissions.insert(0, TokenScopePermission())
        return permissions


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


class RegisterViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    """Common ground of the register endpoints: reads for all, writes through the policy."""

    permission_classes = [RegisterPolicyPermission]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]


# --- file exports ------------------------------------------------------------------------------
EXPORT_PARAMETERS = [
    OpenApiParameter(
        "file_format", OpenApiTypes.STR, enum=list(EXPORT_FORMATS), description="csv or xlsx"
    )
]


def export_format(request) -> str:
    """The `file_format` query parameter of an export (csv by default), or a 400."""
    fmt = request.query_params.get("file_format", "csv").lower()
    if fmt not in EXPORT_FORMATS:
        raise ValidationError({"file_format": f"Expected one of {', '.join(EXPORT_FORMATS)}."})
    return fmt
