"""API authentication: DRF tokens, read together with their scope (accounts.ApiTokenScope)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from accounts.middleware import second_step_pending


class ScopedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; loads the token's scope in the same query as its user, so
    that TokenScopePermission costs nothing more per request."""

    def authenticate_credentials(self, key):
        try:
            token = Token.objects.select_related("user", "scope_entry").get(key=key)
        except Token.DoesNotExist:
            raise AuthenticationFailed("Invalid token.") from None
        if not token.user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        return token.user, token


class VerifiedSessionAuthentication(SessionAuthentication):
    """Session authentication that asks what every page asks (accounts.middleware): a session
    that has not passed the second factor, where one is needed, does not authenticate the API.
    Tokens are unaffected: they never depend on a session."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        if second_step_pending(request._request, result[0]):
            raise AuthenticationFailed(
                _("This session has not passed the second factor; log in with your code.")
            )
        return result


class VerifiedSessionScheme(SessionScheme):
    """The schema documents it as the session cookie it is."""

    target_class = "accounts.authentication.VerifiedSessionAuthentication"
