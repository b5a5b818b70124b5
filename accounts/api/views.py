import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import AgencySerializer, RegionSerializer, UserSerializer
from accounts.models import Agency, Region, User
from utilities.api import PolicyViewSetMixin


class AgencyFilterSet(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__iso_code")

    class Meta:
        model = Agency
        fields = ["kind", "level", "region", "is_active"]


class RegionViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The 17 regions and 3 cities of republican significance."""

    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    pagination_class = None


class AgencyViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Agencies connected to Kibernadzor (the shared directory)."""

    queryset = Agency.objects.select_related("region", "parent")
    serializer_class = AgencySerializer
    filterset_class = AgencyFilterSet
    lookup_field = "code"


class UserViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Users the caller may see under the access policy (colleagues, territory)."""

    queryset = User.objects.select_related("agency").prefetch_related("groups").order_by("username")
    serializer_class = UserSerializer
    filterset_fields = ["agency__code", "is_active"]


class MeView(APIView):
    """The caller: agency, roles."""

    @extend_schema(responses=UserSerializer)
    def get(self, request):
        return Response(UserSerializer(request.user).data)
