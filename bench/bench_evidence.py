"""Captures per minute per worker, and peak memory, over local pages.

Run: ``.venv/bin/python bench/bench_evidence.py [--count 200] [--min-rate 0]``

Starts ``bench/pageserver.py`` on 127.0.0.1 and takes ``--count`` captures one after another,
as one worker of the "evidence" queue does: fetch through the SSRF-safe fetcher (allow list
127.0.0.1/32), WARC + WACZ, screenshot and PDF by Chromium in its child process from the WACZ
only, text, SHA-256 of every file, the manifest signed with a throwaway Ed25519 key. Not
measured: the few database writes of a capture (one UPDATE, one INSERT of artifacts, one
custody row) and storing the files. Reported: captures/min, seconds per capture (median, p95),
peak RSS of the worker process and of the largest single process it started (the
rendering child, the Playwright driver or a Chromium process). All
traffic stays on 127.0.0.1. Exits 1 when a capture failed or the rate is below --min-rate.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from checks.fetch import FetchConfig  # noqa: E402
from evidence.archive import build_wacz, read_wacz_resources  # noqa: E402
from evidence.canonical import canonical_json  # noqa: E402
from evidence.collect import SUBRESOURCE_TYPES, Budget, collect  # noqa: E402
from evidence.render import RenderOptions, render  # noqa: E402


def start_server(pages: int) -> tuple[subprocess.Popen, int]:
    command = [sys.executable, str(ROOT / "bench" / "pageserver.py"), "--pages", str(pages)]
    process = subprocess.Popen(
        [*command, "--max-seconds", "3600"], stdout=subprocess.PIPE, text=True
    )
    line = process.stdout.readline().strip()
    if not line.startswith("READY "):
        process.kill()
        raise SystemExit(f"page server did not start: {line!r}")
    return process, int(line.split()[1])


def take(url: str, config: FetchConfig, key: Ed25519PrivateKey, chromium: str) -> str:
    """One capture without the database; "" or what failed."""
    collected = asyncio.run(collect(url, config, Budget(time_budget=30)))
    if collected.error:
        return collected.error
    wacz = build_wacz(collected.resources, title="", user_agent=config.user_agent, info={})
    rendered = render(
        collected.resources[0].url, read_wacz_resources(wacz), RenderOptions(chromium=chromium)
    )
    if rendered.error or not rendered.screenshot:
        return rendered.error or "no screenshot"
    files = {"wacz": wacz, "png": rendered.screenshot, "pdf": rendered.pdf}
    manifest = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    key.sign(canonical_json(manifest))
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--min-rate", type=float, default=0.0, help="captures per minute")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    server, port = start_server(args.count)
    config = FetchConfig(
        allow_networks="127.0.0.1/32",
        per_host_rate=None,
        allowed_content_types=SUBRESOURCE_TYPES,
        total_timeout=20,
    )
    key = Ed25519PrivateKey.generate()
    durations, failures = [], []
    started = time.monotonic()
    try:
        for n in range(args.count):
            begun = time.monotonic()
            failure = take(f"http://127.0.0.1:{port}/page/{n}", config, key, args.chromium)
            durations.append(time.monotonic() - begun)
            if failure:
                failures.append(f"/page/{n}: {failure}")
    finally:
        server.terminate()
        server.wait()
    elapsed = time.monotonic() - started
    rate = len(durations) / elapsed * 60
    durations.sort()
    p95 = durations[min(len(durations) - 1, int(len(durations) * 0.95))]
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"captures: {len(durations)} in {elapsed:.1f} s, one worker")
    print(f"rate: {rate:.1f} captures/min per worker")
    print(f"seconds per capture: median {statistics.median(durations):.2f}, p95 {p95:.2f}")
    print(f"peak RSS: worker {own:.0f} MiB, largest process started {child:.0f} MiB")
    print("failures: " + ("none" if not failures else "; ".join(failures[:5])))
    return 1 if failures or rate < args.min_rate else 0


if __name__ == "__main__":
    sys.exit(main())
