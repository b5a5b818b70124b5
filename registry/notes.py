"""Notes and the case number of a link (issue 17): the services that write them.

A note is appended by anyone who may read the link's full record and holds
`registry.add_linknote` (officers, supervisors, prosecutors); notes are never edited or
deleted, and who reads them is the LinkNote rule in registry.access (the link's readers,
across agencies; a confidential link's notes are as confidential as the link).

The case number links the record to a criminal, administrative or court case. It is a
field of the Link, so its history is the link's history; it is set by those who may change
the link (supervisors and prosecutors in scope), in capitals, in the format
registry.models.CASE_NUMBER_PATTERN checks (a database constraint too); registry.search
finds a link by it.
"""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import policy
from kibernadzor.errors import DomainError, NotAllowed
from registry.models import CASE_NUMBER_MAX, CASE_NUMBER_PATTERN, Link, LinkNote
from registry.services import LinkNotFound, _locked_link

NOTE_MAX = 5000
_CASE_NUMBER = re.compile(CASE_NUMBER_PATTERN)
_SPACES = re.compile(r"\s+")


def normalize_case_number(value: str) -> str:
    """The stored form of a case number: trimmed, single spaces, capitals ("" for none)."""
    return _SPACES.sub(" ", (value or "").strip()).upper()


def case_number_error(value: str) -> str | None:
    """Why a (normalized) case number is refused, or None when it is fine or empty."""
    if not value:
        return None
    if len(value) > CASE_NUMBER_MAX:
        return _("A case number has at most %(max)d characters.") % {"max": CASE_NUMBER_MAX}
    if not _CASE_NUMBER.match(value):
        return _(
            "A case number is letters and digits, with . / - № or spaces between them, and at "
            "least one digit (e.g. 241500031000123 or 2-1234/2024)."
        )
    return None


@transaction.atomic
def add_note(link_id: int, *, author, text: str) -> LinkNote:
    """Append a note to the link's case, as its author and their agency."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write the note's text."), field="text")
    if len(text) > NOTE_MAX:
        raise DomainError(
            _("A note has at most %(max)d characters.") % {"max": NOTE_MAX}, field="text"
        )
    if not policy.can(author, "add", model=LinkNote):
        raise NotAllowed(_("You may not write notes."))
    if author.agency_id is None:
        raise NotAllowed(_("Only officers of an agency can write notes."))
    link = Link.objects.restrict(author, "view").filter(pk=link_id).first()
    if link is None:
        raise LinkNotFound(_("No such link, or you may not see it."))
    return LinkNote.objects.create(link=link, author=author, agency_id=author.agency_id, text=text)


def notes_for(user, link: Link):
    """The link's notes the user may read, newest first."""
    return (
        LinkNote.objects.restrict(user, "view")
        .filter(link=link)
        .select_related("author", "agency")
        .order_by("-created_at", "-id")
    )


@transaction.atomic
def set_case_number(link_id: int, *, actor, case_number: str) -> Link:
    """Set (or clear, with "") the link's case number; recorded in its history."""
    value = normalize_case_number(case_number)
    error = case_number_error(value)
    if error:
        raise DomainError(error, field="case_number")
    link = _locked_link(link_id, actor)
    if link.case_number != value:
        link.case_number = value
        link._change_reason = "case number"
        link.save(update_fields=["case_number"])
    return link
