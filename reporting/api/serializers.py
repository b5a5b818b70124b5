"""Shapes of the report answers, for the OpenAPI schema (the views return the services' dicts)."""

from rest_framework import serializers

from checks.models import RepublicationGroup


class FiltersSerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    agency = serializers.CharField(required=False)
    region = serializers.CharField(required=False)
    organization = serializers.CharField(required=False)
    material = serializers.CharField(required=False)
    platform = serializers.CharField(required=False)
    state = serializers.CharField(required=False)
    classification = serializers.CharField(required=False)


class _Counts(serializers.Serializer):
    registered = serializers.IntegerField(help_text="Links first registered in the period.")
    repeats = serializers.IntegerField(
        help_text="Reports of an already known link submitted in the period."
    )
    confirmed = serializers.IntegerField(help_text="Links confirmed illegal in the period.")
    blocked = serializers.IntegerField(help_text="Links that entered 'blocked' in the period.")
    removed = serializers.IntegerField(help_text="Links that entered 'removed' in the period.")
    reappeared = serializers.IntegerField(help_text="Links found available again in the period.")
    pending = serializers.IntegerField(
        help_text="Links registered by the end of the period still awaiting a decision or action."
    )


class SummarySerializer(_Counts):
    filters = FiltersSerializer()


class SeriesPointSerializer(serializers.Serializer):
    period = serializers.DateField(help_text="First day of the day, ISO week or month.")
    registered = serializers.IntegerField()
    repeats = serializers.IntegerField()
    blocked = serializers.IntegerField()
    removed = serializers.IntegerField()


class TimeSeriesSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    bucket = serializers.ChoiceField(choices=["day", "week", "month"])
    results = SeriesPointSerializer(many=True)


class BreakdownRowSerializer(_Counts):
    key = serializers.CharField(allow_null=True, help_text="Id or value; null: not attributed.")
    label = serializers.CharField()
    links = serializers.IntegerField(help_text="= registered.")


class BreakdownSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    dimension = serializers.CharField()
    results = BreakdownRowSerializer(many=True)


class BreakdownsSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    breakdowns = serializers.DictField(
        child=BreakdownRowSerializer(many=True), help_text="One list per dimension."
    )


class HistogramBucketSerializer(serializers.Serializer):
    label = serializers.CharField()
    lower_hours = serializers.IntegerField()
    upper_hours = serializers.IntegerField(allow_null=True)
    links = serializers.IntegerField()


class TimeToBlockSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    links = serializers.IntegerField(help_text="Links first blocked in the period.")
    median_hours = serializers.FloatField(allow_null=True)
    p90_hours = serializers.FloatField(allow_null=True)
    mean_hours = serializers.FloatField(allow_null=True)
    histogram = HistogramBucketSerializer(many=True)


class RemovalRateRowSerializer(serializers.Serializer):
    platform = serializers.CharField()
    label = serializers.CharField()
    requested = serializers.IntegerField()
    blocked = serializers.IntegerField()
    removed = serializers.IntegerField()
    removal_rate = serializers.FloatField(allow_null=True)
    takedown_rate = serializers.FloatField(allow_null=True)


class RemovalRateSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    results = RemovalRateRowSerializer(many=True)


class ViewsFiguresSerializer(serializers.Serializer):
    links_measured = serializers.IntegerField()
    views_at_detection = serializers.IntegerField()
    links_blocked_measured = serializers.IntegerField()
    views_at_blocking = serializers.IntegerField()
    views_growth = serializers.IntegerField()


class ViewsPlatformSerializer(ViewsFiguresSerializer):
    platform = serializers.CharField()
    label = serializers.CharField()


class ViewsSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    total = ViewsFiguresSerializer()
    platforms = ViewsPlatformSerializer(many=True)


class RepublicationFiguresSerializer(serializers.Serializer):
    republished_links = serializers.IntegerField()
    groups = serializers.IntegerField()


class RepublicationPlatformSerializer(RepublicationFiguresSerializer):
    platform = serializers.CharField()
    label = serializers.CharField()


class RepublicationsSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    total = RepublicationFiguresSerializer()
    platforms = RepublicationPlatformSerializer(many=True)


