"""Watching a source on demand ("Watch now" in the portal): outside its schedule, at once.

Kept apart from sources.services because it sends the watch task (sources.watching names it),
and sources.watching calls sources.services: one module importing both keeps the import graph
without a circle (tests/test_import_graph.py).
"""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from checks.sending import send
from sources.choices import SourceState
from sources.models import Source
from sources.services import SourceStateConflict, _locked_source
from sources.watching import WATCH_QUEUE, WATCH_TASK

# "Watch now" is refused this soon after the source's last watch (a double click, or a second
# officer pressing it too): the watch just made is what a new one would find.
WATCH_NOW_PAUSE_SECONDS = 60


def watch_now(source_id: int, *, actor):
    """Watch a source at once, outside its schedule, for whoever may change it: the source is
    leased the way beat's dispatch leases it (its next_watch_at moved to the lease end, so a
    dispatch already queued for it finds it re-leased and leaves it) and one watch task is
    sent by name once the lease is committed (checks.sending: a broker that is down costs
    one fast failure). The lease end; None when the task could not be sent: the source then
    comes due again when the lease runs out, as after a lost worker."""
    with transaction.atomic():
        source = _locked_source(source_id, actor)
        if source.is_demo:
            raise SourceStateConflict(
                _("A demo source is never watched: it names a real platform."), field="state"
            )
        if source.state != SourceState.ACTIVE:
            raise SourceStateConflict(
                _("Only a watched source can be watched now; this one is %(state)s.")
                % {"state": source.get_state_display()},
                field="state",
            )
        now = timezone.now()
        if source.last_watched_at is not None and now - source.last_watched_at < timedelta(
            seconds=WATCH_NOW_PAUSE_SECONDS
        ):
            raise SourceStateConflict(
                _("The source was watched less than a minute ago."), field="state"
            )
        until = now + timedelta(seconds=settings.SOURCES_LEASE_SECONDS)
        Source.objects.filter(pk=source.pk).update(next_watch_at=until)
    if _in_callers_transaction():  # send once the caller's transaction commits
        transaction.on_commit(partial(_send_watch, source.pk, until), robust=True)
        return until
    return until if _send_watch(source.pk, until) else None


def _in_callers_transaction() -> bool:
    return transaction.get_connection().in_atomic_block


def _send_watch(source_id: int, until) -> bool:
    return send(WATCH_TASK, [[source_id], until.isoformat()], {}, queue=WATCH_QUEUE)
