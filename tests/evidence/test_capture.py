"""A capture preserves the page and what it loads, through the SSRF-safe fetcher, as a WACZ,
a screenshot and a PDF rendered from that WACZ only, and the text; a signed manifest names
them all; "taken" opens its custody log."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evidence import services, storage
from evidence.archive import read_wacz_resources
from evidence.canonical import canonical_json
from evidence.choices import ArtifactKind, CaptureReason, CaptureState, CustodyAction
from evidence.models import Capture
from orders import signing
from tests.checks.sites import register

pytestmark = pytest.mark.django_db

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def capture_of(officer, url) -> Capture:
    link = register(officer, url)[0]
    (capture,) = services.request_captures([link.pk], CaptureReason.ON_DEMAND)
    return services.take_capture(capture.pk)


def test_a_capture_keeps_the_page_its_subresources_and_a_signed_manifest(
    site, evidence_page, officer
):
    capture = capture_of(officer, evidence_page)

    assert capture.state == CaptureState.DONE, capture.failure
    assert capture.http_status == 200
    assert "Текст публикации, который нужно сохранить." in capture.text
    kinds = {artifact.kind: artifact for artifact in capture.artifacts.all()}
    assert set(kinds) == set(ArtifactKind.values) - {ArtifactKind.WARC}

    archived = read_wacz_resources(storage.get(kinds[ArtifactKind.WACZ].sha256))
    assert set(archived) == {
        site.url(p) for p in ("/post/1", "/style.css", "/app.js", "/photo.png")
    }
    assert archived[site.url("/photo.png")][1] == "image/png"

    manifest_bytes = storage.get(capture.manifest_sha256)
    assert manifest_bytes == canonical_json(capture.manifest)
    assert signing.verify(manifest_bytes, capture.signature)
    for kind, entry in capture.manifest["artifacts"].items():
        assert kinds[kind].sha256 == entry["sha256"]
    skipped = {item["url"]: item["reason"] for item in capture.manifest["skipped"]}
    assert skipped == {"https://127.0.0.2/internal.png": "ssrf_refused"}
    assert [event.action for event in capture.custody.all()] == [CustodyAction.TAKEN]


def test_the_renderer_never_touches_the_live_page(site, evidence_page, officer):
    capture = capture_of(officer, evidence_page)

    # One fetch of each by the fetcher; the browser asked the capture, not the site.
    assert sorted(site.hits) == sorted(["/post/1", "/style.css", "/app.js", "/photo.png"])
    assert "https://127.0.0.2/internal.png" in capture.manifest["renderer"]["refused"]
    screenshot = storage.get(capture.artifacts.get(kind=ArtifactKind.SCREENSHOT).sha256)
    assert screenshot.startswith(b"\x89PNG")
    pdf = storage.get(capture.artifacts.get(kind=ArtifactKind.PDF).sha256)
    assert pdf.startswith(b"%PDF")
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "evidence-capture-rendered.png").write_bytes(screenshot)


def test_identical_files_are_stored_once(site, evidence_page, officer, evidence_files):
    first = capture_of(officer, evidence_page)
    link = first.link
    (second,) = services.request_captures([link.pk], CaptureReason.CHANGED)
    second = services.take_capture(second.pk)

    text = first.artifacts.get(kind=ArtifactKind.TEXT).sha256
    assert second.artifacts.get(kind=ArtifactKind.TEXT).sha256 == text
    assert len(list((evidence_files / "evidence" / text[:2]).glob(text))) == 1


def test_a_wacz_validates_with_the_wacz_tool(site, evidence_page, officer, tmp_path):
    capture = capture_of(officer, evidence_page)
    wacz = tmp_path / "capture.wacz"
    wacz.write_bytes(storage.get(capture.artifacts.get(kind=ArtifactKind.WACZ).sha256))
    tool = shutil.which("wacz") or str(Path(sys.executable).parent / "wacz")

    outcome = subprocess.run([tool, "validate", "-f", str(wacz)], capture_output=True, text=True)

    assert "Validation succeeded" in outcome.stdout, outcome.stdout + outcome.stderr


def test_a_page_that_fails_is_a_failed_capture_that_says_why(site, officer):
    site.serve("/gone", b"not here", status=404)
    capture = capture_of(officer, site.url("/gone"))

    assert capture.state == CaptureState.FAILED
    assert capture.failure.startswith("http_error")
    assert capture.http_status == 404
    assert not capture.artifacts.exists()


def test_demo_links_are_never_captured(officer):
    link = register(officer, "https://example.test/demo")[0]
    type(link).objects.filter(pk=link.pk).update(is_demo=True)

    assert services.request_captures([link.pk], CaptureReason.FIRST_CHECK) == []
