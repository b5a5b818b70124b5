"""Blocking orders over HTTP (/api/v1/orders/, /order-links/, /recipients/).

Reads come from the access policy (orders.access); every write is a POST to an action that
calls orders.services, which asks the same policy and refuses with a clear message
(utilities.api maps the refusal: 400 bad input, 403 not allowed, 404 not visible, 409 the
order moved meanwhile)."""

from django.db.models import Count
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import policy
from decisions.models import CourtDecision
from orders import selectors, services
from orders.api import serializers as s
from orders.errors import OrderNotAllowed, OrderNotFound, OrderRefused
from orders.filtersets import OrderFilterSet, OrderLinkFilterSet
from orders.models import Order, OrderDocument, OrderLink, Recipient
from registry.choices import ReadChannel
from registry.selectors import read_links
from utilities.api import PolicyViewSetMixin, RegisterViewSet

_REFUSALS = {
    400: OpenApiResponse(description="Refused: bad input (the field or link is named)."),
    403: OpenApiResponse(description="Not allowed to this user."),
    404: OpenApiResponse(description="No such order, or not visible to this user."),
    409: OpenApiResponse(description="The order's state does not allow this step."),
}


def _responses(ok, code=200):
    return {code: ok, **_REFUSALS}


def _read(user, order_links) -> list:
    """The order links shown, their confidential links logged as read (registry §5.3)."""
    order_links = list(order_links)
    read_links(user, [ol.link for ol in order_links], ReadChannel.API)
    return order_links


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class OrderViewSet(
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Blocking orders the caller may read. Prosecutors create drafts (POST), edit them
    (PATCH), and move them on with the actions: sign, send, acknowledge, refuse, close-partly,
    withdraw; repeat (a repeated submission of the overdue links) and revoke (a restoration
    notice) create a new order."""

    queryset = Order.objects.all()
    serializer_class = s.OrderSerializer
    filterset_class = OrderFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            selectors.orders_for(self.request.user)
            .annotate(link_count=Count("order_links"))
            .order_by("-created_at", "-id")
        )

    def _order(self, pk) -> Order:
        try:
            return self.get_queryset().get(pk=int(pk))
        except (TypeError, ValueError, Order.DoesNotExist):
            raise OrderNotFound(_("No such order, or you may not see it.")) from None

    def _answer(self, order: Order, code=status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self._order(order.pk)).data, status=code)

    def _basis(self, data: dict) -> dict:
        """Recipient and court decision ids as objects (a clear refusal when unknown)."""
        user = self.request.user
        if data.get("recipient") is not None:
            recipient = selectors.recipients_for(user).filter(pk=data["recipient"]).first()
            if recipient is None:
                raise OrderRefused(_("No such recipient."), field="recipient")
            data["recipient"] = recipient
        if data.get("court_decision") is not None:
            decision = (
                CourtDecision.objects.restrict(user, "view")
                .filter(pk=data["court_decision"])
                .first()
            )
            if decision is None:
                raise OrderRefused(_("No such court decision."), field="court_decision")
            data["court_decision"] = decision
        return data

    @extend_schema(request=s.OrderCreateSerializer, responses=_responses(s.OrderSerializer, 201))
    def create(self, request):
        """A draft order (prosecutors): links confirmed illegal, a legal basis, a recipient
        with a deadline rule."""
        services.require_issuer(request.user)
        data = self._basis(_valid(s.OrderCreateSerializer, request))
        order = services.create_order(request.user, **data)
        return self._answer(order, status.HTTP_201_CREATED)

    @extend_schema(request=s.OrderUpdateSerializer, responses=_responses(s.OrderSerializer))
    def partial_update(self, request, pk=None):
        """Edit a draft: number, date, recipient, legal basis, note."""
        order = self._order(pk)
        if not policy.can(request.user, "change", order):
            raise OrderNotAllowed(_("You may not change this order."))
        data = self._basis(_valid(s.OrderUpdateSerializer, request))
        order = services.update_draft(request.user, order, **data)
        return self._answer(order)

    @extend_schema(request=s.LinksSerializer, responses=_responses(s.OrderSerializer))
    @action(detail=True, methods=["post"], url_path="add-links")
    def add_links(self, request, pk=None):
        """Add links to a draft."""
        data = _valid(s.LinksSerializer, request)
        return self._answer(services.add_links(request.user, self._order(pk), data["links"]))

    @extend_schema(request=s.LinksSerializer, responses=_responses(s.OrderSerializer))
    @action(detail=True, methods=["post"], url_path="remove-links")
    def remove_links(self, request, pk=None):
        """Take links out of a draft."""
        data = _valid(s.LinksSerializer, request)
        return self._answer(services.remove_links(request.user, self._order(pk), data["links"]))

    @extend_schema(request=None, responses=_responses(s.OrderSerializer))
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """draft → signed (the caller signs)."""
        return self._answer(services.sign_order(request.user, self._order(pk)))

    @extend_schema(request=None, responses=_responses(s.OrderSerializer))
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        """signed → sent: deadlines start, links request blocking, documents are generated."""
        return self._answer(services.send_order(request.user, self._order(pk)))

    @extend_schema(request=None, responses=_responses(s.OrderSerializer))
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """sent → acknowledged: the recipient confirmed receipt."""
        return self._answer(services.acknowledge_order(request.user, self._order(pk)))

    @extend_schema(request=s.ReasonSerializer, responses=_responses(s.OrderSerializer))
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Any order not closed → withdrawn."""
        data = _valid(s.ReasonSerializer, request)
        return self._answer(services.withdraw_order(request.user, self._order(pk), data["reason"]))

    @extend_schema(request=s.ReasonSerializer, responses=_responses(s.OrderSerializer))
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        """The recipient refused: sent | acknowledged → refused (partly executed if some links
        were already found gone)."""
        data = _valid(s.ReasonSerializer, request)
        return self._answer(services.refuse_order(request.user, self._order(pk), data["reason"]))

    @extend_schema(request=s.ReasonSerializer, responses=_responses(s.OrderSerializer))
    @action(detail=True, methods=["post"], url_path="close-partly")
    def close_partly(self, request, pk=None):
        """Close an order some of whose links were executed: the rest are refused."""
        data = _valid(s.ReasonSerializer, request)
        return self._answer(services.close_partly(request.user, self._order(pk), data["reason"]))

    @extend_schema(request=None, responses=_responses(s.OrderSerializer, 201))
    @action(detail=True, methods=["post"])
    def repeat(self, request, pk=None):
        """A repeated submission (a new draft) of the order's overdue links."""
        order = services.create_repeated_order(request.user, self._order(pk))
        return self._answer(order, status.HTTP_201_CREATED)

    @extend_schema(request=s.RevokeSerializer, responses=_responses(s.OrderSerializer, 201))
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Restore access to some links: a restoration notice (a new draft) for them."""
        data = _valid(s.RevokeSerializer, request)
        notice = services.revoke_links(request.user, self._order(pk), data["links"], data["reason"])
        return self._answer(notice, status.HTTP_201_CREATED)

    @extend_schema(responses=s.OrderLinkSerializer(many=True))
    @action(detail=True, methods=["get"])
    def links(self, request, pk=None):
        """The links of the order with their deadline clocks."""
        order = self._order(pk)
        order_links = selectors.order_links_for(request.user, order).order_by("id")
        page = _read(request.user, self.paginate_queryset(order_links))
        return self.get_paginated_response(s.OrderLinkSerializer(page, many=True).data)

    @extend_schema(responses=s.OrderDocumentSerializer(many=True))
    @action(detail=True, methods=["get"])
    def documents(self, request, pk=None):
        """The documents generated for the order (hashes; append-only)."""
        order = self._order(pk)
        documents = OrderDocument.objects.restrict(request.user).filter(order=order)
        return Response(s.OrderDocumentSerializer(documents, many=True).data)


class OrderLinkViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Links in orders (a link may be in several over time); `?overdue=true` lists the
    pending ones past their deadline."""

    queryset = OrderLink.objects.select_related("order", "link").order_by("-id")
    serializer_class = s.OrderLinkSerializer
    filterset_class = OrderLinkFilterSet

    def list(self, request, *args, **kwargs):
        page = _read(
            request.user, self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        [order_link] = _read(request.user, [self.get_object()])
        return Response(self.get_serializer(order_link).data)


class RecipientViewSet(RegisterViewSet):
    """The directory of recipients: whom orders go to, and the deadline that applies to each.
    Prosecutors keep it; recipients are deactivated, never deleted."""

    queryset = Recipient.objects.all()
    serializer_class = s.RecipientSerializer
    filterset_fields = ["kind", "active"]
