from rest_framework import serializers

from registry import transitions
from registry.choices import LinkClassification, LinkState
from registry.models import Link, LinkNote, Report, StateChange

_STATES = "A link state: " + ", ".join(LinkState.values) + "."
_CLASSIFICATIONS = "One of: " + ", ".join(LinkClassification.values) + "."


class LinkSerializer(serializers.ModelSerializer):
    first_reported_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    first_reported_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    assigned_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    assigned_user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    allowed_transitions = serializers.SerializerMethodField()
    # Plain strings in the schema: the registers have their own "classification" choices, and
    # one enum per choice set keeps the OpenAPI names stable (registry.choices lists values).
    classification = serializers.CharField(read_only=True, help_text=_CLASSIFICATIONS)

    class Meta:
        model = Link
        fields = [
            "id",
            "url",
            "key",
            "platform",
            "platform_id",
            "host",
            "registrable_domain",
            "state",
            "state_changed_at",
            "allowed_transitions",
            "classification",
            "confidential",
            "first_reported_at",
            "first_reported_agency",
            "first_reported_by",
            "report_count",
            "priority",
            "assigned_agency",
            "assigned_user",
            "due_date",
            "case_number",
            "organizations",
            "materials",
            "is_demo",
        ]
        read_only_fields = fields

    def get_allowed_transitions(self, obj) -> list[str]:
        """Target states the caller may move this link to (roles only; rows are the policy's)."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.has_perm("registry.change_link"):
            return []
        return [t.target for t in transitions.available(obj.state, user)]


class ReportSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    withdrawn_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "link",
            "user",
            "agency",
            "submitted_at",
            "raw_url",
            "source",
            "is_repeat",
            "withdrawn_at",
            "withdrawn_by",
            "withdrawal_reason",
        ]
        read_only_fields = fields


class LinkNoteSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = LinkNote
        fields = ["id", "link", "author", "agency", "text", "created_at"]
        read_only_fields = fields


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, help_text="The note (append-only).")


class CaseNumberSerializer(serializers.Serializer):
    case_number = serializers.CharField(
        allow_blank=True, help_text='The case number, e.g. "241500031000123"; "" clears it.'
    )


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text="Why the report is withdrawn.")
    report = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Default: your latest report."
    )


class StateChangeSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    from_state = serializers.CharField(read_only=True, help_text=_STATES)
    to_state = serializers.CharField(read_only=True, help_text=_STATES)
    correction = serializers.BooleanField(
        source="is_correction", read_only=True, help_text="This step corrects a mistaken one."
    )

    class Meta:
        model = StateChange
        fields = [
            "id",
            "link",
            "from_state",
            "to_state",
            "correction",
            "actor",
            "at",
            "reason",
            "document_number",
            "document_date",
            "expert_opinion",
        ]
        read_only_fields = fields


class BatchSerializer(serializers.Serializer):
    """Documentation of the batch body; the view reads it without per-item validation."""

    urls = serializers.ListField(child=serializers.CharField(allow_blank=True), max_length=None)


class SubmitSerializer(BatchSerializer):
    confidential = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Mark the links this call registers as confidential.",
    )


class BatchAnswerSerializer(serializers.Serializer):
    """The answer to check/ and submit/: each line's registry.answers.SubmissionAnswer.as_dict()
    (new, known, known-and-confidential with a contact, or invalid) and a count per status."""

    results = serializers.ListField(child=serializers.DictField())
    summary = serializers.DictField(child=serializers.IntegerField())


class TransitionSerializer(serializers.Serializer):
    to_state = serializers.CharField(help_text=_STATES)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    document_number = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100
    )
    document_date = serializers.DateField(required=False, allow_null=True, default=None)
    expert_opinion = serializers.CharField(required=False, allow_blank=True, default="")
    classification = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Set with the move; confirming needs one unless the link has it. "
        + _CLASSIFICATIONS,
    )


class AssignSerializer(serializers.Serializer):
    agency = serializers.CharField(allow_null=True, help_text="Agency code; null to unassign.")
    user = serializers.CharField(required=False, allow_null=True, default=None)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class ClassifySerializer(serializers.Serializer):
    classification = serializers.CharField(required=False, help_text=_CLASSIFICATIONS)
    confidential = serializers.BooleanField(required=False)


class AttributeSerializer(serializers.Serializer):
    organization = serializers.IntegerField(required=False)
    material = serializers.IntegerField(required=False)
    remove = serializers.BooleanField(required=False, default=False)


class BulkSerializer(serializers.Serializer):
    """A bulk action (registry.bulk): the links by `ids` or by `filter` (the list's filters,
    re-evaluated under the access policy when the action runs), and the action's `params`."""

    action = serializers.CharField(
        help_text="start_review, confirm, reject, assign, classify or add_to_order."
    )
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=5000
    )
    filter = serializers.DictField(
        required=False,
        help_text="Filters of GET /api/v1/links/ (state, platform, agency, …); a value or a "
        'list of values: {"state": ["new", "under_review"], "region": "KZ-75"}.',
    )
    params = serializers.DictField(
        required=False,
        help_text="reason (confirm, reject); expert_opinion (confirm after an examination); "
        "agency (code), user (username), due_date (assign); classification (classify); "
        "order (id of a draft order: add_to_order).",
    )

    def validate(self, data):
        if ("ids" in data) == ("filter" in data):
            raise serializers.ValidationError("Give either `ids` or `filter`.")
        return data


class BulkRefusedLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(allow_null=True)


class BulkReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    reason = serializers.CharField()
    count = serializers.IntegerField()
    links = BulkRefusedLinkSerializer(many=True)


class BulkAnswerSerializer(serializers.Serializer):
    action = serializers.CharField()
    done = serializers.IntegerField()
    refused = serializers.IntegerField()
    done_ids = serializers.ListField(child=serializers.IntegerField())
    reasons = BulkReasonSerializer(many=True)
