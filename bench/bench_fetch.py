"""Throughput and memory of checks.fetch.fetch_many against a local page server.

Run: ``.venv/bin/python bench/bench_fetch.py [--count N] [--concurrency C] [--gzip]
[--tracemalloc] [--min-rate RATE] [--server-port PORT]``

Starts ``bench/pageserver.py`` in a separate process on 127.0.0.1 (unless ``--server-port``
names one already running), then checks ``--count`` distinct pages (default 10,000) with
the allow list 127.0.0.1/32, no per-host rate limit, extraction on, bodies dropped after
extraction.  All traffic stays on 127.0.0.1.  Reported: checks/s, errors by code, RSS
sampled every 0.2 s (start, at 10 % / 50 % / 100 % of the run, peak) and ru_maxrss; with
``--tracemalloc`` also the peak of Python allocations (slower).  Exits with status 1 when
any check failed or the rate is below ``--min-rate`` (default 200 checks/s).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checks.fetch import FetchConfig, fetch_many  # noqa: E402

TARGET_RATE = 200.0


def rss_bytes() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def start_server(pages: int, gzip: bool) -> tuple[subprocess.Popen, int]:
    cmd = [sys.executable, str(ROOT / "bench" / "pageserver.py"), "--pages", str(pages)]
    cmd += ["--max-seconds", "900"]
    if gzip:
        cmd.append("--gzip")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("READY "):
        proc.kill()
        raise SystemExit(f"page server did not start: {line!r}")
    return proc, int(line.split()[1])


async def run(args: argparse.Namespace, port: int) -> dict:
    config = FetchConfig(
        allow_networks="127.0.0.1/32",
        concurrency=args.concurrency,
        per_host_rate=None,
        keep_body=False,
        connect_timeout=5.0,
        read_timeout=10.0,
        total_timeout=20.0,
        max_body_bytes=1_000_000,
    )
    base = f"http://127.0.0.1:{port}/page/"
    items = ((i, f"{base}{i}") for i in range(args.count))
    samples: list[tuple[int, int]] = []  # (completed, rss)
    completed = 0
    errors: collections.Counter[str] = collections.Counter()
    with_views = 0
    stop = asyncio.Event()

    async def sampler() -> None:
        while not stop.is_set():
            samples.append((completed, rss_bytes()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.2)

    sampler_task = asyncio.create_task(sampler())
    rss_start = rss_bytes()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    async for result in fetch_many(items, config):
        completed += 1
        if result.error:
            errors[result.error] += 1
        elif result.views is not None and result.title:
            with_views += 1
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    stop.set()
    await sampler_task
    samples.append((completed, rss_bytes()))
    return {
        "elapsed": elapsed,
        "cpu": cpu,
        "completed": completed,
        "errors": errors,
        "with_views": with_views,
        "rss_start": rss_start,
        "samples": samples,
    }


def rss_at(samples: list[tuple[int, int]], fraction: float, total: int) -> int:
    for done, rss in samples:
        if done >= fraction * total:
            return rss
    return samples[-1][1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--gzip", action="store_true", help="server gzips the pages")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--min-rate", type=float, default=TARGET_RATE)
    parser.add_argument("--server-port", type=int, default=None)
    args = parser.parse_args(argv)

    proc = None
    port = args.server_port
    if port is None:
        proc, port = start_server(args.count, args.gzip)
    try:
        if args.tracemalloc:
            tracemalloc.start()
        stats = asyncio.run(run(args, port))
        traced_peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)

    rate = stats["completed"] / stats["elapsed"]
    mib = 1024 * 1024
    samples = stats["samples"]
    peak_rss = max(rss for _, rss in samples)
    print(f"fetch_many: {stats['completed']} checks in {stats['elapsed']:.2f} s")
    print(f"  rate: {rate:.0f} checks/s (concurrency {args.concurrency}, gzip={args.gzip})")
    print(
        f"  client CPU: {stats['cpu']:.2f} s = {1000 * stats['cpu'] / stats['completed']:.2f} ms"
        f" per check ({stats['completed'] / stats['cpu']:.0f} checks per CPU-second)"
    )
    print(
        f"  errors: {dict(stats['errors']) or 'none'}; pages with title+views: "
        f"{stats['with_views']}"
    )
    print(
        "  RSS MiB: start {:.1f}, 10% {:.1f}, 50% {:.1f}, 100% {:.1f}, peak {:.1f}; "
        "ru_maxrss {:.1f}".format(
            stats["rss_start"] / mib,
            rss_at(samples, 0.1, stats["completed"]) / mib,
            rss_at(samples, 0.5, stats["completed"]) / mib,
            samples[-1][1] / mib,
            peak_rss / mib,
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        )
    )
    if traced_peak is not None:
        print(f"  tracemalloc peak: {traced_peak / mib:.1f} MiB")
    failed = sum(stats["errors"].values())
    if failed:
        print(f"FAIL: {failed} checks failed")
        return 1
    if rate < args.min_rate:
        print(f"FAIL: {rate:.0f} checks/s is below the target {args.min_rate:.0f}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
