"""The answer for one checked or submitted URL (docs/design.md §4.2): one typed object.

registry.services.check_urls and submit_urls answer every input line with a SubmissionAnswer
in one of four shapes, each made by its own constructor:

- `new`: not known before; `link` is set when this call registered it (submit), not for a
  check;
- `known`: since when, by which agency, in what state, with how many reports; `duplicate_of_line`
  when the same content came earlier in the same batch;
- `restricted`: known, but confidential and not the caller's to see: only whom to contact;
- `invalid`: why the line is not a URL the registry takes.

`as_dict()` is the JSON the API answers (and what the portal's batch results are made from):
the fields in a fixed order, those that do not apply to the shape left out.
"""

from dataclasses import dataclass, fields
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.choices import LinkState, SubmissionStatus

# Every `reason` an invalid answer carries (registry.canon.INVALID_REASONS and the two the
# submit service adds) with a short label in the reader's language. The codes are stable: API
# clients and the portal's results CSV ("reason code" column) keep them.
INVALID_REASON_LABELS = {
    "empty": gettext_lazy("empty line"),
    "too_long": gettext_lazy("link too long"),
    "control_characters": gettext_lazy("control characters"),
    "scheme_not_allowed": gettext_lazy("not a web link"),
    "no_host": gettext_lazy("no host name"),
    "bad_host": gettext_lazy("invalid host name"),
    "bad_port": gettext_lazy("invalid port"),
    "over_limit": gettext_lazy("over the batch limit"),
    "not_text": gettext_lazy("not text"),
}


def invalid_reason_label(reason: str | None) -> str:
    """The short label of an invalid answer's reason code (the code itself if unknown)."""
    return str(INVALID_REASON_LABELS.get(reason or "", reason or ""))


def invalid_url_message(error) -> str:
    """The sentence of a registry.canon.InvalidURL in the active language (canon has no
    Django, so it says it in English and hands over its values in `error.params`)."""
    p = error.params
    sentences = {
        "empty": lambda: _("The link is empty."),
        "too_long": lambda: (
            _("The link is %(size)d bytes long; the limit is %(limit)d bytes.")
            % {"size": p["size"], "limit": p["limit"]}
        ),
        "control_characters": lambda: _(
            "The link contains control or bidirectional-override characters, which are never "
            "part of a real web address."
        ),
        "scheme_not_allowed": lambda: (
            _("Only web links (http or https) can be registered, not %(scheme)s links.")
            % {"scheme": repr(p["scheme"])}
        ),
        "no_host": lambda: _("The link has no host name."),
        "bad_host": lambda: (
            _("%(host)s is not a valid host name or IP address.") % {"host": repr(p["host"])}
        ),
        "bad_port": lambda: _("%(port)s is not a valid port number.") % {"port": repr(p["port"])},
    }
    sentence = sentences.get(error.reason)
    try:
        return sentence() if sentence else str(error)
    except KeyError:  # an InvalidURL raised without its values: its English sentence
        return str(error)


@dataclass(frozen=True, slots=True)
class AgencyRef:
    """The agency that first reported a link, as an answer names it."""

    code: str
    name: str

    @classmethod
    def of(cls, agency) -> "AgencyRef":
        return cls(agency.code, agency.name)

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name}


@dataclass(frozen=True, slots=True)
class AgencyContact:
    """Whom to contact about a confidential link the caller may not see."""

    code: str
    name: str
    contact: str

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "contact": self.contact}


@dataclass(frozen=True, slots=True)
class SubmissionAnswer:
    # The order of the fields is the order of the keys in the API's JSON.
    line: int
    input: str | None = None
    status: str = SubmissionStatus.INVALID.value
    reason: str | None = None
    url: str | None = None
    platform: str | None = None
    link: int | None = None
    known_since: datetime | None = None
    first_reported_by: AgencyRef | None = None
    state: str | None = None
    report_count: int | None = None
    confidential: bool | None = None
    duplicate_of_line: int | None = None
    contact: AgencyContact | None = None
    message: str | None = None

    # --- the shapes ---------------------------------------------------------------------------
    @classmethod
    def invalid(cls, line: int, raw, reason: str, message: str) -> "SubmissionAnswer":
        shown = raw if isinstance(raw, str) else repr(raw)
        return cls(
            line=line,
            input=shown[:200],
            status=SubmissionStatus.INVALID.value,
            reason=reason,
            message=message,
        )

    @classmethod
    def new(cls, line: int, url: str, platform: str, link: int | None = None) -> "SubmissionAnswer":
        return cls(
            line=line, status=SubmissionStatus.NEW.value, url=url, platform=platform, link=link
        )

    @classmethod
    def known(cls, line: int, link, visible_confidential: set[int]) -> "SubmissionAnswer":
        """The answer for a known link (a Link or registry.services.KnownLink).

        A confidential link the caller may not see answers only that it is known and whom to
        contact (docs/design.md §5.3): nothing about the content, its state or its history."""
        agency = link.first_reported_agency
        if link.confidential and link.pk not in visible_confidential:
            return cls.restricted(line, agency)
        return cls(
            line=line,
            status=SubmissionStatus.KNOWN.value,
            url=link.url,
            link=link.pk,
            known_since=link.first_reported_at,
            first_reported_by=AgencyRef.of(agency),
            state=link.state,
            report_count=link.report_count,
            confidential=link.confidential,
        )

    @classmethod
    def restricted(cls, line: int, agency) -> "SubmissionAnswer":
        """Known; contact the agency that first reported it (a confidential link)."""
        who = f"{agency.name} ({agency.contact})" if agency.contact else agency.name
        return cls(
            line=line,
            status=SubmissionStatus.KNOWN.value,
            confidential=True,
            contact=AgencyContact(agency.code, agency.name, agency.contact),
            message=_("Known; contact %(agency)s.") % {"agency": who},
        )

    @classmethod
    def repeated(
        cls,
        line: int,
        *,
        url: str,
        link: int,
        since: datetime,
        agency,
        report_count: int,
        first_line: int,
    ) -> "SubmissionAnswer":
        """A URL registered by this very batch on an earlier line: known, and from where."""
        return cls(
            line=line,
            status=SubmissionStatus.KNOWN.value,
            url=url,
            link=link,
            known_since=since,
            first_reported_by=AgencyRef.of(agency),
            state=LinkState.NEW.value,
            report_count=report_count,
            duplicate_of_line=first_line,
        )

    # --- reading ------------------------------------------------------------------------------
    @property
    def is_restricted(self) -> bool:
        """Known, but only whom to contact may be said (no link, no URL)."""
        return self.status == SubmissionStatus.KNOWN and self.contact is not None

    def as_dict(self) -> dict:
        """The answer as the API's JSON shows it (the fields of its shape, in order)."""
        shown = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value is None:
                continue
            shown[field.name] = value.as_dict() if hasattr(value, "as_dict") else value
        return shown
