"""When captures are taken by themselves (issue 15): at a link's first successful check, when a
check finds its content changed, when it is confirmed illegal, and when an order covering it
is signed (so the capture precedes the sending; at sending, each link's latest capture is
attached to the order in its custody log).

The apps that cause these events do not know the evidence app (the import graph runs
evidence → checks, registry, orders): it listens to checks.signals.checks_recorded and to
the post_save of registry.StateChange and orders.Order, connected in EvidenceConfig.ready().
Each receiver only writes rows (pending captures, custody entries) inside the sender's
transaction; the captures are taken in the "evidence" queue after it commits.
"""

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from evidence import custody, services
from evidence.choices import CaptureReason, CaptureState, CustodyAction
from evidence.models import Capture
from orders.choices import OrderState
from registry.choices import LinkState

# One statement for a whole batch of checks (the checks' recording is set-based: its cost in
# queries does not grow with the batch). `batch` is the batch's available checks; a link gets a
# first_check capture if it has none, a changed capture if its latest earlier check with a
# content hash had another one (and no capture of it is pending or running). Both inserts see
# the same snapshot, so a link's first capture is never also a "changed" one.
_CAPTURES_AFTER_CHECKS = """
WITH batch (link_id, check_id, content_sha256) AS (
    SELECT * FROM unnest(%(links)s::bigint[], %(checks)s::bigint[], %(hashes)s::text[])
),
candidates AS (
    SELECT l.id, l.url, b.check_id, b.content_sha256,
           EXISTS (SELECT 1 FROM evidence_capture c WHERE c.link_id = l.id) AS captured
    FROM batch b JOIN registry_link l ON l.id = b.link_id
    WHERE NOT l.is_demo
),
wanted (link_id, url, reason) AS (
    SELECT id, url, 'first_check' FROM candidates WHERE NOT captured
    UNION ALL
    SELECT k.id, k.url, 'changed' FROM candidates k
    WHERE k.captured AND k.content_sha256 <> ''
      AND NOT EXISTS (
          SELECT 1 FROM evidence_capture c
          WHERE c.link_id = k.id AND c.state IN ('pending', 'running')
      )
      AND (
          SELECT p.content_sha256 FROM checks_check p
          WHERE p.link_id = k.id AND p.content_sha256 <> '' AND p.id <> k.check_id
          ORDER BY p.checked_at DESC, p.id DESC LIMIT 1
      ) <> k.content_sha256
)
INSERT INTO evidence_capture (
    link_id, reason, state, failure, requested_at, url, final_url, manifest_sha256,
    signature, text, is_demo
)
SELECT link_id, reason, 'pending', '', %(now)s, url, '', '', '', '', false FROM wanted
RETURNING id
"""


def on_checks_recorded(sender, checks, **kwargs) -> None:
    available = [check for check in checks if check.available]
    if not available or not settings.EVIDENCE_ENABLED:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _CAPTURES_AFTER_CHECKS,
            {
                "links": [check.link_id for check in available],
                "checks": [check.pk for check in available],
                "hashes": [check.content_sha256 for check in available],
                "now": timezone.now(),
            },
        )
        ids = [row[0] for row in cursor.fetchall()]
    if ids and settings.EVIDENCE_ENQUEUE_ON_COMMIT:
        transaction.on_commit(lambda: services.enqueue(ids), robust=True)


def on_state_change(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw and instance.to_state == LinkState.CONFIRMED:
        services.request_captures([instance.link_id], CaptureReason.CONFIRMED, user=instance.actor)


def on_order_saved(sender, instance, created, raw=False, update_fields=None, **kwargs) -> None:
    if raw or created or not update_fields or "state" not in update_fields:
        return
    link_ids = list(instance.order_links.values_list("link_id", flat=True))
    if instance.state == OrderState.SIGNED:
        services.request_captures(
            link_ids, CaptureReason.BEFORE_ORDER, order=instance, skip_open=False
        )
    elif instance.state == OrderState.SENT:
        latest = (
            Capture.objects.filter(link__in=link_ids, state=CaptureState.DONE)
            .order_by("link_id", "-finished_at", "-id")
            .distinct("link_id")
        )
        for capture in latest:
            custody.record(capture, CustodyAction.ATTACHED_TO_ORDER, None, order=instance.pk)


def connect() -> None:
    from django.db.models.signals import post_save

    from checks.signals import checks_recorded
    from orders.models import Order
    from registry.models import StateChange

    checks_recorded.connect(on_checks_recorded, dispatch_uid="evidence.checks_recorded")
    post_save.connect(on_state_change, sender=StateChange, dispatch_uid="evidence.confirmed")
    post_save.connect(on_order_saved, sender=Order, dispatch_uid="evidence.order")
