from django.utils.translation import gettext as _
from rest_framework import serializers

from orders.choices import OrderKind, OrderLinkState, OrderState, RecipientKind
from orders.models import Order, OrderDocument, OrderLink, Recipient
from registry.choices import LinkPlatform

# Plain strings in the schema, the values listed (as registry.api does): one enum per choice
# set would collide on the name "state" across apps.
_ORDER_STATES = "One of: " + ", ".join(OrderState.values) + "."
_ORDER_KINDS = "One of: " + ", ".join(OrderKind.values) + "."
_ORDER_LINK_STATES = "One of: " + ", ".join(OrderLinkState.values) + "."
_RECIPIENT_KINDS = "One of: " + ", ".join(RecipientKind.values) + "."
_PLATFORMS = "One of: " + ", ".join(LinkPlatform.values) + "."


class RecipientSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    platforms = serializers.ListField(
        child=serializers.CharField(help_text=_PLATFORMS),
        required=False,
        help_text="The platforms a representative answers for; empty: any.",
    )

    class Meta:
        model = Recipient
        fields = [
            "id",
            "name",
            "name_ru",
            "name_kk",
            "name_en",
            "kind",
            "contacts",
            "email",
            "deadline_hours",
            "platforms",
            "active",
            "is_demo",
        ]
        read_only_fields = ["is_demo"]
        extra_kwargs = {"kind": {"help_text": _RECIPIENT_KINDS}}

    def validate_platforms(self, value):
        unknown = sorted(set(value) - set(LinkPlatform.values))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown platforms: %(platforms)s.") % {"platforms": ", ".join(unknown)}
            )
        return list(dict.fromkeys(value))


class OrderSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=_ORDER_KINDS)
    state = serializers.CharField(read_only=True, help_text=_ORDER_STATES)
    recipient_name = serializers.CharField(source="recipient.name", read_only=True)
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    issued_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    signatory = serializers.SlugRelatedField(slug_field="username", read_only=True)
    link_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "date",
            "kind",
            "state",
            "parent",
            "recipient",
            "recipient_name",
            "agency",
            "issued_by",
            "signatory",
            "court_decision",
            "law_article",
            "created_at",
            "signed_at",
            "sent_at",
            "acknowledged_at",
            "closed_at",
            "note",
            "is_demo",
            "link_count",
        ]
        read_only_fields = fields


class OrderCreateSerializer(serializers.Serializer):
    recipient = serializers.IntegerField(help_text="Recipient id (GET /api/v1/recipients/).")
    links = serializers.ListField(
        child=serializers.IntegerField(), min_length=1, max_length=10_000, help_text="Link ids."
    )
    court_decision = serializers.IntegerField(required=False, allow_null=True, default=None)
    law_article = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    number = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=40, help_text="Empty: the next."
    )


class OrderUpdateSerializer(serializers.Serializer):
    """A draft's editable fields; give only those to change."""

    number = serializers.CharField(required=False, max_length=40)
    date = serializers.DateField(required=False)
    recipient = serializers.IntegerField(required=False)
    court_decision = serializers.IntegerField(required=False, allow_null=True)
    law_article = serializers.CharField(required=False, allow_blank=True, max_length=300)
    note = serializers.CharField(required=False, allow_blank=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class LinksSerializer(serializers.Serializer):
    links = serializers.ListField(
        child=serializers.IntegerField(), min_length=1, max_length=10_000, help_text="Link ids."
    )


class RevokeSerializer(LinksSerializer):
    reason = serializers.CharField(help_text="Why access is restored (decision lifted, …).")


class OrderLinkSerializer(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True, help_text=_ORDER_LINK_STATES)
    order_number = serializers.CharField(source="order.number", read_only=True)
    url = serializers.CharField(source="link.url", read_only=True)
    link_state = serializers.CharField(source="link.state", read_only=True)

    class Meta:
        model = OrderLink
        fields = [
            "id",
            "order",
            "order_number",
            "link",
            "url",
            "link_state",
            "state",
            "deadline_at",
            "executed_at",
            "escalated_at",
            "revoked_at",
        ]
        read_only_fields = fields


class OrderDocumentSerializer(serializers.ModelSerializer):
    generated_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = OrderDocument
        fields = [
            "id",
            "kind",
            "language",
            "format",
            "sha256",
            "size",
            "generated_at",
            "generated_by",
        ]
        read_only_fields = fields
