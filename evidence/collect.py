"""Fetching what a capture preserves: the page, then its subresources within a budget, all
through the checker's SSRF-safe fetcher (checks.fetch: the same address guard, proxy, TLS
verification, body cap, redirect re-checks and total timeout per fetch). No Django imports.

Budget (Budget): at most `max_resources` subresources, at most `max_total_bytes` kept in all,
and the whole collection within `time_budget` seconds: whatever is still loading then is
cancelled and listed as skipped. A subresource that fails (refused address, too large, timed
out) is listed in `skipped` with its reason; only a failure of the page itself fails the
capture.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from checks.fetch import FetchConfig, Fetcher, FetchResult
from evidence.archive import Resource, subresource_urls

SUBRESOURCE_TYPES = (
    "text/html",
    "text/plain",
    "application/xhtml+xml",
    "application/json",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
    "image/*",
    "font/*",
    "application/font-woff",
    "application/font-woff2",
)


@dataclass(frozen=True)
class Budget:
    max_resources: int = 50
    max_total_bytes: int = 25 * 1024 * 1024
    time_budget: float = 60.0


@dataclass
class Collected:
    """What was fetched: `page` None when the page itself failed (then `error` says why)."""

    url: str
    page: FetchResult | None = None
    resources: list[Resource] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    error: str = ""
    error_detail: str = ""
    duration_ms: int = 0


def _resource(result: FetchResult, url: str) -> Resource:
    return Resource(
        url=url,
        status=result.status_code or 0,
        content_type=result.content_type or "",
        body=result.body or b"",
        fetched_at=result.started_at,
    )


async def collect(url: str, config: FetchConfig, budget: Budget, **fetcher_options) -> Collected:
    """Fetch `url` and its subresources within `budget` (see the module docstring)."""
    started = time.monotonic()
    deadline = started + budget.time_budget
    outcome = Collected(url=url)
    async with Fetcher(config, **fetcher_options) as fetcher:
        try:
            page = await asyncio.wait_for(fetcher.fetch(url), timeout=budget.time_budget)
        except TimeoutError:
            outcome.error, outcome.error_detail = "timeout", "the page did not load in time"
            return outcome
        outcome.page = page
        if page.error or not page.body:
            outcome.error = page.error or "empty"
            outcome.error_detail = page.error_detail or "the page has no content"
            return outcome
        outcome.resources.append(_resource(page, page.final_url or url))
        if page.text is None or (page.content_type or "text/html") not in (
            "text/html",
            "application/xhtml+xml",
        ):
            return outcome
        urls = subresource_urls(page.text, page.final_url or url, budget.max_resources + 1)
        for extra in urls[budget.max_resources :]:
            outcome.skipped.append({"url": extra, "reason": "over_count"})
        urls = urls[: budget.max_resources]
        tasks = {asyncio.ensure_future(fetcher.fetch(sub)): sub for sub in urls}
        kept = len(page.body)
        pending = set(tasks)
        while pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            done, pending = await asyncio.wait(
                pending, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
            )
            for task in done:
                result = task.result()
                if result.error or result.body is None:
                    outcome.skipped.append({"url": tasks[task], "reason": result.error or "empty"})
                elif kept + len(result.body) > budget.max_total_bytes:
                    outcome.skipped.append({"url": tasks[task], "reason": "over_total_bytes"})
                else:
                    kept += len(result.body)
                    outcome.resources.append(_resource(result, tasks[task]))
                result.body = result.text = None
        for task in pending:
            task.cancel()
            outcome.skipped.append({"url": tasks[task], "reason": "over_time"})
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
    outcome.duration_ms = int((time.monotonic() - started) * 1000)
    return outcome
