from rest_framework import serializers

from sources.choices import MatchKind, SourceKind, SourceState
from sources.models import (
    MAX_INTERVAL_MINUTES,
    MIN_INTERVAL_MINUTES,
    Source,
    SourceItem,
    SourceWatch,
)

# Plain strings in the schema, the values listed (as registry.api does).
_KINDS = "One of: " + ", ".join(SourceKind.values) + "."
_STATES = "One of: " + ", ".join(SourceState.values) + "."
_MATCHES = "Empty, or one of: " + ", ".join(MatchKind.values) + "."


class SourceSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=_KINDS)
    state = serializers.CharField(read_only=True, help_text=_STATES)
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    watch_count = serializers.IntegerField(read_only=True, required=False)
    found_total = serializers.IntegerField(read_only=True, required=False)
    new_total = serializers.IntegerField(read_only=True, required=False)
    repeat_total = serializers.IntegerField(read_only=True, required=False)
    matched_total = serializers.IntegerField(read_only=True, required=False)
    views_total = serializers.IntegerField(read_only=True, required=False)
    last_new_at = serializers.DateTimeField(read_only=True, required=False)

    class Meta:
        model = Source
        fields = [
            "id",
            "url",
            "kind",
            "watch_url",
            "pattern",
            "title",
            "agency",
            "organization",
            "presence",
            "channel_link",
            "created_by",
            "created_at",
            "interval_minutes",
            "state",
            "next_watch_at",
            "last_watched_at",
            "last_error_code",
            "last_error_detail",
            "last_error_at",
            "consecutive_failures",
            "is_demo",
            "watch_count",
            "found_total",
            "new_total",
            "repeat_total",
            "matched_total",
            "views_total",
            "last_new_at",
        ]
        read_only_fields = fields


class SourceCreateSerializer(serializers.Serializer):
    """What a new source needs: its address; the kind is detected when not given."""

    url = serializers.CharField(
        max_length=4000,
        required=False,
        allow_blank=True,
        help_text="The channel, wall or feed; may be left out when a presence is given.",
    )
    kind = serializers.CharField(required=False, allow_blank=True, help_text=_KINDS)
    pattern = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    title = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    organization = serializers.IntegerField(required=False, allow_null=True)
    presence = serializers.IntegerField(
        required=False, allow_null=True, help_text="An organization's known presence to watch."
    )
    interval_minutes = serializers.IntegerField(
        required=False, min_value=MIN_INTERVAL_MINUTES, max_value=MAX_INTERVAL_MINUTES
    )


class SourceUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    interval_minutes = serializers.IntegerField(
        required=False, min_value=MIN_INTERVAL_MINUTES, max_value=MAX_INTERVAL_MINUTES
    )
    organization = serializers.IntegerField(required=False, allow_null=True)


class SourceItemSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="link.url", read_only=True)
    match_kind = serializers.CharField(read_only=True, help_text=_MATCHES)
    material_number = serializers.IntegerField(source="material.number", read_only=True)

    class Meta:
        model = SourceItem
        fields = [
            "id",
            "source",
            "link",
            "url",
            "watch",
            "first_seen_at",
            "published_at",
            "views",
            "title",
            "excerpt",
            "media",
            "match_kind",
            "material",
            "material_number",
            "matched_link",
        ]
        read_only_fields = fields


class SourceWatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = SourceWatch
        fields = [
            "id",
            "source",
            "started_at",
            "finished_at",
            "pages",
            "bytes",
            "found",
            "new",
            "repeats",
            "registered",
            "matched",
            "views",
            "truncated",
            "failure_code",
            "failure_detail",
            "status_code",
        ]
        read_only_fields = fields


class DailySerializer(serializers.Serializer):
    day = serializers.DateField()
    new = serializers.IntegerField()
    matched = serializers.IntegerField()
