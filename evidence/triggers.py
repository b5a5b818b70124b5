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

from checks.models import Check
from evidence import custody, services
from evidence.choices import CaptureReason, CaptureState, CustodyAction
from evidence.models import Capture
from orders.choices import OrderState
from registry.choices import LinkState


def on_checks_recorded(sender, checks, **kwargs) -> None:
    available = {check.link_id: check for check in checks if check.available}
    if not available:
        return
    captured = set(
        Capture.objects.filter(link__in=available).values_list("link_id", flat=True).distinct()
    )
    services.request_captures(set(available) - captured, CaptureReason.FIRST_CHECK)
    hashed = {
        link_id: check
        for link_id, check in available.items()
        if link_id in captured and check.content_sha256
    }
    if not hashed:
        return
    previous = (
        Check.objects.filter(link__in=hashed)
        .exclude(content_sha256="")
        .exclude(pk__in=[check.pk for check in hashed.values()])
        .order_by("link_id", "-checked_at", "-id")
        .distinct("link_id")
        .values_list("link_id", "content_sha256")
    )
    changed = [link for link, sha in previous if sha != hashed[link].content_sha256]
    services.request_captures(changed, CaptureReason.CHANGED)


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
