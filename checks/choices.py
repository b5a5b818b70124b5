"""Kinds and triggers of the checks app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CheckTrigger(models.TextChoices):
    """Why a check ran: the first check of a new link, a scheduled re-check, or an operator."""

    FIRST = "first", _("first check")
    RECHECK = "recheck", _("scheduled re-check")
    MANUAL = "manual", _("run by an operator")


class NotificationKind(models.TextChoices):
    REAPPEARED = "reappeared", _("link reappeared")
    MATERIAL_MATCH = "material_match", _("matches a court-recognised material")
    ACCESS_CHANGE = "access_change", _("access change")
    ORDER_OVERDUE = "order_overdue", _("order overdue")
    ASSIGNED = "assigned", _("link assigned")
    SOURCE_MATCH = "source_match", _("new posts of a watched source match known content")


class FetchError(models.TextChoices):
    """What a failed fetch (a check or a capture) ran into: checks.fetch.ERROR_CODES, worded for
    people. The technical detail beside the code stays in the record, for IT staff."""

    BAD_URL = "bad_url", _("the address is not valid")
    SSRF_REFUSED = "ssrf_refused", _("the address is not allowed")
    DNS_ERROR = "dns_error", _("the host name does not resolve")
    CONNECT_ERROR = "connect_error", _("the server refused the connection")
    TLS_ERROR = "tls_error", _("the secure connection failed")
    TIMEOUT = "timeout", _("the server did not answer in time")
    TOO_MANY_REDIRECTS = "too_many_redirects", _("too many redirects")
    BODY_TOO_LARGE = "body_too_large", _("the page is larger than the limit")
    UNSUPPORTED_CONTENT_TYPE = "unsupported_content_type", _("a kind of content not accepted")
    DECODE_ERROR = "decode_error", _("the page could not be decoded")
    HTTP_ERROR = "http_error", _("the server answered with an error")
    PROTOCOL_ERROR = "protocol_error", _("the server broke the HTTP protocol")
    NETWORK_ERROR = "network_error", _("the connection dropped")
    INTERNAL_ERROR = "internal_error", _("an internal error (logged)")


def fetch_error_label(failure: str) -> str:
    """The words for a recorded failure ("code" or "code: detail"); unknown codes unchanged."""
    code = str(failure).split(":", 1)[0].strip()
    if code in FetchError.values:
        return str(FetchError(code).label)
    return str(failure)
