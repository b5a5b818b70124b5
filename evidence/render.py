"""Screenshot and PDF of a capture, rendered by headless Chromium from the captured copy only.

A request for a URL the capture holds is intercepted and answered from the capture; any other
request fails inside the browser without leaving it: its host resolver maps every name to
nothing, and every connection (loopback included: `<-loopback>` removes Chromium's implicit
bypass) must go through a proxy on the discard port where nothing listens. So the browser never
touches the live page or any other address. (Only the captured URLs are intercepted, in the
browser: aborting each of a hostile page's thousands of missing images through Playwright
would cost a round trip to Python each.) Scripts are off unless EVIDENCE_RENDER_SCRIPTS is on
(they could only replay captured bytes, but a hostile script may still spin).

Rendering runs in a child process (`python -m evidence.render <folder>`) in a session of its
own: past the timeout the whole process group, Chromium included, is killed, so a page that
never settles costs its timeout and nothing after. The screenshot is written as soon as it is
taken, so a PDF that does not finish in time does not lose it. No Django imports here.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urldefrag

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",  # discard port: nothing listens
    "--proxy-bypass-list=<-loopback>",  # loopback addresses too go to that proxy
]


@dataclass
class Rendered:
    screenshot: bytes = b""
    pdf: bytes = b""
    refused: list[str] = field(default_factory=list)  # requests that failed (not captured)
    error: str = ""


@dataclass(frozen=True)
class RenderOptions:
    chromium: str = "/usr/bin/chromium"
    timeout: float = 30.0  # seconds for the whole rendering, browser start included
    width: int = 1280
    height: int = 900
    max_height: int = 16000  # a page taller than this is cut (a PNG of it stays bounded)
    scripts: bool = False


def render(page_url: str, resources: dict[str, tuple[int, str, bytes]], options: RenderOptions):
    """Render `page_url` from `resources` (URL -> status, content type, body); never raises
    for the page's sake: a failure is in `Rendered.error`."""
    outcome = Rendered()
    with tempfile.TemporaryDirectory(prefix="kbz-render-") as folder:
        work = Path(folder)
        with (work / "job.pickle").open("wb") as file:
            pickle.dump((page_url, resources, asdict(options)), file)
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", "evidence.render", folder],
            cwd=Path(__file__).resolve().parents[1],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            _, stderr = process.communicate(timeout=options.timeout)
            if process.returncode:
                outcome.error = stderr.decode(errors="replace").strip()[-500:] or "failed"
        except subprocess.TimeoutExpired:
            _kill_group(process)
            outcome.error = "rendering did not finish in time"
        if (work / "screenshot.png").exists():
            outcome.screenshot = (work / "screenshot.png").read_bytes()
        if (work / "page.pdf").exists():
            outcome.pdf = (work / "page.pdf").read_bytes()
        if (work / "refused.json").exists():
            outcome.refused = json.loads((work / "refused.json").read_text())
    return outcome


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _render_in_child(folder: Path) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with (folder / "job.pickle").open("rb") as file:
        page_url, resources, options = pickle.load(file)  # noqa: S301 (our own parent's file)
    options = RenderOptions(**options)
    started = time.monotonic()
    refused: list[str] = []

    def left_ms(share: float = 1.0) -> float:
        return max(1000.0, (options.timeout - (time.monotonic() - started)) * 1000 * share)

    def route(route):
        found = resources.get(urldefrag(route.request.url)[0])
        if found is None:  # matched the pattern, not exactly (cannot happen; be safe)
            route.abort("blockedbyclient")
            return
        status, content_type, body = found
        route.fulfill(status=status or 200, content_type=content_type or None, body=body)

    def failed(request):
        if len(refused) < 1000:
            refused.append(urldefrag(request.url)[0])

    captured = re.compile("^(?:" + "|".join(re.escape(url) for url in resources) + ")(?:#.*)?$")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=options.chromium, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(
            viewport={"width": options.width, "height": options.height},
            java_script_enabled=options.scripts,
            service_workers="block",
            accept_downloads=False,
        )
        context.route(captured, route)
        page = context.new_page()
        page.on("requestfailed", failed)
        try:
            page.goto(page_url, wait_until="load", timeout=left_ms(0.4))
        except PlaywrightError as exc:  # a page that never settles: shoot what is there
            if "Timeout" not in type(exc).__name__:
                raise
            context.new_cdp_session(page).send("Page.stopLoading")
        (folder / "refused.json").write_text(json.dumps(sorted(set(refused))))
        try:
            height = int(page.evaluate("document.documentElement.scrollHeight"))
        except PlaywrightError:
            height = options.max_height + 1  # unknown: bounded anyway
        shot = {"type": "png", "timeout": left_ms(0.6), "animations": "disabled"}
        if height > options.max_height:
            clip = {"x": 0, "y": 0, "width": options.width, "height": options.max_height}
            screenshot = page.screenshot(full_page=True, clip=clip, **shot)
        else:
            screenshot = page.screenshot(full_page=True, **shot)
        (folder / "screenshot.png").write_bytes(screenshot)
        (folder / "page.pdf").write_bytes(page.pdf(format="A4", print_background=True))
        browser.close()


if __name__ == "__main__":
    _render_in_child(Path(sys.argv[1]))
