"""The API permission every endpoint applies first: what the caller's token is allowed to do.

A full token (or a session) passes; the user's roles and the access policy decide the rest.
A token limited to reports passes only for safe methods on views that declare the scope
(`token_scopes = ("reports",)`): everything else — writes and other reads — is refused
with 403. It is in REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"], and
utilities.api.PolicyViewSetMixin keeps it first on viewsets that set their own
permission_classes.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.choices import TokenScope
from accounts.services import token_scope


class TokenScopePermission(BasePermission):
    message = _("This API token is limited to reading reports.")

    def has_permission(self, request, view):
        scope = token_scope(request.auth)
        if scope == TokenScope.FULL:
            return True
        return request.method in SAFE_METHODS and scope in getattr(view, "token_scopes", ())
