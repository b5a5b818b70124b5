"""A link's record agrees with itself: its state is where its trail ends, and its latest
history record holds its current values (`manage.py check_record` says so, or lists where not)."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from registry import services
from registry.choices import LinkClassification, LinkState
from registry.models import Link
from registry.selectors import record_disagreements
from tests.factories import UserFactory
from tests.registry.factories import LinkFactory

QUIET = {"stdout": open("/dev/null", "w"), "stderr": open("/dev/null", "w")}  # noqa: SIM115


def test_the_demo_world_agrees_with_itself(db):
    call_command("seed_demo", stdout=QUIET["stdout"])
    assert Link.objects.exists()
    assert record_disagreements() == []
    call_command("check_record", **QUIET)


def test_the_record_still_agrees_after_every_history_page_was_posted_to(
    db, officer, prosecutor, auditor, client_for
):
    root = UserFactory(is_superuser=True, is_staff=True)
    link = LinkFactory(first_reported_by=officer, confidential=True)
    services.transition(link.pk, LinkState.UNDER_REVIEW, actor=prosecutor)
    services.classify(link.pk, classification=LinkClassification.EXTREMIST, actor=prosecutor)
    for record in link.history.all():
        url = reverse("admin:registry_link_simple_history", args=[link.pk, record.history_id])
        for attacker in (auditor, prosecutor, root):
            client_for(attacker).post(
                url, {"state": LinkState.NEW, "classification": LinkClassification.UNCLASSIFIED}
            )
    assert record_disagreements() == []
    link.refresh_from_db()
    assert (link.state, link.classification) == (LinkState.UNDER_REVIEW, "extremist")


def test_a_state_written_around_the_trail_is_reported(db, officer, prosecutor):
    link = LinkFactory(first_reported_by=officer)
    services.transition(link.pk, LinkState.UNDER_REVIEW, actor=prosecutor)
    assert record_disagreements() == []
    Link.objects.filter(pk=link.pk).update(state=LinkState.NEW)  # no trail, no history
    problems = record_disagreements()
    assert problems == [
        f"link #{link.pk}: state new, trail ends in under_review",
        f"link #{link.pk}: latest history differs in state",
    ]
    with pytest.raises(CommandError, match="2 disagreement"):
        call_command("check_record", **QUIET)


def test_a_link_without_a_trail_must_still_be_new(db, officer):
    link = LinkFactory(first_reported_by=officer, state=LinkState.BLOCKED)
    assert record_disagreements() == [f"link #{link.pk}: state blocked, trail ends in new"]
