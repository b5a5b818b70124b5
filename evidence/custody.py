"""The custody log of a capture: an append-only hash chain (issue 15, "Custody and proof").

`record` is the only writer of CustodyEvent. It locks the capture row (SELECT … FOR UPDATE: a
lock, not a change, so a final capture's trigger does not fire), reads the chain's head, and
appends an event whose `sha256` covers the head's hash and the event's canonical JSON
(evidence.canonical.custody_hash). Two writers never fork the chain: the lock orders them, and
the unique constraint on (capture, prev_sha256) refuses a fork whoever writes the SQL.
"""

from django.db import transaction
from django.utils import timezone

from evidence.canonical import GENESIS, custody_hash
from evidence.choices import CustodyAction
from evidence.models import Capture, CustodyEvent


def event_payload(event: CustodyEvent) -> dict:
    """What an event's hash covers (and what the package's custody.json lists per event)."""
    return {
        "capture": event.capture_id,
        "action": event.action,
        "user": event.user_id,
        "at": event.at.isoformat(),
        "details": event.details,
    }


@transaction.atomic
def record(capture: Capture, action: CustodyAction | str, user=None, **details) -> CustodyEvent:
    """Append `action` by `user` (None: the system) to the capture's custody log."""
    CustodyAction(action)  # refuses an unknown action before anything is locked
    Capture.objects.select_for_update().filter(pk=capture.pk).values_list("pk").get()
    head = (
        CustodyEvent.objects.filter(capture=capture.pk)
        .order_by("-at", "-id")
        .values_list("sha256", flat=True)
        .first()
    )
    event = CustodyEvent(
        capture_id=capture.pk,
        action=str(action),
        user_id=getattr(user, "pk", user),
        at=timezone.now(),
        details=details,
        prev_sha256=head or GENESIS,
    )
    event.sha256 = custody_hash(event.prev_sha256, event_payload(event))
    event.save()
    return event


def chain_problems(events: list[CustodyEvent]) -> list[str]:
    """What does not verify in a capture's custody log, given in order (empty: all verifies).
    Each problem names the event."""
    problems = []
    prev = GENESIS
    for event in events:
        if event.prev_sha256 != prev:
            problems.append(f"custody event {event.pk}: does not follow the one before it")
        if custody_hash(event.prev_sha256, event_payload(event)) != event.sha256:
            problems.append(f"custody event {event.pk}: hash does not match its content")
        prev = event.sha256
    return problems
