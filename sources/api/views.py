"""Watched sources over HTTP (/api/v1/sources/, /source-items/, /source-watches/).

Reads come from the access policy (sources.access); every write is a POST, PATCH or DELETE
that calls sources.services, which asks the same policy and refuses with a clear message
(utilities.api maps the refusal: 400 bad input naming the field, 403 not allowed, 404 not
visible, 409 a duplicate address or a state that does not allow the step)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kibernadzor.errors import DomainError
from organizations.models import OnlinePresence, Organization
from sources import selectors, services
from sources.api import serializers as s
from sources.filtersets import SourceFilterSet, SourceItemFilterSet, SourceWatchFilterSet
from sources.models import Source, SourceItem, SourceWatch
from utilities.api import PolicyViewSetMixin

_REFUSALS = {
    400: OpenApiResponse(description="Refused: bad input (the field is named)."),
    403: OpenApiResponse(description="Not allowed to this user."),
    404: OpenApiResponse(description="No such source, or not visible to this user."),
    409: OpenApiResponse(description="Already watched, or the state does not allow this."),
}


def _responses(ok, code=200):
    return {code: ok, **_REFUSALS}


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _register_row(model, user, pk, field: str):
    """An organization or presence by id, from what the user may read, or a clear refusal."""
    if pk is None:
        return None
    found = model.objects.restrict(user, "view").filter(pk=pk).first()
    if found is None:
        raise DomainError(_("No such %(what)s.") % {"what": model._meta.verbose_name}, field=field)
    return found


class SourceViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The sources the caller may read, with their totals. Officers, supervisors and
    prosecutors add sources for their agency (POST), edit them (PATCH), pause, resume or mark
    them gone, register the channel itself as a link; supervisors and prosecutors delete."""

    queryset = Source.objects.all()
    serializer_class = s.SourceSerializer
    filterset_class = SourceFilterSet
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.with_stats(selectors.sources_for(self.request.user)).order_by(
            "-created_at", "-id"
        )

    def _source(self, pk) -> Source:
        try:
            return self.get_queryset().get(pk=int(pk))
        except (TypeError, ValueError, Source.DoesNotExist):
            raise services.SourceNotFound(_("No such source, or you may not see it.")) from None

    def _answer(self, source: Source, code=status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self._source(source.pk)).data, status=code)

    @extend_schema(request=s.SourceCreateSerializer, responses=_responses(s.SourceSerializer, 201))
    def create(self, request):
        """Watch an address for the caller's agency (or an organization's known presence)."""
        data = _valid(s.SourceCreateSerializer, request)
        user = request.user
        organization = _register_row(Organization, user, data.get("organization"), "organization")
        presence = _register_row(OnlinePresence, user, data.get("presence"), "presence")
        interval = data.get("interval_minutes", 60)
        if presence is not None and not data.get("url"):
            source = services.source_from_presence(presence, actor=user, interval_minutes=interval)
        else:
            source = services.add_source(
                actor=user,
                url=data.get("url", ""),
                kind=data.get("kind") or None,
                pattern=data.get("pattern", ""),
                title=data.get("title", ""),
                organization=organization,
                presence=presence,
                interval_minutes=interval,
            )
        return self._answer(source, status.HTTP_201_CREATED)

    @extend_schema(request=s.SourceUpdateSerializer, responses=_responses(s.SourceSerializer))
    def partial_update(self, request, pk=None):
        """Change the title, the schedule or the organization."""
        source = self._source(pk)
        data = _valid(s.SourceUpdateSerializer, request)
        fields = {}
        if "organization" in data:
            fields["organization"] = _register_row(
                Organization, request.user, data["organization"], "organization"
            )
        services.update_source(
            source.pk,
            actor=request.user,
            title=data.get("title"),
            interval_minutes=data.get("interval_minutes"),
            **fields,
        )
        return self._answer(source)

    @extend_schema(responses={204: None, **_REFUSALS})
    def destroy(self, request, pk=None):
        """Stop watching for good (its links stay in the registry)."""
        services.delete_source(self._source(pk).pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=_responses(s.SourceSerializer))
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        """active → paused."""
        return self._answer(services.pause_source(self._source(pk).pk, actor=request.user))

    @extend_schema(request=None, responses=_responses(s.SourceSerializer))
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """paused | gone → active, watched at once."""
        return self._answer(services.resume_source(self._source(pk).pk, actor=request.user))

    @extend_schema(request=None, responses=_responses(s.SourceSerializer))
    @action(detail=True, methods=["post"])
    def gone(self, request, pk=None):
        """The channel no longer exists: stop watching it."""
        return self._answer(services.mark_gone(self._source(pk).pk, actor=request.user))

    @extend_schema(request=None, responses=_responses(s.SourceSerializer))
    @action(detail=True, methods=["post"], url_path="channel-link")
    def channel_link(self, request, pk=None):
        """Register the channel itself as a link in the registry (once)."""
        source = self._source(pk)
        services.register_channel_as_link(source.pk, actor=request.user)
        return self._answer(source)

    @extend_schema(responses=s.SourceItemSerializer(many=True))
    @action(detail=True, methods=["get"])
    def items(self, request, pk=None):
        """The source's items, newest first."""
        source = self._source(pk)
        page = self.paginate_queryset(selectors.items_for(request.user, source))
        return self.get_paginated_response(s.SourceItemSerializer(page, many=True).data)

    @extend_schema(responses=s.SourceWatchSerializer(many=True))
    @action(detail=True, methods=["get"])
    def watches(self, request, pk=None):
        """The source's watches, newest first: what each found, or why it failed."""
        source = self._source(pk)
        page = self.paginate_queryset(selectors.watches_for(request.user, source))
        return self.get_paginated_response(s.SourceWatchSerializer(page, many=True).data)

    @extend_schema(responses=s.DailySerializer(many=True))
    @action(detail=True, methods=["get"])
    def daily(self, request, pk=None):
        """New and matched items per day over the last 30 days (local dates)."""
        rows = selectors.posts_per_day(self._source(pk))
        data = [{"day": day, "new": new, "matched": matched} for day, new, matched in rows]
        return Response(s.DailySerializer(data, many=True).data)


class SourceItemViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Items of the sources the caller may read, across sources (filter by source, material,
    matched)."""

    queryset = SourceItem.objects.select_related("link", "material")
    serializer_class = s.SourceItemSerializer
    filterset_class = SourceItemFilterSet


class SourceWatchViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Watches of the sources the caller may read (filter by source, failed)."""

    queryset = SourceWatch.objects.all()
    serializer_class = s.SourceWatchSerializer
    filterset_class = SourceWatchFilterSet
