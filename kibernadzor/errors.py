"""Domain errors. Services raise these; utilities.api maps them to HTTP, views to messages."""


class DomainError(Exception):
    """A refusal the user can act on: says what is wrong and where."""

    http_status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, **details):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    def as_dict(self) -> dict:
        body = {"detail": self.message, "code": self.code}
        if self.field:
            body["field"] = self.field
        body.update(self.details)
        return body


class NotAllowed(DomainError):
    """The access policy refuses this action to this user."""

    http_status = 403
    code = "not_allowed"


class Conflict(DomainError):
    http_status = 409
    code = "conflict"


class Unavailable(DomainError):
    """A part the request needs (the database, the broker) cannot be reached: try again after
    `retry_after` seconds. kibernadzor.outages raises it in place of the part's own error."""

    http_status = 503
    code = "unavailable"

    def __init__(self, message: str, *, retry_after: int, **details):
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


class BodyTooLarge(DomainError):
    """The request body is over the size limit (DATA_UPLOAD_MAX_MEMORY_SIZE)."""

    http_status = 413
    code = "too_large"
