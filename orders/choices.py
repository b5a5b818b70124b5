"""States and kinds of blocking orders (README, Blocking orders; docs/design.md §orders)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RecipientKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry of Information")
    NATIONAL_SECURITY = "national_security", _("national security bodies (KNB)")
    PLATFORM_REPRESENTATIVE = "platform_representative", _("platform's legal representative")
    HOSTING_PROVIDER = "hosting_provider", _("hosting provider")
    OTHER = "other", pgettext_lazy("recipient kind", "other")


class OrderKind(models.TextChoices):
    BLOCKING = "blocking", _("blocking submission")
    REPEATED = "repeated", _("repeated submission")
    RESTORATION = "restoration", _("restoration notice")


class OrderState(models.TextChoices):
    """draft → signed → sent → acknowledged → executed | partly_executed | refused; withdrawn."""

    DRAFT = "draft", pgettext_lazy("order state", "draft")
    SIGNED = "signed", pgettext_lazy("order state", "signed")
    SENT = "sent", pgettext_lazy("order state", "sent")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("order state", "acknowledged")
    EXECUTED = "executed", pgettext_lazy("order state", "executed")
    PARTLY_EXECUTED = "partly_executed", pgettext_lazy("order state", "partly executed")
    REFUSED = "refused", pgettext_lazy("order state", "refused")
    WITHDRAWN = "withdrawn", pgettext_lazy("order state", "withdrawn")


# Orders whose clocks run and whose links are re-checked: what the recipient must block
# (a restoration notice asks the opposite and has no deadline).
CLOCKED_KINDS = (OrderKind.BLOCKING, OrderKind.REPEATED)
# Orders with the recipient, whose clocks run: the checker re-checks their pending links.
OPEN_ORDER_STATES = (OrderState.SENT, OrderState.ACKNOWLEDGED)
# Orders whose links must be blocked now (the feed, orders.selectors.blocked_now).
IN_FORCE_ORDER_STATES = (
    OrderState.SENT,
    OrderState.ACKNOWLEDGED,
    OrderState.EXECUTED,
    OrderState.PARTLY_EXECUTED,
)
FINAL_ORDER_STATES = (
    OrderState.EXECUTED,
    OrderState.PARTLY_EXECUTED,
    OrderState.REFUSED,
    OrderState.WITHDRAWN,
)


class OrderLinkState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("order link state", "pending")
    EXECUTED = "executed", pgettext_lazy("order link state", "executed")
    REFUSED = "refused", pgettext_lazy("order link state", "refused")
    REVOKED = "revoked", pgettext_lazy("order link state", "revoked")


class DocumentKind(models.TextChoices):
    SUBMISSION = "submission", _("submission")
    REPEATED_SUBMISSION = "repeated_submission", _("repeated submission")
    RESTORATION_NOTICE = "restoration_notice", _("restoration notice")


# The document each kind of order produces.
DOCUMENT_KIND_OF_ORDER = {
    OrderKind.BLOCKING: DocumentKind.SUBMISSION,
    OrderKind.REPEATED: DocumentKind.REPEATED_SUBMISSION,
    OrderKind.RESTORATION: DocumentKind.RESTORATION_NOTICE,
}


class DocumentLanguage(models.TextChoices):
    RU = "ru", _("Russian")
    KK = "kk", _("Kazakh")


class DocumentFormat(models.TextChoices):
    DOCX = "docx", "DOCX"
    PDF = "pdf", "PDF"
