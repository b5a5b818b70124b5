"""/api/v1/feed/: the blocklist feed for providers (orders.feed) and the office's public key.

The feed is opened only by a subscriber's feed token (`Authorization: Bearer kbzfeed_…`): the
API tokens and sessions of users do not open it, and a feed token opens nothing else (the
project's authentication classes do not know it). The public key is public.
"""

import base64
import hashlib

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from orders import feed, signing
from orders.models import FeedSubscriber

CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


class FeedTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <feed token>` → (AnonymousUser, the FeedSubscriber)."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Invalid feed token header."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("Invalid feed token.")) from None
        subscriber = feed.subscriber_for_token(key)
        if subscriber is None:
            raise AuthenticationFailed(_("Invalid feed token."))
        from django.contrib.auth.models import AnonymousUser

        return AnonymousUser(), subscriber

    def authenticate_header(self, request):
        return 'Bearer realm="kibernadzor-feed"'


class IsFeedSubscriber(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, FeedSubscriber)


class FeedThrottle(SimpleRateThrottle):
    """Per subscriber (settings: API_RATE_FEED)."""

    scope = "feed"

    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].get("feed", "120/minute")

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, FeedSubscriber):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class SigningKeyMissingAnswer:
    """Without the office's key nothing can be signed: 503 with a message, not a 500."""

    def handle_exception(self, exc):
        if isinstance(exc, signing.SigningKeyMissing):
            return Response(
                {
                    "detail": _("The feed is not available: the office has no signing key yet."),
                    "code": "signing_key_missing",
                },
                status=503,
            )
        return super().handle_exception(exc)


def _matches(header: str, etag: str) -> bool:
    """Whether an If-None-Match / If-Match header names this ETag (weak or strong) or is *."""
    candidates = [tag.strip() for tag in header.split(",")]
    return "*" in candidates or any(tag.removeprefix("W/") == etag for tag in candidates)


class _FeedView(SigningKeyMissingAnswer, APIView):
    authentication_classes = [FeedTokenAuthentication]
    permission_classes = [IsFeedSubscriber]
    throttle_classes = [FeedThrottle]
    renderer_classes = [JSONRenderer]  # for errors; the feed writes its own bytes
    format = "json"

    def page(self, request) -> feed.FeedPage:
        return feed.prepare(
            request.auth, feed.FeedRequest.from_params(request.query_params), self.format
        )

    def common_headers(self, request, page: feed.FeedPage) -> dict:
        own = reverse(f"api:feed-blocklist-{self.format}")
        query = request.GET.urlencode()
        links = [f'<{own}.sig{"?" + query if query else ""}>; rel="signature"']
        if page.next_page:
            query = {"page": page.next_page}
            if page.request.limit != feed.DEFAULT_LIMIT:
                query["limit"] = page.request.limit
            links.append(f'<{own}?{urlencode(query)}>; rel="next"')
        headers = {
            "ETag": page.etag,
            "Cache-Control": "private, no-cache",
            "X-Feed-Cursor": page.cursor,
            "Link": ", ".join(links),
        }
        if page.next_page:
            headers["X-Next-Page"] = page.next_page
        return headers


@extend_schema(exclude=True)
class BlocklistView(_FeedView):
    """What must be blocked now for the subscriber's scope (orders.feed)."""

    def get(self, request, *args, **kwargs):
        page = self.page(request)
        headers = self.common_headers(request, page)
        if _matches(request.headers.get("If-None-Match", ""), page.etag):
            feed.log_access(request.auth, page, what=f"{self.format}", status=304)
            response = HttpResponseNotModified()
            for name, value in headers.items():
                response[name] = value
            return response
        access = feed.log_access(request.auth, page, what=self.format, status=200)
        signature = page.known_signature()
        if signature is None and page.request.limit <= feed.INLINE_SIGNATURE_ROWS:
            body = b"".join(page.chunks())
            signature = page.remember_signature(hashlib.sha256(body).digest())
            feed.finish_access(access, page.sent)
            response = HttpResponse(body, content_type=CONTENT_TYPES[self.format])
        else:
            response = StreamingHttpResponse(
                self._streamed(page, access, signed=signature is not None),
                content_type=CONTENT_TYPES[self.format],
            )
        for name, value in headers.items():
            response[name] = value
        if signature is not None:
            response["X-Signature"] = signature
        response["X-Signature-Algorithm"] = "ed25519-sha256"
        return response

    @staticmethod
    def _streamed(page: feed.FeedPage, access, *, signed: bool):
        digest = hashlib.sha256()
        for chunk in page.chunks():
            digest.update(chunk)
            yield chunk
        if not signed:  # kept for the next fetch of the same data and for the .sig URL
            page.remember_signature(digest.digest())
        feed.finish_access(access, page.sent)


@extend_schema(exclude=True)
class SignatureView(_FeedView):
    """The detached signature of the body the same URL without `.sig` answers: 64 raw bytes
    (as `openssl pkeyutl -sigfile` reads them); also base64 in X-Signature."""

    def get(self, request, *args, **kwargs):
        page = self.page(request)
        if_match = request.headers.get("If-Match")
        if if_match and not _matches(if_match, page.etag):
            feed.log_access(request.auth, page, what=f"{self.format}.sig", status=412)
            return HttpResponse(status=412, headers={"ETag": page.etag})
        signature = page.signature()
        access = feed.log_access(request.auth, page, what=f"{self.format}.sig", status=200)
        feed.finish_access(access, 0)
        return HttpResponse(
            base64.b64decode(signature),
            content_type="application/octet-stream",
            headers={
                "ETag": page.etag,
                "X-Signature": signature,
                "X-Signature-Algorithm": "ed25519-sha256",
                "Cache-Control": "private, no-cache",
            },
        )


@extend_schema(exclude=True)
class PublicKeyView(SigningKeyMissingAnswer, APIView):
    """The office's public key (PEM), for anyone to verify the feed with."""

    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]  # for errors

    def get(self, request, *args, **kwargs):
        return HttpResponse(
            signing.public_key_pem(),
            content_type="application/x-pem-file",
            headers={"Cache-Control": "public, max-age=3600"},
        )


urlpatterns = [
    path("feed/public-key.pem", PublicKeyView.as_view(), name="feed-public-key"),
    path("feed/blocklist.json", BlocklistView.as_view(format="json"), name="feed-blocklist-json"),
    path("feed/blocklist.csv", BlocklistView.as_view(format="csv"), name="feed-blocklist-csv"),
    path("feed/blocklist.json.sig", SignatureView.as_view(format="json"), name="feed-sig-json"),
    path("feed/blocklist.csv.sig", SignatureView.as_view(format="csv"), name="feed-sig-csv"),
]
