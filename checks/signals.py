"""Signals of the checks app, for apps that act on what a check found without the checks app
knowing them (orders.checking: a link of a sent order found gone)."""

from django.dispatch import Signal

# Sent by checks.recording.record_results inside its transaction, once per batch, with
# `checks`: the Check rows just recorded. A receiver's error rolls the batch back (and the
# task retries), so receivers do only database work.
checks_recorded = Signal()