class RepublicationGroupSerializer(serializers.ModelSerializer):
    """A group as far as the caller may read it: its links, and its first publication, among
    the links the caller may read (a link of another agency or a confidential one is neither
    counted nor named)."""

    first_link = serializers.IntegerField(
        source="first_readable_link_id",
        allow_null=True,
        help_text="Id of the earliest reported link of the group the caller may read.",
    )
    link_count = serializers.IntegerField(
        source="readable_links", help_text="Links of the group the caller may read."
    )
    links_in_scope = serializers.IntegerField(
        help_text="Of those, the links matching the report's dimensions."
    )

    class Meta:
        model = RepublicationGroup
        fields = [
            "id",
            "content_sha256",
            "first_link",
            "link_count",
            "links_in_scope",
            "created_at",
        ]


class RepublicationGroupPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page (cursor), or null.")
    previous = serializers.URLField(allow_null=True)
    results = RepublicationGroupSerializer(many=True)


class YearlyOrganizationsSerializer(serializers.Serializer):
    classification = serializers.CharField()
    label = serializers.CharField()
    in_year = serializers.IntegerField()
    cumulative = serializers.IntegerField()


class YearlyMaterialsSerializer(serializers.Serializer):
    classification = serializers.CharField()
    classification_label = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    in_year = serializers.IntegerField()
    cumulative = serializers.IntegerField()


class YearlyLinksSerializer(serializers.Serializer):
    measure = serializers.ChoiceField(choices=["handled", "confirmed", "blocked", "removed"])
    label = serializers.CharField()
    in_year = serializers.IntegerField()
    cumulative = serializers.IntegerField()


class YearlySummarySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    filters = FiltersSerializer()
    organizations = YearlyOrganizationsSerializer(many=True)
    materials = YearlyMaterialsSerializer(many=True)
    links = YearlyLinksSerializer(many=True)


# --- blocking orders (reporting.orders) ---------------------------------------------------------
class _RecipientRow(serializers.Serializer):
    recipient = serializers.IntegerField()
    label = serializers.CharField()
    kind = serializers.CharField()


class OrdersByRecipientRowSerializer(_RecipientRow):
    total = serializers.IntegerField()
    draft = serializers.IntegerField()
    signed = serializers.IntegerField()
    sent = serializers.IntegerField()
    acknowledged = serializers.IntegerField()
    executed = serializers.IntegerField()
    partly_executed = serializers.IntegerField()
    refused = serializers.IntegerField()
    withdrawn = serializers.IntegerField()


class OrdersByRecipientSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    results = OrdersByRecipientRowSerializer(many=True)


class _DeadlineCounts(serializers.Serializer):
    links = serializers.IntegerField(help_text="Links of orders sent in the period (not revoked).")
    due = serializers.IntegerField(help_text="Executed, or past their deadline.")
    executed = serializers.IntegerField()
    executed_on_time = serializers.IntegerField(help_text="Executed by their deadline.")
    within_deadline_rate = serializers.FloatField(
        allow_null=True, help_text="executed_on_time / due."
    )


class DeadlineRowSerializer(_RecipientRow, _DeadlineCounts):
    pass


class DeadlinesSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    total = _DeadlineCounts()
    recipients = DeadlineRowSerializer(many=True)


class _ExecutionTime(serializers.Serializer):
    links = serializers.IntegerField(help_text="Links executed, of orders sent in the period.")
    median_hours = serializers.FloatField(allow_null=True)
    p90_hours = serializers.FloatField(allow_null=True)


class ExecutionTimePlatformSerializer(_ExecutionTime):
    platform = serializers.CharField()
    label = serializers.CharField()


class ExecutionTimeRecipientSerializer(_RecipientRow, _ExecutionTime):
    pass


class ExecutionTimeSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    total = _ExecutionTime()
    platforms = ExecutionTimePlatformSerializer(many=True)
    recipients = ExecutionTimeRecipientSerializer(many=True)


class OverdueRowSerializer(_RecipientRow):
    order_links = serializers.IntegerField()
    orders = serializers.IntegerField()
    oldest_deadline = serializers.DateTimeField()


class OverdueSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    order_links = serializers.IntegerField(help_text="Pending links past their deadline now.")
    orders = serializers.IntegerField()
    recipients = OverdueRowSerializer(many=True)
