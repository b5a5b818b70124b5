"""Django's error handlers for 404 and 403: the API keeps answering JSON, every other page gets
the portal's own templates (404.html, 403.html; 500.html and 403_csrf.html are found by
Django's defaults by name), in the site's layout and the reader's language. The 500 handler is
kibernadzor.outages.server_error, which tells an outage from a bug first."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from kibernadzor.outages import is_api


def page_not_found(request, exception):
    if is_api(request):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def permission_denied(request, exception):
    if is_api(request):
        detail = _("You do not have permission to perform this action.")
        return JsonResponse({"detail": detail, "code": "permission_denied"}, status=403)
    return defaults.permission_denied(request, exception)
