"""Throughput and memory of checks.fetch.fetch_many against a local page server.

Run: ``.venv/bin/python bench/bench_fetch.py [--count N] [--concurrency C] [--gzip]
[--tracemalloc] [--min-rate RATE] [--server-port PORT] [--record]``

Starts ``bench/pageserver.py`` in a separate process on 127.0.0.1 (unless ``--server-port``
names one already running), then checks ``--count`` distinct pages (default 10,000) with
the allow list 127.0.0.1/32, no per-host rate limit, extraction on, bodies dropped after
extraction.  All traffic stays on 127.0.0.1.  Reported: checks/s, errors by code, RSS
sampled every 0.2 s (start, at 10 % / 50 % / 100 % of the run, peak) and ru_maxrss; with
``--tracemalloc`` also the peak of Python allocations (slower).  Exits with status 1 when
any check failed or the rate is below ``--min-rate`` (default 200 checks/s).

``--record`` measures what a worker process does instead: the pages become links (in
bench_registry.py's database, kbz_bench, in a transaction rolled back at the end) and are
checked the way the ``check_links`` task does, ``CHECKER_BATCH_SIZE`` links at a time with
``checks.recording.run_checks``: fetch, fingerprints, then the batch recorded set-based
(checks, statistics, republication groups, materials).  The links are written in SQL with
the pages' ``http://`` addresses: the registry would canonicalise them to ``https://``, and
this plain-HTTP server never answers a TLS handshake (a real http-only site refuses port 443
at once, which the fallback then handles), so that would measure handshake timeouts.
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


def run_recording(args: argparse.Namespace, port: int) -> dict:
    """Register the pages as links and check them batch by batch through checks.recording."""
    import os

    sys.path.insert(0, str(ROOT / "bench"))
    from benchdb import prepare_database, setup_django

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not server.startswith(("postgres://", "postgresql://")):
        raise SystemExit("--record needs DATABASE_URL pointing at a PostgreSQL server")
    os.environ.update(
        CHECKER_ALLOW_NETWORKS="127.0.0.1/32",
        CHECKER_PER_HOST_RATE="0",
        CHECKER_CONCURRENCY=str(args.concurrency),
    )
    setup_django(prepare_database(server, args.database))
    from django.conf import settings
    from django.db import connection, transaction

    from accounts.choices import AgencyKind, AgencyLevel
    from accounts.models import Agency, Region, User
    from checks import recording
    from checks.models import Check, RepublicationGroup

    class Rollback(Exception):
        pass

    agency, _ = Agency.objects.get_or_create(
        code="bench-fetch",
        defaults={
            "name_ru": "bench-fetch",
            "kind": AgencyKind.POLICE,
            "level": AgencyLevel.REGIONAL,
            "region": Region.objects.get(iso_code="KZ-75"),
        },
    )
    user, _ = User.objects.get_or_create(username="bench-fetch", defaults={"agency": agency})
    size = settings.CHECKER_BATCH_SIZE
    samples: list[tuple[int, int]] = []
    stats: dict = {}
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO registry_link (key, url, platform, platform_id, host, "
                    "registrable_domain, state, state_changed_at, classification, "
                    "confidential, first_reported_at, first_reported_by_id, "
                    "first_reported_agency_id, report_count, is_demo) "
                    "SELECT encode(sha256(convert_to(u, 'UTF8')), 'hex'), u, 'web', '', "
                    "'127.0.0.1', '127.0.0.1', 'new', now(), 'unclassified', false, "
                    "now() - (i || ' seconds')::interval, %s, %s, 1, false "
                    "FROM (SELECT i, 'http://127.0.0.1:' || %s || '/page/' || i AS u "
                    "FROM generate_series(0, %s - 1) AS i) AS g ORDER BY i RETURNING id",
                    [user.pk, agency.pk, port, args.count],
                )
                ids = [row[0] for row in cursor.fetchall()]
            rss_start = rss_bytes()
            cpu0 = time.process_time()
            t0 = time.perf_counter()
            recorded = 0
            for start in range(0, len(ids), size):
                recorded += len(recording.run_checks(ids[start : start + size]))
                samples.append((recorded, rss_bytes()))
            elapsed = time.perf_counter() - t0
            checks = Check.objects.filter(link_id__in=ids)
            stats = {
                "elapsed": elapsed,
                "cpu": time.process_time() - cpu0,
                "completed": recorded,
                "errors": collections.Counter(
                    checks.exclude(error="").values_list("error", flat=True)
                ),
                "with_views": checks.filter(views__isnull=False).exclude(title="").count(),
                "scheme": collections.Counter(checks.values_list("scheme", flat=True)),
                "groups": RepublicationGroup.objects.filter(first_link__in=ids).count(),
                "rss_start": rss_start,
                "samples": samples,
            }
            raise Rollback
    except Rollback:
        pass
    return stats


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
    parser.add_argument("--record", action="store_true", help="check and record as a worker")
    parser.add_argument("--database", default="kbz_bench", help="the database --record uses")
    args = parser.parse_args(argv)

    proc = None
    port = args.server_port
    if port is None:
        proc, port = start_server(args.count, args.gzip)
    try:
        if args.tracemalloc:
            tracemalloc.start()
        stats = run_recording(args, port) if args.record else asyncio.run(run(args, port))
        traced_peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)

    rate = stats["completed"] / stats["elapsed"]
    mib = 1024 * 1024
    samples = stats["samples"]
    peak_rss = max(rss for _, rss in samples)
    what = "run_checks + record_results" if args.record else "fetch_many"
    print(f"{what}: {stats['completed']} checks in {stats['elapsed']:.2f} s")
    if args.record:
        print(
            f"  answered by scheme: {dict(stats['scheme'])}; "
            f"republication groups: {stats['groups']}"
        )
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
