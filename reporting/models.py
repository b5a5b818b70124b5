"""Report facts: one narrow row per link with everything the reports count, kept exact.

At a million links the reports cannot join links, reports, the state trail and the check
statistics on every request (that takes seconds). `LinkFact` holds, per link, its dimensions,
who may see it (the agencies and regions that reported it or are assigned to it), the times it
entered each state, its repeat reports and its view counts, so that each report is one scan of
one table.

`RepeatFact` holds one row per repeat report with the same dimensions.

How the facts stay exact (reporting.facts): PostgreSQL triggers on the source tables
(registry_link, registry_report, registry_statechange, the attribution tables,
checks_linkstats, accounts_agency) put the id of every link they touch in `DirtyLink`, in the
writer's transaction. Every report first recomputes the facts of the dirty links (usually a
handful; `reporting.facts.refresh`), and a Celery beat task does the same every minute so that
readers rarely have any to do. A report therefore always counts what is committed at the moment
it runs, today's data included.

Facts are derived data: `manage.py rebuild_report_facts` recomputes all of them.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.querysets import RestrictedQuerySet


def _ids():
    return ArrayField(models.BigIntegerField(), null=True)


def _times():
    return ArrayField(models.DateTimeField(), null=True)


class LinkFact(models.Model):
    """What the reports need to know about one link (derived; see the module docstring).

    Narrow on purpose (a report scans a million of these): what most links have once is a
    column, what few have several of is an array that is NULL otherwise."""

    link = models.OneToOneField(
        "registry.Link",
        on_delete=models.DO_NOTHING,  # links are never deleted
        db_constraint=False,  # derived rows: no deferred FK check to slow a refresh
        primary_key=True,
        related_name="+",
    )
    registered_at = models.DateTimeField()
    # The latest of all the times below: a report of a period skips links quiet since before it.
    last_event_at = models.DateTimeField()
    # Named as on Link, so that the access rule can reuse registry.access's conditions.
    first_reported_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    region_id = models.BigIntegerField(null=True)  # of the registering agency
    assigned_agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    platform = models.CharField(max_length=12)
    state = models.CharField(max_length=20)
    classification = models.CharField(max_length=12)
    confidential = models.BooleanField()
    # Who else sees the link (docs/design.md §5.1): the other agencies that reported it or are
    # assigned to it, and their regions.
    other_agencies = _ids()
    other_regions = _ids()
    organizations = _ids()
    materials = _ids()
    # When the link first entered each state, and any later entries (the state trail).
    confirmed_at = models.DateTimeField(null=True)
    blocked_at = models.DateTimeField(null=True)
    removed_at = models.DateTimeField(null=True)
    reappeared_at = models.DateTimeField(null=True)
    confirmed_again = _times()
    blocked_again = _times()
    removed_again = _times()
    reappeared_again = _times()
    views_at_detection = models.BigIntegerField(null=True)
    views_at_blocking = models.BigIntegerField(null=True)
    republication_group = models.BigIntegerField(null=True)
    republished = models.BooleanField(
        default=False, help_text=_("In a republication group and not its first publication.")
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("link fact")
        verbose_name_plural = _("link facts")
        default_permissions = ("view",)  # read by the reports, under the link's rule
        indexes = [
            models.Index(fields=["registered_at"], name="linkfact_registered_idx"),
            models.Index(fields=["last_event_at"], name="linkfact_last_event_idx"),
            models.Index(fields=["first_reported_agency"], name="linkfact_agency_idx"),
            models.Index(fields=["region_id"], name="linkfact_region_idx"),
            # (blocked_at also has a covering index, the arrays GIN indexes: migration 0002.)
            models.Index(fields=["blocked_at"], name="linkfact_blocked_idx"),
            models.Index(fields=["removed_at"], name="linkfact_removed_idx"),
            # The few links that entered a state more than once (series read them apart).
            *(
                models.Index(
                    fields=["link"],
                    name=f"linkfact_{state}_again_idx",
                    condition=models.Q(**{f"{state}_again__isnull": False}),
                )
                for state in ("confirmed", "blocked", "removed", "reappeared")
            ),
            models.Index(
                fields=["republication_group"],
                name="linkfact_group_idx",
                condition=models.Q(republication_group__isnull=False),
            ),
            models.Index(
                fields=["registered_at"],
                name="linkfact_republished_idx",
                condition=models.Q(republished=True),
            ),
            # The few attributed links (breakdowns by organization and material read them).
            models.Index(
                fields=["registered_at"],
                name="linkfact_organizations_idx",
                condition=models.Q(organizations__isnull=False),
            ),
            models.Index(
                fields=["registered_at"],
                name="linkfact_materials_idx",
                condition=models.Q(materials__isnull=False),
            ),
        ]

    def __str__(self):
        return f"facts of link {self.link_id}"


class RepeatFact(models.Model):
    """One repeat report (a submission of an already known link), with its link's dimensions."""

    report = models.OneToOneField(
        "registry.Report",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="+",
    )
    link_id = models.BigIntegerField()
    at = models.DateTimeField()
    # The submitting agency and its region; named as on Report for the access rule.
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    region_id = models.BigIntegerField(null=True)
    platform = models.CharField(max_length=12)
    state = models.CharField(max_length=20)
    classification = models.CharField(max_length=12)
    confidential = models.BooleanField()
    organizations = _ids()
    materials = _ids()

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("repeat fact")
        verbose_name_plural = _("repeat facts")
        default_permissions = ("view",)  # read by the reports, under the report's rule
        indexes = [
            models.Index(fields=["at"], name="repeatfact_at_idx"),
            models.Index(fields=["link_id"], name="repeatfact_link_idx"),
            models.Index(fields=["agency", "at"], name="repeatfact_agency_idx"),
            models.Index(fields=["region_id", "at"], name="repeatfact_region_idx"),
        ]

    def __str__(self):
        return f"repeat {self.report_id} of link {self.link_id}"


