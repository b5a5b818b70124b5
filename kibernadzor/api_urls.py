"""/api/v1/: one router for every app's endpoints, the OpenAPI schema and its UIs."""

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import include, path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.exceptions import NotAuthenticated
from rest_framework.routers import DefaultRouter

from accounts.api import views as accounts_views
from decisions.api import views as decisions_views
from evidence.api import views as evidence_views
from materials.api import views as materials_views
from orders.api import feed as feed_views
from orders.api import views as orders_views
from organizations.api import views as organizations_views
from registry.api import views as registry_views
from reporting.api import views as reporting_views
from sources.api import views as sources_views

router = DefaultRouter()
router.register("regions", accounts_views.RegionViewSet, basename="region")
router.register("agencies", accounts_views.AgencyViewSet, basename="agency")
router.register("users", accounts_views.UserViewSet, basename="user")
router.register("links", registry_views.LinkViewSet, basename="link")
router.register("link-reports", registry_views.ReportViewSet, basename="report")
router.register("link-trail", registry_views.StateChangeViewSet, basename="statechange")
router.register("decisions", decisions_views.CourtDecisionViewSet, basename="decision")
router.register("organizations", organizations_views.OrganizationViewSet, basename="organization")
router.register("materials", materials_views.MaterialViewSet, basename="material")
router.register("reports", reporting_views.ReportingViewSet, basename="reports")
router.register("orders", orders_views.OrderViewSet, basename="order")
router.register("order-links", orders_views.OrderLinkViewSet, basename="orderlink")
router.register("recipients", orders_views.RecipientViewSet, basename="recipient")
router.register("captures", evidence_views.CaptureViewSet, basename="capture")
router.register("sources", sources_views.SourceViewSet, basename="source")
router.register("source-items", sources_views.SourceItemViewSet, basename="sourceitem")
router.register("source-watches", sources_views.SourceWatchViewSet, basename="sourcewatch")


class LoginForDocs:
    """The HTML docs send an anonymous browser to the login page (and back); the schema itself
    answers 401, and a reports-only token 403 (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"])."""

    def handle_exception(self, exc):
        if isinstance(exc, NotAuthenticated):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


class SwaggerView(LoginForDocs, SpectacularSwaggerSplitView):
    """Swagger UI under the site's CSP: the page loads its start-up script from ?script, every
    asset from drf-spectacular-sidecar's static files, nothing inline and nothing from outside."""

    template_name = "api/swagger_ui.html"


class RedocView(LoginForDocs, SpectacularRedocView):
    """The former Redoc page now sends to the Swagger UI: Redoc cannot run under the site's CSP
    (it writes inline styles, starts a worker from a blob and always loads its maker's logo from
    their CDN), and one page of docs that keeps the policy is enough. The schema's permissions
    still apply first."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        return redirect("api:docs")


app_name = "api"
urlpatterns = [
    path("me/", accounts_views.MeView.as_view(), name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", RedocView.as_view(), name="redoc"),
    *feed_views.urlpatterns,
    path("", include(router.urls)),
]
