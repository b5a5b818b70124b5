"""Evidence over HTTP (/api/v1/captures/): the captures a caller may read, asking for one on
demand (POST), and a link's evidence package (GET …/package/?link=ID, logged in custody).

The screenshot and the text are shown by the portal's views (which log every view); the API
gives the hashes and the package."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from evidence import package, selectors, services
from evidence.api.serializers import CaptureRequestSerializer, CaptureSerializer
from evidence.choices import CustodyAction
from evidence.models import Capture
from registry.models import Link
from utilities.api import PolicyViewSetMixin


class CaptureViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Captures of links the caller may read (?link=ID for one link's). POST {"link": ID}
    asks for a capture now; it is taken in the evidence queue (state pending → done|failed)."""

    queryset = Capture.objects.all()
    serializer_class = CaptureSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        captures = selectors.captures_for(self.request.user).prefetch_related("artifacts")
        link = self.request.query_params.get("link")
        if link:
            try:
                captures = captures.filter(link=int(link))
            except ValueError:
                raise ValidationError({"link": _("A link id is a number.")}) from None
        return captures.order_by("-requested_at", "-id")

    @extend_schema(request=CaptureRequestSerializer, responses={202: CaptureSerializer})
    def create(self, request):
        serializer = CaptureRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        capture = services.capture_on_demand(request.user, serializer.validated_data["link"])
        return Response(CaptureSerializer(capture).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[OpenApiParameter("link", int, required=True)],
        responses={(200, "application/zip"): bytes},
    )
    @action(detail=False, methods=["get"])
    def package(self, request):
        """The evidence package (ZIP) of a link's captures; each is logged as downloaded."""
        try:
            link_id = int(request.query_params.get("link", ""))
        except ValueError:
            raise ValidationError({"link": _("A link id is a number.")}) from None
        link = Link.objects.restrict(request.user, "view").filter(pk=link_id).first()
        if link is None:
            raise NotFound(_("No such link, or you may not see it."))
        captures = selectors.captures_for(request.user).filter(link=link)
        data = package.build_package(
            captures, user=request.user, action=CustodyAction.DOWNLOADED, channel="api"
        )
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="evidence-link-{link.pk}.zip"'
        return response
