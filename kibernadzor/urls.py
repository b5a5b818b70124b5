from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from kibernadzor.health import healthz

admin.site.site_header = _("Kibernadzor")
admin.site.site_title = _("Kibernadzor")
admin.site.index_title = _("Administration")

# The database or the broker away outside an API view: 503 with Retry-After (JSON on the API).
handler500 = "kibernadzor.outages.server_error"
# 404 and 403: JSON on the API, the portal's pages elsewhere (kibernadzor.error_pages).
handler404 = "kibernadzor.error_pages.page_not_found"
handler403 = "kibernadzor.error_pages.permission_denied"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The admin logs in through the portal's login, and so with the second factor.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="portal:login", query_string=True),
        name="admin_login",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include("kibernadzor.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("portal.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
