"""Screenshot and PDF of a capture, rendered by headless Chromium from the captured copy only.

Every request the browser makes goes through one route handler: a URL the capture holds is
answered from the capture, anything else is aborted, so the browser never touches the live
page or any other address. Belt and braces: the browser's host resolver maps every name to
nothing and it is told to use a proxy that does not exist, so a request that escaped the
route (a WebSocket, a prefetch) could not connect either. Scripts are off unless
EVIDENCE_RENDER_SCRIPTS is on (they could only replay captured bytes, but a hostile script
may still spin): the page is shown as its HTML and styles draw it.

Playwright's sync API runs an event loop in its thread, so rendering runs in a thread of its
own: callers (Celery tasks, Django code) never see that loop. No Django imports here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
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
]


@dataclass
class Rendered:
    screenshot: bytes = b""
    pdf: bytes = b""
    refused: list[str] = field(default_factory=list)  # requests aborted (not captured)
    error: str = ""


@dataclass(frozen=True)
class RenderOptions:
    chromium: str = "/usr/bin/chromium"
    timeout: float = 30.0  # seconds for the whole rendering
    width: int = 1280
    height: int = 900
    max_height: int = 16000  # a page taller than this is cut (a PNG of it stays bounded)
    scripts: bool = False


def render(page_url: str, resources: dict[str, tuple[int, str, bytes]], options: RenderOptions):
    """Render `page_url` from `resources` (URL -> status, content type, body); never raises
    for the page's sake: a failure is in `Rendered.error`."""
    outcome = Rendered()

    def target():
        try:
            _render(page_url, resources, options, outcome)
        except Exception as exc:  # reported, never raised into the capture's thread
            outcome.error = f"{type(exc).__name__}: {exc}"[:500]

    thread = threading.Thread(target=target, name="evidence-render", daemon=True)
    thread.start()
    thread.join(options.timeout + 15)
    if thread.is_alive():
        outcome.error = "rendering did not finish in time"
    return outcome


def _render(page_url, resources, options: RenderOptions, outcome: Rendered) -> None:
    from playwright.sync_api import sync_playwright

    timeout_ms = options.timeout * 1000

    def route(route):
        url = urldefrag(route.request.url)[0]
        found = resources.get(url)
        if found is None:
            outcome.refused.append(url)
            route.abort("blockedbyclient")
            return
        status, content_type, body = found
        route.fulfill(status=status or 200, content_type=content_type or None, body=body)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=options.chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            timeout=timeout_ms,
        )
        try:
            context = browser.new_context(
                viewport={"width": options.width, "height": options.height},
                java_script_enabled=options.scripts,
                service_workers="block",
                accept_downloads=False,
                offline=False,
            )
            context.set_default_timeout(timeout_ms)
            context.route("**/*", route)
            page = context.new_page()
            try:
                page.goto(page_url, wait_until="load", timeout=timeout_ms)
            except Exception as exc:  # a page that never finishes loading: shoot what is there
                if "Timeout" not in type(exc).__name__:
                    raise
            try:
                height = int(page.evaluate("document.documentElement.scrollHeight"))
            except Exception:
                height = options.max_height + 1  # unknown: bounded anyway
            shot = {"type": "png", "timeout": timeout_ms, "animations": "disabled"}
            if height > options.max_height:
                clip = {"x": 0, "y": 0, "width": options.width, "height": options.max_height}
                outcome.screenshot = page.screenshot(full_page=True, clip=clip, **shot)
            else:
                outcome.screenshot = page.screenshot(full_page=True, **shot)
            outcome.pdf = page.pdf(format="A4", print_background=True)
        finally:
            browser.close()
