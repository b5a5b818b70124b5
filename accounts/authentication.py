"""API authentication: DRF tokens, read together with their scope (accounts.ApiTokenScope)."""

from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed


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
