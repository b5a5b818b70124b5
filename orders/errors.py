"""The refusals of orders.services: domain errors (utilities.api maps them to HTTP answers)
that are also Django ValidationErrors (forms and the admin show them as such)."""

from django.core.exceptions import ValidationError

from kibernadzor import errors


class _OrderError(errors.DomainError, ValidationError):
    def __init__(self, message: str, *, field: str | None = None, **details):
        ValidationError.__init__(self, {field: [message]} if field else [message])
        errors.DomainError.__init__(self, message, field=field, **details)
        self.code = type(self).code

    def __str__(self):
        return self.message


class OrderRefused(_OrderError):
    """Bad input: a link not confirmed illegal, no legal basis, a recipient without a deadline
    rule, a step the order's state does not allow."""

    code = "invalid"


class OrderConflict(_OrderError):
    """The order moved meanwhile (sent twice, signed by another prosecutor at once)."""

    http_status = 409
    code = "conflict"


class OrderNotAllowed(_OrderError):
    http_status = 403
    code = "not_allowed"


class OrderNotFound(_OrderError):
    http_status = 404
    code = "not_found"
