from rest_framework import serializers

from decisions.api.serializers import CourtDecisionBriefSerializer
from decisions.choices import CourtClassification
from decisions.models import CourtDecision
from materials.choices import LANGUAGES
from materials.models import Material, MaterialFingerprint
from organizations.api.serializers import OrganizationBriefSerializer
from organizations.models import Organization


class FingerprintSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaterialFingerprint
        fields = [
            "id", "kind", "sha256", "md5", "text_sha256", "pdq", "pdq_quality", "tlsh", "size",
            "filename", "note", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class MaterialSerializer(serializers.ModelSerializer):
    organization = OrganizationBriefSerializer(read_only=True)
    organization_id = serializers.PrimaryKeyRelatedField(
        source="organization", queryset=Organization.objects.all(), required=False,
        allow_null=True, write_only=True,
    )  # fmt: skip
    decision = CourtDecisionBriefSerializer(read_only=True)
    decision_id = serializers.PrimaryKeyRelatedField(
        source="decision", queryset=CourtDecision.objects.all(), required=False,
        allow_null=True, write_only=True,
    )  # fmt: skip
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(LANGUAGES)), required=False
    )
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    classification_label = serializers.CharField(
        source="get_classification_display", read_only=True
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Material
        fields = [
            "id", "number", "title", "description", "kind", "kind_label", "classification",
            "classification_label", "languages", "author", "organization", "organization_id",
            "decision", "decision_id", "included_on", "status", "status_label", "excluded_on",
            "is_demo",
        ]  # fmt: skip
        read_only_fields = ["is_demo"]


class MaterialDetailSerializer(MaterialSerializer):
    fingerprints = FingerprintSerializer(many=True, read_only=True)

    class Meta(MaterialSerializer.Meta):
        fields = [*MaterialSerializer.Meta.fields, "fingerprints"]


class FileUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class ImportSerializer(FileUploadSerializer):
    dry_run = serializers.BooleanField(default=False)
    classification = serializers.ChoiceField(
        choices=CourtClassification.choices,
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text="Category of the whole file, for a list with no category column.",
    )


class AttachCopySerializer(FileUploadSerializer):
    keep_file = serializers.BooleanField(
        default=False, help_text="Keep the file itself, not only its fingerprints."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class MatchSerializer(serializers.Serializer):
    material = MaterialSerializer()
    method = serializers.CharField()
    method_label = serializers.CharField()
    distance = serializers.IntegerField()


class MatchResultSerializer(serializers.Serializer):
    matched = serializers.BooleanField()
    verdict = serializers.CharField()
    sha256 = serializers.CharField(source="fingerprints.sha256")
    md5 = serializers.CharField(source="fingerprints.md5")
    kind = serializers.CharField(source="fingerprints.kind")
    pdq = serializers.CharField(source="fingerprints.pdq", allow_null=True)
    tlsh = serializers.CharField(source="fingerprints.tlsh", allow_null=True)
    matches = MatchSerializer(many=True)
