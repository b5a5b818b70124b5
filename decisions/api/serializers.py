from rest_framework import serializers

from accounts.models import Agency, Region
from decisions.models import CourtDecision


class CourtDecisionSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(
        slug_field="iso_code", queryset=Region.objects.all(), required=False, allow_null=True
    )
    claimant = serializers.SlugRelatedField(
        slug_field="code", queryset=Agency.objects.all(), required=False, allow_null=True
    )
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)

    class Meta:
        model = CourtDecision
        fields = [
            "id",
            "court",
            "region",
            "case_number",
            "decision_date",
            "entry_into_force",
            "claimant",
            "outcome",
            "outcome_label",
            "text",
            "summary",
            "document",
            "document_sha256",
            "is_demo",
        ]
        read_only_fields = ["document_sha256", "is_demo"]


class CourtDecisionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = CourtDecision
        fields = ["id", "court", "case_number", "decision_date", "entry_into_force", "outcome"]
