"""Project-wide API plumbing: the one place that maps domain errors to HTTP answers."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from kibernadzor.errors import DomainError


def exception_handler(exc, context):
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


class PolicyViewSetMixin:
    """Every API queryset starts from the access policy: rows the user may view. Writes are
    decided per object by a permission class that asks the same policy."""

    def get_queryset(self):
        queryset = super().get_queryset()
        from accounts import policy

        return policy.restrict(queryset, self.request.user, "view")

    def get_permissions(self):
        # The token's scope is checked first even where a viewset sets its own permission
        # classes (e.g. the registers' policy permission).
        from accounts.permissions import TokenScopePermission

        permissions = super().get_permissions()
        if not any(isinstance(p, TokenScopePermission) for p in permissions):
            permissions.insert(0, TokenScopePermission())
        return permissions
