"""A capture follows its link's policy: whoever reads the link's full record reads its
captures, artifacts and custody; a confidential link's captures are confidential; nobody
changes or deletes evidence; analysts see none."""

import pytest
from django.utils import timezone

from accounts import policy
from accounts.choices import AgencyKind, Role
from evidence import custody
from evidence.choices import CaptureReason, CaptureState, CustodyAction
from evidence.models import Capture, CustodyEvent
from tests.checks.sites import register

pytestmark = pytest.mark.django_db


def captured(link) -> Capture:
    capture = Capture.objects.create(
        link=link,
        reason=CaptureReason.ON_DEMAND,
        state=CaptureState.DONE,
        finished_at=timezone.now(),
        manifest={},
        manifest_sha256="a" * 64,
        signature="c2ln",
    )
    custody.record(capture, CustodyAction.TAKEN)
    return capture


def test_a_confidential_links_captures_are_confidential(
    officer, make_user, regional_prosecutor, auditor
):
    link = register(officer, "https://example.test/secret")[0]
    type(link).objects.filter(pk=link.pk).update(confidential=True)
    capture = captured(link)
    neighbour = make_user(Role.SUPERVISOR, kind=AgencyKind.KNB, region="KZ-75")
    analyst = make_user(Role.ANALYST, region="KZ-75")

    readers = {
        "reporting officer": officer,
        "regional prosecutor": regional_prosecutor,
        "auditor": auditor,
    }
    for who, user in readers.items():
        assert Capture.objects.restrict(user).filter(pk=capture.pk).exists(), who
        assert CustodyEvent.objects.restrict(user).filter(capture=capture).exists(), who
    for user in (neighbour, analyst):
        assert not Capture.objects.restrict(user).filter(pk=capture.pk).exists()
        assert not CustodyEvent.objects.restrict(user).exists()


def test_nobody_changes_or_deletes_evidence(officer, prosecutor, auditor):
    capture = captured(register(officer, "https://example.test/open")[0])
    for user in (officer, prosecutor, auditor):
        for action in ("change", "delete"):
            assert not policy.can(user, action, capture)
    assert policy.can(officer, "add", model=Capture)
    assert not policy.can(auditor, "add", model=Capture)
