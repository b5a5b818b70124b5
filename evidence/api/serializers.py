from rest_framework import serializers

from evidence.models import Artifact, Capture


class ArtifactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Artifact
        fields = ["kind", "sha256", "size", "content_type"]


class CaptureSerializer(serializers.ModelSerializer):
    artifacts = ArtifactSerializer(many=True, read_only=True)
    reason_display = serializers.CharField(source="get_reason_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    timestamped = serializers.SerializerMethodField()

    class Meta:
        model = Capture
        fields = [
            "id", "link", "reason", "reason_display", "state", "state_display", "failure",
            "requested_at", "started_at", "finished_at", "url", "final_url", "http_status",
            "manifest_sha256", "signature", "timestamped", "artifacts",
        ]  # fmt: skip
        read_only_fields = fields

    def get_timestamped(self, capture) -> bool:
        return capture.timestamp_token is not None


class CaptureRequestSerializer(serializers.Serializer):
    link = serializers.IntegerField(min_value=1)
