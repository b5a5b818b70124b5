"""The site's URLs plus two that fail, for the error-page tests (pytest.mark.urls)."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from kibernadzor.urls import handler403, handler404, handler500
from kibernadzor.urls import urlpatterns as site


def forbidden(request):
    raise PermissionDenied


def broken(request):
    raise RuntimeError("a bug in a view")


__all__ = ["handler403", "handler404", "handler500"]
urlpatterns = [
    path("test-forbidden/", forbidden),
    path("test-broken/", broken),
    path("api/v1/test-forbidden/", forbidden),
    *site,
]
