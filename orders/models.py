"""Blocking orders (issue 14): a prosecutor's submission to suspend access to links, its
recipient, the links it covers with their deadline clocks, its generated documents, the
document templates and the providers that receive the blocklist feed.

Changes go through orders.services only (each in one transaction, each kept in history);
what a user may see is orders.access's rules through the one policy (accounts.policy).
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.querysets import RestrictedQuerySet
from orders.choices import (
    DocumentFormat,
    DocumentKind,
    DocumentLanguage,
    OrderKind,
    OrderLinkState,
    OrderState,
    RecipientKind,
)
from registry.choices import LinkClassification, LinkPlatform


class Recipient(models.Model):
    """Whom an order goes to (a managed directory): the Ministry of Information, the KNB, a
    platform's legal representative, a hosting provider; with the deadline that applies."""

    name_ru = models.CharField(_("name (Russian)"), max_length=300)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=300, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=24, choices=RecipientKind.choices)
    contacts = models.TextField(_("contacts"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    deadline_hours = models.PositiveIntegerField(
        _("deadline (hours)"),
        null=True,
        blank=True,
        help_text=_(
            "Hours the recipient has to act on an order from the time it is sent (24 for "
            "platforms' legal representatives). Empty: no deadline rule, and orders to this "
            "recipient are refused."
        ),
    )
    platforms = ArrayField(
        models.CharField(max_length=12, choices=LinkPlatform.choices),
        verbose_name=_("platforms"),
        default=list,
        blank=True,
        help_text=_("The platforms a representative answers for; empty means any."),
    )
    active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("demo record"), default=False)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name_ru", "id"]
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=RecipientKind.values), name="recipient_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(deadline_hours__isnull=True) | Q(deadline_hours__gte=1),
                name="recipient_deadline_positive",
                violation_error_message=_("A deadline is at least one hour."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        language = (get_language() or "ru")[:2]
        return getattr(self, f"name_{language}", "") or self.name_ru


class Order(models.Model):
    """One submission (представление) covering one or many links."""

    number = models.CharField(
        _("number"),
        max_length=40,
        help_text=_("Generated as ПР-<year>/<sequence>; may be edited while the order is a draft."),
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    kind = models.CharField(
        _("kind"), max_length=12, choices=OrderKind.choices, default=OrderKind.BLOCKING
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("follows order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followups",
        help_text=_("The order a repeated submission or a restoration notice follows."),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=OrderState.choices, default=OrderState.DRAFT
    )
    recipient = models.ForeignKey(
        Recipient, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="orders"
    )
    agency = models.ForeignKey(
        "accounts.Agency",
        verbose_name=_("prosecutor's office"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="orders_issued",
    )
    signatory = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signatory"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders_signed",
    )
    court_decision = models.ForeignKey(
        "decisions.CourtDecision",
        verbose_name=_("court decision"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    law_article = models.CharField(
        _("article of the law"),
        max_length=300,
        blank=True,
        help_text=_("E.g. «ст. 41-1 п. 1 Закона РК «О связи»»."),
    )
    links = models.ManyToManyField(
        "registry.Link",
        verbose_name=_("links"),
        through="OrderLink",
        related_name="orders",
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    is_demo = models.BooleanField(_("demo record"), default=False)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(fields=["number"], name="order_number_unique"),
            models.CheckConstraint(
                condition=Q(court_decision__isnull=False) | ~Q(law_article=""),
                name="order_has_legal_basis",
                violation_error_message=_(
                    "An order needs a legal basis: a court decision or an article of the law."
                ),
            ),
            models.CheckConstraint(condition=Q(kind__in=OrderKind.values), name="order_kind_valid"),
            models.CheckConstraint(
                condition=Q(state__in=OrderState.values), name="order_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind=OrderKind.BLOCKING) | Q(parent__isnull=False),
                name="order_followup_has_parent",
                violation_error_message=_(
                    "A repeated submission or restoration notice follows an order."
                ),
            ),
            models.CheckConstraint(
                condition=Q(state__in=[OrderState.DRAFT, OrderState.WITHDRAWN])
                | Q(signatory__isnull=False),
                name="order_signed_has_signatory",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "-created_at"], name="order_state_idx"),
            models.Index(fields=["agency", "-created_at"], name="order_agency_idx"),
            models.Index(fields=["recipient", "state"], name="order_recipient_idx"),
        ]

    def __str__(self):
        return self.number


class OrderLink(models.Model):
    """One link in one order, with its deadline clock."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="order_links"
    )
    link = models.ForeignKey(
        "registry.Link",
        verbose_name=_("link"),
        on_delete=models.PROTECT,
        related_name="order_links",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=OrderLinkState.choices, default=OrderLinkState.PENDING
    )
    deadline_at = models.DateTimeField(
        _("deadline"),
        null=True,
        blank=True,
        help_text=_("Set when the order is sent: the time sent plus the recipient's deadline."),
    )
    executed_at = models.DateTimeField(
        _("executed at"),
        null=True,
        blank=True,
        help_text=_("When a check first found the content unavailable: the real time-to-block."),
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("link of an order")
        verbose_name_plural = _("links of orders")
        constraints = [
            models.UniqueConstraint(fields=["order", "link"], name="orderlink_unique"),
            models.CheckConstraint(
                condition=Q(state__in=OrderLinkState.values), name="orderlink_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state=OrderLinkState.EXECUTED) | Q(executed_at__isnull=False),
                name="orderlink_executed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["link"], name="orderlink_link_idx"),
            # The deadline clocks: pending links by deadline (re-checks, escalation).
            models.Index(
                fields=["deadline_at"],
                name="orderlink_pending_deadline_idx",
                condition=Q(state=OrderLinkState.PENDING, deadline_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.order_id}: {self.link_id}"


def order_document_path(instance, filename: str) -> str:
    year = (instance.generated_at or timezone.now()).year
    return f"orders/{year}/{filename}"


class OrderDocument(models.Model):
    """A generated document of an order (append-only: never edited or deleted)."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    language = models.CharField(_("language"), max_length=2, choices=DocumentLanguage.choices)
    format = models.CharField(_("format"), max_length=4, choices=DocumentFormat.choices)
    file = models.FileField(_("file"), upload_to=order_document_path, max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    generated_at = models.DateTimeField(_("generated"), default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("generated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-generated_at", "-id"]
        verbose_name = _("order document")
        verbose_name_plural = _("order documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values), name="orderdocument_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(language__in=DocumentLanguage.values),
                name="orderdocument_language_valid",
            ),
            models.CheckConstraint(
                condition=Q(format__in=DocumentFormat.values), name="orderdocument_format_valid"
            ),
        ]

    def __str__(self):
        return f"{self.order_id} {self.kind} {self.language}.{self.format}"


def document_template_path(instance, filename: str) -> str:
    return f"orders/templates/{filename}"


class DocumentTemplate(models.Model):
    """A DOCX template uploaded by a prosecutor; the active one of a kind and language replaces
    the default shipped in orders/document_templates/."""

    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    language = models.CharField(_("language"), max_length=2, choices=DocumentLanguage.choices)
    file = models.FileField(_("DOCX template"), upload_to=document_template_path, max_length=300)
    active = models.BooleanField(_("active"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "language", "-uploaded_at"]
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "language"],
                condition=Q(active=True),
                name="documenttemplate_one_active",
                violation_error_message=_("Only one active template per kind and language."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values), name="documenttemplate_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(language__in=DocumentLanguage.values),
                name="documenttemplate_language_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.language})"


class FeedSubscriber(models.Model):
    """A provider that receives the blocklist feed with its own token (only its digest is
    stored) and scope."""

    name = models.CharField(_("name"), max_length=300)
    recipient = models.ForeignKey(
        Recipient,
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feed_subscribers",
    )
    contacts = models.TextField(_("contacts"), blank=True)
    platforms = ArrayField(
        models.CharField(max_length=12, choices=LinkPlatform.choices),
        verbose_name=_("platforms"),
        default=list,
        blank=True,
        help_text=_("The platforms whose links it receives; empty means all."),
    )
    classifications = ArrayField(
        models.CharField(max_length=12, choices=LinkClassification.choices),
        verbose_name=_("classifications"),
        default=list,
        blank=True,
        help_text=_("The kinds of content it receives; empty means all."),
    )
    token_digest = models.CharField(_("token digest"), max_length=128, blank=True, editable=False)
    token_prefix = models.CharField(_("token prefix"), max_length=12, blank=True, editable=False)
    token_issued_at = models.DateTimeField(_("token issued"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["token_digest"])

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("feed subscriber")
        verbose_name_plural = _("feed subscribers")
        constraints = [
            models.UniqueConstraint(
                fields=["token_digest"],
                condition=~Q(token_digest=""),
                name="feedsubscriber_token_unique",
            ),
        ]

    def __str__(self):
        return self.name


class FeedAccess(models.Model):
    """One fetch of the blocklist feed (append-only, written by orders.feed): which subscriber
    fetched what, when, from which cursor, and how many entries it was sent."""

    subscriber = models.ForeignKey(
        FeedSubscriber,
        verbose_name=pgettext_lazy("feed access", "subscriber"),
        on_delete=models.PROTECT,
        related_name="accesses",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    what = models.CharField(pgettext_lazy("feed access", "what"), max_length=16)
    status = models.PositiveSmallIntegerField(_("HTTP status"))
    since = models.DateTimeField(
        pgettext_lazy("feed access", "changes since"), null=True, blank=True
    )
    after = models.BigIntegerField(pgettext_lazy("feed access", "after entry"), default=0)
    etag = models.CharField(pgettext_lazy("feed access", "ETag"), max_length=64, blank=True)
    rows = models.PositiveIntegerField(
        pgettext_lazy("feed access", "entries sent"), null=True, blank=True
    )
    completed_at = models.DateTimeField(
        pgettext_lazy("feed access", "completed"), null=True, blank=True
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = pgettext_lazy("feed access", "feed access")
        verbose_name_plural = pgettext_lazy("feed access", "feed accesses")
        indexes = [models.Index(fields=["subscriber", "-at"], name="feedaccess_subscriber_idx")]

    def __str__(self):
        return f"{self.subscriber_id} {self.what} {formats.localize(timezone.localtime(self.at))}"
