"""Signals of the registry, for apps that act on a link's events without the registry knowing
them (checks.notifications: a notification when a link is assigned)."""

from django.dispatch import Signal

# Sent by registry.services.assign inside its transaction when a link's assigned agency or
# officer changed to someone, with `link` (saved), `actor` and `previous_user_id`. Receivers do
# database work only: their error rolls the assignment back.
link_assigned = Signal()

# Sent by registry.services.assign_many (bulk work) once for the whole selection, with `links`
# (those whose assignee changed, all now with the same `agency` and `user`) and `actor`:
# receivers tell each person once, not once per link.
links_assigned = Signal()
