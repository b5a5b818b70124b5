"""API authentication: `Authorization: Token <key>` against django-rest-knox digests.

knox stores only a digest of each key (accounts.ApiToken). Its TokenAuthentication reads the
user's other tokens on every request to delete expired ones; ours reads the token, its scope and
its user in one query and refuses an expired token without writing (the user sees it as expired
on their profile page and revokes it). Tokens are independent of sessions and of the second
factor: they are how integrations authenticate.
"""

from datetime import timedelta
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS, knox_settings
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed

from accounts.middleware import second_step_pending
from accounts.models import ApiToken

# "Last used" is written at most this often per token, so that a busy integration does not
# turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        try:
            key = token.decode("utf-8")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("Invalid token.")) from None
        digest = hash_token(key)
        candidates = ApiToken.objects.select_related("user").filter(
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH]
        )
        for auth_token in candidates:
            if compare_digest(digest, auth_token.digest):
                break
        else:
            raise AuthenticationFailed(_("Invalid token."))
        if auth_token.is_expired:
            raise AuthenticationFailed(_("This API token has expired."))
        if not auth_token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        self._touch(auth_token)
        return auth_token.user, auth_token

    @staticmethod
    def _touch(auth_token: ApiToken) -> None:
        now = timezone.now()
        if auth_token.last_used is None or now - auth_token.last_used >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=auth_token.pk).update(last_used=now)
            auth_token.last_used = now


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme of ApiTokenAuthentication: `Authorization: Token <key>`."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=knox_settings.AUTH_HEADER_PREFIX
        )


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