class DirtyLink(models.Model):
    """A link whose facts are out of date, noted by the triggers and cleared by a refresh.

    The table is a bare append-only heap without any index or key (migration 0003 drops it),
    the cheapest insert for a writer; a link noted twice is refreshed once."""

    link_id = models.BigIntegerField(primary_key=True)  # for the ORM only; no key in the table

    class Meta:
        managed = False
        db_table = "reporting_dirtylink"
        default_permissions = ()

    def __str__(self):
        return str(self.link_id)


class NewRepeat(models.Model):
    """A repeat report not yet in the facts, noted by the report insert trigger and cleared by
    a refresh, which adds its one RepeatFact row (no recomputation of its link). A bare heap
    like reporting_dirtylink (migration 0004)."""

    report_id = models.BigIntegerField(primary_key=True)  # for the ORM only; no key in the table

    class Meta:
        managed = False
        db_table = "reporting_newrepeat"
        default_permissions = ()

    def __str__(self):
        return str(self.report_id)


class _Counts(models.Model):
    """The whole country's counts for one period (a day, or a month), by one dimension at a
    time: `dimension` "" for none; `key` the value as text, "" for none/not attributed."""

    day = models.DateField()
    dimension = models.CharField(max_length=14)
    key = models.CharField(max_length=40)
    confidential = models.BooleanField()
    registered = models.BigIntegerField(default=0)
    pending = models.BigIntegerField(default=0)
    repeats = models.BigIntegerField(default=0)
    confirmed = models.BigIntegerField(default=0)
    blocked = models.BigIntegerField(default=0)
    removed = models.BigIntegerField(default=0)
    reappeared = models.BigIntegerField(default=0)
    requested = models.BigIntegerField(default=0)
    now_blocked = models.BigIntegerField(default=0)
    now_removed = models.BigIntegerField(default=0)
    views_measured = models.BigIntegerField(default=0)
    views_detection = models.BigIntegerField(default=0)
    views_blocked_measured = models.BigIntegerField(default=0)
    views_blocking = models.BigIntegerField(default=0)
    growth_base = models.BigIntegerField(default=0)
    growth_top = models.BigIntegerField(default=0)

    class Meta:
        abstract = True
        default_permissions = ()  # read only by reporting.queries, for users who see the country

    def __str__(self):
        return f"{self.day} {self.dimension}={self.key}"


class DailyCount(_Counts):
    """Counts per local day (see _Counts), for what the reports sum over the whole country.

    Kept exact by reporting.facts.refresh: a link's old contribution is subtracted and its new
    one added in the transaction that refreshes its facts. Reports of the whole country without
    filters read these rows instead of a million facts. Entries into a state count the link's
    first entry on its day; later entries are read from the facts (few links have any). Measures
    dated by registration: registered, pending (open now), requested, now_blocked, now_removed
    and the view sums."""

    class Meta(_Counts.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "key", "confidential", "day"], name="dailycount_unique"
            )
        ]


class MonthlyCount(_Counts):
    """The same per calendar month (`day` is its first day): whole months of a period are read
    from here, its first and last partial months from DailyCount."""

    class Meta(_Counts.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "key", "confidential", "day"], name="monthlycount_unique"
            )
        ]
