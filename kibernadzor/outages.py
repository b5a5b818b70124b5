"""What the site answers while a part it needs is away, and to a body over the size limit.

An integration has to tell "try again later" from "you sent something wrong" and from "this is
a bug". While the database or the broker cannot be reached, the API answers 503 with
`Retry-After` (KBZ_OUTAGE_RETRY_AFTER seconds) and a JSON body naming the part, instead of
Django's HTML 500; portal pages get a short HTML 503 with the same header. A body over
DATA_UPLOAD_MAX_MEMORY_SIZE gets a JSON 413 naming the limit, instead of an HTML 400.

Two places call in here: utilities.api.exception_handler, for errors raised inside an API view
(authentication included), and `server_error` (Django's handler500), for errors raised before
a view runs (a session read by a middleware, say). Nothing is retried here: a request is one
attempt, and the database keeps every write whole (a submission is one transaction).
"""

import logging
import sys

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views import defaults

from kibernadzor.errors import BodyTooLarge, DomainError, Unavailable

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
BROKER_ERRORS = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


def as_domain_error(exc: BaseException) -> DomainError | None:
    """The answer an integration can act on for an infrastructure error; None for others."""
    retry_after = settings.KBZ_OUTAGE_RETRY_AFTER
    if isinstance(exc, DATABASE_ERRORS):
        logger.error("Database unavailable (%s: %s): answered 503", type(exc).__name__, exc)
        return Unavailable(
            _("The database is temporarily unavailable. Try again later."),
            retry_after=retry_after,
            part="database",
        )
    if isinstance(exc, BROKER_ERRORS):
        logger.error("Broker unavailable (%s: %s): answered 503", type(exc).__name__, exc)
        return Unavailable(
            _("The task queue is temporarily unavailable. Try again later."),
            retry_after=retry_after,
            part="broker",
        )
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return BodyTooLarge(
            _("The request body is larger than the limit of %(limit)d bytes: send it in parts.")
            % {"limit": limit},
            limit_bytes=limit,
        )
    return None


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def server_error(request) -> HttpResponse:
    """handler500: an outage raised outside an API view still gets its 503 (JSON on the API);
    anything else is a 500 (JSON on the API, Django's page elsewhere). Django calls this while
    handling the exception, so sys.exc_info() holds it."""
    error = as_domain_error(sys.exc_info()[1]) if sys.exc_info()[1] else None
    if error is None:
        if is_api(request):
            return JsonResponse({"detail": _("Server error."), "code": "server_error"}, status=500)
        return defaults.server_error(request)
    headers = getattr(error, "headers", None)
    if is_api(request):
        return JsonResponse(error.as_dict(), status=error.http_status, headers=headers)
    title = escape(_("Service temporarily unavailable"))
    page = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{escape(error.message)}</p>"
    return HttpResponse(page, status=error.http_status, headers=headers)
