"""Evidence is kept as taken: final captures, artifacts and custody events are never changed or
deleted, in Python or in SQL; the custody log of a capture is one linear hash chain."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from evidence import custody
from evidence.canonical import GENESIS
from evidence.choices import ArtifactKind, CaptureReason, CaptureState, CustodyAction
from evidence.models import Artifact, Capture, CustodyEvent, EvidenceImmutable
from tests.checks.sites import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(officer):
    return register(officer, "https://example.test/post/1")[0]


def done_capture(link) -> Capture:
    return Capture.objects.create(
        link=link,
        reason=CaptureReason.ON_DEMAND,
        state=CaptureState.DONE,
        finished_at=timezone.now(),
        manifest={"files": []},
        manifest_sha256="a" * 64,
        signature="c2ln",
    )


def test_a_running_capture_may_be_completed_once(link):
    capture = Capture.objects.create(link=link, reason=CaptureReason.FIRST_CHECK)
    capture.state = CaptureState.FAILED
    capture.failure = "timeout"
    capture.finished_at = timezone.now()
    capture.save()

    capture = Capture.objects.get(pk=capture.pk)
    capture.failure = "something else"
    with pytest.raises(EvidenceImmutable):
        capture.save()


def test_a_final_capture_refuses_sql_updates_and_deletes(link):
    capture = done_capture(link)
    for sql in (
        "UPDATE evidence_capture SET text = 'changed' WHERE id = %s",
        "DELETE FROM evidence_capture WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [capture.pk])
    assert Capture.objects.get(pk=capture.pk).text == ""


def test_a_done_capture_must_be_signed(link):
    with pytest.raises(IntegrityError), transaction.atomic():
        Capture.objects.create(link=link, reason=CaptureReason.ON_DEMAND, state=CaptureState.DONE)


def test_captures_artifacts_and_custody_are_never_deleted(link):
    capture = done_capture(link)
    artifact = Artifact.objects.create(
        capture=capture, kind=ArtifactKind.TEXT, sha256="b" * 64, size=1, content_type="text/plain"
    )
    event = custody.record(capture, CustodyAction.TAKEN)
    for record in (capture, artifact, event):
        with pytest.raises(EvidenceImmutable):
            record.delete()
    with pytest.raises(ProtectedError):
        link.delete()
    for sql in (
        "UPDATE evidence_artifact SET size = 2 WHERE id = %s",
        "DELETE FROM evidence_custodyevent WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [artifact.pk if "artifact" in sql else event.pk])


def test_custody_events_chain_by_hash_and_never_fork(link, officer):
    capture = done_capture(link)
    taken = custody.record(capture, CustodyAction.TAKEN)
    viewed = custody.record(capture, CustodyAction.VIEWED, officer, page="link")

    assert taken.prev_sha256 == GENESIS
    assert viewed.prev_sha256 == taken.sha256
    assert viewed.details == {"page": "link"}
    events = list(CustodyEvent.objects.filter(capture=capture).order_by("at", "id"))
    assert custody.chain_problems(events) == []

    fork = CustodyEvent(
        capture=capture, action=CustodyAction.VIEWED, prev_sha256=taken.sha256, sha256="f" * 64
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        fork.save()


def test_an_altered_custody_event_is_named(link, officer):
    capture = done_capture(link)
    custody.record(capture, CustodyAction.TAKEN)
    viewed = custody.record(capture, CustodyAction.VIEWED, officer)
    events = list(CustodyEvent.objects.filter(capture=capture).order_by("at", "id"))
    events[1].details = {"page": "forged"}

    assert custody.chain_problems(events) == [
        f"custody event {viewed.pk}: hash does not match its content"
    ]
