"""/api/v1/: one router for every app's endpoints, the OpenAPI schema and its UIs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from accounts.api import views as accounts_views

router = DefaultRouter()
router.register("regions", accounts_views.RegionViewSet, basename="region")
router.register("agencies", accounts_views.AgencyViewSet, basename="agency")
router.register("users", accounts_views.UserViewSet, basename="user")

app_name = "api"
urlpatterns = [
    path("me/", accounts_views.MeView.as_view(), name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include(router.urls)),
]
