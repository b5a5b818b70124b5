"""Hostile pages end in a bounded capture or a recorded failed one, within the budget: endless
subresources are cut at the count, huge images at the body cap, a redirect to an internal
address is refused by the fetcher's guard, a page that never finishes stops at the timeout."""

import time

import pytest

from evidence import services
from evidence.choices import CaptureReason, CaptureState
from tests.checks import sites
from tests.checks.sites import register

pytestmark = pytest.mark.django_db


class _HostileHandler(sites._Handler):
    def do_GET(self):  # noqa: N802
        if self.path == "/never-finishes":
            self.server.hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html><body><p>loading")
            deadline = time.monotonic() + 30  # stops by itself, long after the budget
            while time.monotonic() < deadline:
                try:
                    self.wfile.write(b".")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.2)
            return
        if self.path == "/endless.png":
            self.server.hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            chunk = b"\x00" * 65536
            for _ in range(2000):  # 128 MiB at most, far past the cap
                try:
                    self.wfile.write(chunk)
                except OSError:
                    return
            return
        super().do_GET()


@pytest.fixture
def hostile_site(site):
    site.RequestHandlerClass = _HostileHandler
    return site


@pytest.fixture
def budget(settings):
    settings.EVIDENCE_MAX_RESOURCES = 20
    settings.EVIDENCE_TIME_BUDGET = 6
    settings.CHECKER_TOTAL_TIMEOUT = 4
    settings.CHECKER_MAX_BODY_BYTES = 1024 * 1024
    settings.EVIDENCE_RENDER_TIMEOUT = 15


def take(officer, url):
    link = register(officer, url)[0]
    (capture,) = services.request_captures([link.pk], CaptureReason.ON_DEMAND)
    started = time.monotonic()
    capture = services.take_capture(capture.pk)
    return capture, time.monotonic() - started


def test_endless_subresources_are_cut_at_the_count(hostile_site, budget, officer):
    images = "".join(f'<img src="/img/{n}.png">' for n in range(5000))
    hostile_site.serve("/many", f"<html><body><p>many</p>{images}</body></html>".encode())

    capture, seconds = take(officer, hostile_site.url("/many"))

    assert capture.state == CaptureState.DONE, capture.failure
    assert len([h for h in hostile_site.hits if h.startswith("/img/")]) == 20
    assert {s["reason"] for s in capture.manifest["skipped"]} == {"over_count", "http_error"}
    assert seconds < 6 + 15 + 10


def test_huge_images_stop_at_the_body_cap(hostile_site, budget, officer):
    hostile_site.serve("/huge", b'<html><body><p>huge</p><img src="/endless.png"></body></html>')
    hostile_site.serve(
        "/big.png", b"\x89PNG" + b"\x00" * (3 * 1024 * 1024), content_type="image/png"
    )
    hostile_site.serve("/big", b'<html><body><p>big</p><img src="/big.png"></body></html>')

    for path in ("/huge", "/big"):
        capture, seconds = take(officer, hostile_site.url(path))

        assert capture.state == CaptureState.DONE, capture.failure
        assert [s["reason"] for s in capture.manifest["skipped"]] == ["body_too_large"]
        assert sum(r["size"] for r in capture.manifest["resources"]) < 1024 * 1024
        assert seconds < 6 + 15 + 10


def test_a_redirect_to_an_internal_address_is_a_failed_capture(hostile_site, budget, officer):
    hostile_site.serve("/jump", b"", status=302, Location="https://127.0.0.2/admin")

    capture, _seconds = take(officer, hostile_site.url("/jump"))

    assert capture.state == CaptureState.FAILED
    assert capture.failure.startswith("ssrf_refused")
    assert not capture.artifacts.exists()


def test_a_page_that_never_finishes_is_a_failed_capture_within_the_budget(
    hostile_site, budget, officer
):
    capture, seconds = take(officer, hostile_site.url("/never-finishes"))

    assert capture.state == CaptureState.FAILED
    assert capture.failure.startswith("timeout")
    assert seconds < 6 + 2
