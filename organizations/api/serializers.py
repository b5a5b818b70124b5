from rest_framework import serializers

from decisions.api.serializers import CourtDecisionBriefSerializer
from decisions.models import CourtDecision
from organizations.models import OnlinePresence, Organization, OrganizationAlias


class AliasSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrganizationAlias
        fields = ["name", "kind"]


class PresenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = OnlinePresence
        fields = ["platform", "handle", "url", "note"]


class OrganizationSerializer(serializers.ModelSerializer):
    aliases = AliasSerializer(many=True, required=False)
    presence = PresenceSerializer(many=True, required=False)
    decisions = CourtDecisionBriefSerializer(many=True, read_only=True)
    decision_ids = serializers.PrimaryKeyRelatedField(
        source="decisions",
        queryset=CourtDecision.objects.all(),
        many=True,
        required=False,
        write_only=True,
    )
    classification_label = serializers.CharField(
        source="get_classification_display", read_only=True
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "name_ru",
            "name_kk",
            "name_en",
            "aliases",
            "classification",
            "classification_label",
            "status",
            "status_label",
            "banned_on",
            "ban_lifted_on",
            "decisions",
            "decision_ids",
            "description",
            "presence",
            "is_demo",
        ]
        read_only_fields = ["is_demo"]


class OrganizationBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name_ru", "name_kk", "name_en", "classification", "status"]
