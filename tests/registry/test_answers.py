"""registry.answers.SubmissionAnswer: each shape's JSON has its keys, in the API's order."""

from datetime import UTC, datetime
from types import SimpleNamespace

from registry.answers import SubmissionAnswer

AGENCY = SimpleNamespace(code="police-KZ-75", name="Police", contact="+7 727 000 00 00")
SINCE = datetime(2026, 1, 2, tzinfo=UTC)


def link(confidential=False):
    return SimpleNamespace(
        pk=7, url="https://t.me/chan/1", first_reported_agency=AGENCY, first_reported_at=SINCE,
        state="new", report_count=3, confidential=confidential,
    )  # fmt: skip


def test_invalid():
    answer = SubmissionAnswer.invalid(2, 42, "not_text", "Each entry must be a string.")
    assert answer.as_dict() == {
        "line": 2, "input": "42", "status": "invalid", "reason": "not_text",
        "message": "Each entry must be a string.",
    }  # fmt: skip
    assert list(answer.as_dict()) == ["line", "input", "status", "reason", "message"]


def test_new_checked_and_submitted():
    assert list(SubmissionAnswer.new(1, "https://x.com/", "x").as_dict()) == [
        "line", "status", "url", "platform",
    ]  # fmt: skip
    assert SubmissionAnswer.new(1, "https://x.com/", "x", 5).as_dict()["link"] == 5


def test_known():
    answer = SubmissionAnswer.known(4, link(), set())
    assert list(answer.as_dict()) == [
        "line", "status", "url", "link", "known_since", "first_reported_by", "state",
        "report_count", "confidential",
    ]  # fmt: skip
    assert answer.as_dict()["first_reported_by"] == {"code": "police-KZ-75", "name": "Police"}
    assert not answer.is_restricted


def test_confidential_known_says_only_whom_to_contact():
    answer = SubmissionAnswer.known(4, link(confidential=True), set())
    assert answer.is_restricted and answer.link is None and answer.url is None
    assert list(answer.as_dict()) == ["line", "status", "confidential", "contact", "message"]
    assert answer.as_dict()["contact"] == {
        "code": "police-KZ-75", "name": "Police", "contact": "+7 727 000 00 00",
    }  # fmt: skip
    assert not SubmissionAnswer.known(4, link(confidential=True), {7}).is_restricted


def test_repeated_in_the_same_batch():
    answer = SubmissionAnswer.repeated(
        3, url="https://t.me/chan/1", link=7, since=SINCE, agency=AGENCY, report_count=2,
        first_line=1,
    )  # fmt: skip
    assert list(answer.as_dict()) == [
        "line", "status", "url", "link", "known_since", "first_reported_by", "state",
        "report_count", "duplicate_of_line",
    ]  # fmt: skip
