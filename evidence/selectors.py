"""Reads of evidence shared by the API, the portal and the admin: always through the policy."""

from evidence.models import Capture, CustodyEvent


def captures_for(user):
    """The captures the user may read (those of links whose full record they read)."""
    return Capture.objects.restrict(user, "view").select_related("link")


def link_captures(user, link_id: int):
    return captures_for(user).filter(link=link_id).order_by("-requested_at", "-id")


def custody_of(capture: Capture):
    return CustodyEvent.objects.filter(capture=capture.pk).order_by("at", "id")
