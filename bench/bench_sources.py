"""Watching sources with one worker: throughput, memory, and queries per batch.

Run: ``.venv/bin/python bench/bench_sources.py [--sources N] [--items M] [--batch B]
[--query-batches 10,50,100] [--query-items 10,100] [--min-rate 1000] [--database NAME]``

Starts a feed server in a separate process on 127.0.0.1 (this script with ``--serve``): feed
``/feed/<n>.xml`` is an RSS 2.0 feed of M posts ``/post/<n>/<i>``, distinct texts. All
traffic stays on 127.0.0.1 (allow-list 127.0.0.1/32; per-host rate off, one host stands for
thousands). Everything is written in the bench's own database (``kbz_bench_sources`` on
DATABASE_URL's server) inside one transaction that is rolled back at the end.

(a) **Throughput and memory.** N sources (default 1,200) are watched the way one worker
runs the tasks beat sends: ``sources.watching.watch_sources`` on batches of B
(SOURCES_BATCH_SIZE, default 50), one after another, in this one process. Twice: the first
watch registers every post as a link (N × M new links, set-based through
registry.services.register_found), the second finds only repeats (the steady state). Printed:
sources per minute for each, the baseline (the same feeds fetched by checks.fetch.fetch_many
alone, no parsing or recording) and the ratio to it, and RSS before, after the first batch,
at the end and the peak. Exits 1 below ``--min-rate`` sources/minute (default 1,000) or when
RSS grows by more than ``--max-rss-growth`` MiB between the first and the last batch.

Then the portal's pages over that data (the list, filtered and deep, a source's page, the
dashboard, a post's link page), as an officer of the agency that watches every source: the
median of ``--page-runs`` requests each; exits 1 above ``--page-goal`` ms (default 300).

(b) **Queries per batch.** For each batch size in ``--query-batches`` and each item count in
``--query-items``, one batch of fresh sources is watched (all new) and watched again (all
repeats) under CaptureQueriesContext: the number of queries must be the same for every size
and count (the watch is set-based). Exits 1 when it is not. ``--sources 10000 --items 100``
runs (a) at the issue's scale (a million links: long on a small machine).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

HOST = "127.0.0.1"
MIB = 1024 * 1024


# --- the feed server (``--serve``) -----------------------------------------------------------
def render_feed(port: int, feed: int, items: int) -> bytes:
    base = f"http://{HOST}:{port}"
    entries = "".join(
        f"<item><title>Пост {i} канала {feed}</title><link>{base}/post/{feed}/{i}</link>"
        f"<guid>{base}/post/{feed}/{i}</guid>"
        f"<description>Текст публикации {i} канала наблюдения {feed}: призывы, "
        f"ссылки и повторы, всё выдумано для замера.</description>"
        f"<pubDate>Tue, 01 Dec 2026 {i % 24:02d}:00:00 +0500</pubDate></item>"
        for i in range(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Канал {feed}</title><link>{base}/</link>{entries}</channel></rss>"
    ).encode()


class FeedProtocol(asyncio.Protocol):
    def __init__(self, items: int, cache: dict) -> None:
        self.items = items
        self.cache = cache
        self.buffer = b""
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > 64 * 1024:
            self.transport.close()
            return
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            parts = head.split(b"\r\n", 1)[0].split(b" ")
            path = parts[1].decode("ascii", "replace") if len(parts) >= 2 else ""
            self.answer(path)

    def answer(self, path: str) -> None:
        number = path.removeprefix("/feed/").removesuffix(".xml")
        if path.startswith("/feed/") and number.isdigit():
            port = self.transport.get_extra_info("sockname")[1]
            body = self.cache.get(int(number))
            if body is None:
                body = self.cache[int(number)] = render_feed(port, int(number), self.items)
            status, ctype = "200 OK", "application/rss+xml; charset=utf-8"
        else:
            body, status, ctype = b"not found", "404 Not Found", "text/plain"
        head = (
            f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
            "Connection: keep-alive\r\n\r\n"
        )
        self.transport.write(head.encode("ascii") + body)


async def serve(items: int, max_seconds: float) -> None:
    import signal

    loop = asyncio.get_running_loop()
    cache: dict = {}
    server = await loop.create_server(lambda: FeedProtocol(items, cache), HOST, 0, backlog=1024)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"READY {server.sockets[0].getsockname()[1]}", flush=True)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(max_seconds):
            await stop.wait()
    server.close()


def start_server(items: int) -> tuple[subprocess.Popen, int]:
    command = [sys.executable, __file__, "--serve", "--items", str(items)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("READY "):
        proc.kill()
        raise SystemExit(f"feed server did not start: {line!r}")
    return proc, int(line.split()[1])


# --- the bench ---------------------------------------------------------------------------------
def rss_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def setup(args) -> None:
    from benchdb import prepare_database, setup_django

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not server.startswith(("postgres://", "postgresql://")):
        raise SystemExit("the bench needs DATABASE_URL pointing at a PostgreSQL server")
    setup_django(
        prepare_database(server, args.database),
        CHECKER_ALLOW_NETWORKS=f"{HOST}/32",
        CHECKER_PER_HOST_RATE="0",
        CHECKER_CONCURRENCY=str(args.concurrency),
        SOURCES_BATCH_SIZE=str(args.batch),
        SOURCES_MEDIA_PER_WATCH="0",
    )


def make_sources(agency, user, port: int, first: int, count: int) -> list[int]:
    """`count` RSS sources on feeds first…first+count-1, written in bulk (add_source's checks
    would only cost time here; its rules are tested elsewhere)."""
    from sources.models import Source

    rows = [
        Source(
            url=f"http://{HOST}:{port}/feed/{n}.xml",
            watch_url=f"http://{HOST}:{port}/feed/{n}.xml",
            kind="rss",
            agency=agency,
            created_by=user,
            title=f"bench feed {n}",
        )
        for n in range(first, first + count)
    ]
    return [source.pk for source in Source.objects.bulk_create(rows, batch_size=2000)]


def watch_all(ids: list[int], batch: int, samples: list) -> tuple[float, dict]:
    from sources import watching

    totals = {"found": 0, "new": 0, "repeats": 0, "failed": 0}
    start = time.perf_counter()
    for offset in range(0, len(ids), batch):
        for watch in watching.watch_sources(ids[offset : offset + batch]):
            totals["found"] += watch.found
            totals["new"] += watch.new
            totals["repeats"] += watch.repeats
            totals["failed"] += bool(watch.failure_code)
        samples.append(rss_bytes())
    return time.perf_counter() - start, totals


def baseline(port: int, count: int, concurrency: int) -> float:
    """The same feeds fetched alone (checks.fetch.fetch_many, bodies dropped): seconds."""
    from checks.fetch import FetchConfig, fetch_many
    from sources import parsers

    config = FetchConfig(
        allow_networks=f"{HOST}/32",
        concurrency=concurrency,
        per_host_rate=None,
        keep_body=False,
        extract=False,
        allowed_content_types=parsers.FETCH_CONTENT_TYPES,
    )

    async def run() -> int:
        failed = 0
        urls = ((n, f"http://{HOST}:{port}/feed/{n}.xml") for n in range(count))
        async for result in fetch_many(urls, config):
            failed += bool(result.error)
        return failed

    start = time.perf_counter()
    failed = asyncio.run(run())
    if failed:
        raise SystemExit(f"baseline: {failed} fetches failed")
    return time.perf_counter() - start


def count_queries(ids: list[int]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sources import watching

    with CaptureQueriesContext(connection) as captured:
        watches = watching.watch_sources(ids)
    failed = [w.failure_code for w in watches if w.failure_code]
    if failed or len(watches) != len(ids):
        raise SystemExit(f"query batch: {len(watches)} watches, failures {failed[:3]}")
    return len(captured)


def time_pages(user, ids: list[int], runs: int, goal_ms: float) -> int:
    """The portal's source pages over the data (a) left, as an officer of the agency that
    watches them all: the median of `runs` requests each (after one warm-up), in ms."""
    import statistics

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.choices import Role
    from accounts.services import assign_roles
    from sources import stats
    from sources.models import SourceItem

    assign_roles(user, [Role.OFFICER])
    client = Client()
    client.force_login(user)
    busiest = ids[len(ids) // 2]
    some_link = SourceItem.objects.filter(source_id=busiest).values_list("link_id", flat=True)[0]
    pages = {
        "source list": "/sources/",
        "source list, filtered": "/sources/?kind=rss&state=active&failing=false",
        "source list, page 10": "/sources/?page=10",
        "source page": f"/sources/{busiest}/",
        "dashboard": "/",
        "a post's link page": f"/links/{some_link}/",
    }
    status = 0
    print(f"  pages ({len(ids)} sources, {SourceItem.objects.count()} posts; median of {runs}):")
    for name, url in pages.items():
        assert client.get(url).status_code == 200, url
        times = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, url
        median = statistics.median(times)
        print(f"    {name:<24} {median:7.1f} ms  ({len(queries)} queries)")
        if name == "dashboard":
            # The dashboard is mostly the registry's and the reports' figures (reporting.facts,
            # refreshed by beat, not within this one rolled-back transaction): its sources part
            # alone is what the goal judges.
            part = []
            for _ in range(runs):
                start = time.perf_counter()
                stats.most_active(user, limit=8)
                stats.newest_matches(user, limit=8)
                part.append((time.perf_counter() - start) * 1000)
            median = statistics.median(part)
            name = "dashboard: sources part"
            print(f"    {name:<24} {median:7.1f} ms  (2 queries)")
        if median > goal_ms:
            print(f"FAIL: {name} takes {median:.0f} ms (goal {goal_ms:.0f} ms)")
            status = 1
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=1200)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--query-batches", default="10,50,100")
    parser.add_argument("--query-items", default="10,100")
    parser.add_argument("--min-rate", type=float, default=1000.0, help="sources per minute")
    parser.add_argument("--max-rss-growth", type=float, default=64.0, help="MiB")
    parser.add_argument("--page-runs", type=int, default=5)
    parser.add_argument("--page-goal", type=float, default=300.0, help="ms per page")
    parser.add_argument("--database", default="kbz_bench_sources")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(serve(args.items, 1800))
        return 0

    setup(args)
    from django.db import transaction

    from accounts.choices import AgencyKind, AgencyLevel
    from accounts.models import Agency, Region, User

    class Rollback(Exception):
        pass

    servers = []
    status = 0
    try:
        proc, port = start_server(args.items)
        servers.append(proc)
        query_servers = {}
        for items in sorted({int(x) for x in args.query_items.split(",") if x}):
            query_servers[items] = start_server(items)
            servers.append(query_servers[items][0])
        with transaction.atomic():
            agency, _ = Agency.objects.get_or_create(
                code="bench-sources",
                defaults={
                    "name_ru": "bench-sources",
                    "kind": AgencyKind.POLICE,
                    "level": AgencyLevel.REGIONAL,
                    "region": Region.objects.get(iso_code="KZ-75"),
                },
            )
            user, _ = User.objects.get_or_create(
                username="bench-sources", defaults={"agency": agency}
            )
            ids = make_sources(agency, user, port, 0, args.sources)

            fetch_seconds = baseline(port, args.sources, args.concurrency)
            samples = [rss_bytes()]
            first_seconds, first = watch_all(ids, args.batch, samples)
            # The second watch of the same sources: every post a repeat.
            second_seconds, second = watch_all(ids, args.batch, samples)
            peak = max(*samples, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)

            def per_minute(seconds: float) -> float:
                return len(ids) / seconds * 60

            print(
                f"(a) one worker, {len(ids)} sources × {args.items} posts, batches of "
                f"{args.batch}, concurrency {args.concurrency}"
            )
            print(
                f"  baseline fetch only: {fetch_seconds:.1f} s = "
                f"{per_minute(fetch_seconds):,.0f} sources/min"
            )
            for name, seconds, totals in (
                ("first watch (all new)", first_seconds, first),
                ("second watch (repeats)", second_seconds, second),
            ):
                print(
                    f"  {name}: {seconds:.1f} s = {per_minute(seconds):,.0f} sources/min, "
                    f"{seconds / fetch_seconds:.1f}× the baseline; found {totals['found']}, "
                    f"new {totals['new']}, repeats {totals['repeats']}, failed {totals['failed']}"
                )
            first_batch_rss, last_rss = samples[1], samples[-1]
            print(
                f"  RSS MiB: before {samples[0] / MIB:.1f}, after the first batch "
                f"{first_batch_rss / MIB:.1f}, after the first watch "
                f"{samples[len(samples) // 2] / MIB:.1f}, at the end {last_rss / MIB:.1f}, "
                f"peak {peak / MIB:.1f}"
            )
            expected = len(ids) * args.items
            if first["new"] != expected or second["repeats"] != expected:
                print(f"FAIL: expected {expected} new then {expected} repeats")
                status = 1
            if first["failed"] or second["failed"]:
                print("FAIL: some watches failed")
                status = 1
            rate = min(per_minute(first_seconds), per_minute(second_seconds))
            if rate < args.min_rate:
                print(f"FAIL: {rate:,.0f} sources/min is below {args.min_rate:,.0f}")
                status = 1
            growth = (last_rss - first_batch_rss) / MIB
            if growth > args.max_rss_growth:
                print(f"FAIL: RSS grew by {growth:.1f} MiB after the first batch")
                status = 1

            status |= time_pages(user, ids, args.page_runs, args.page_goal)

            print("(b) queries per batch (first watch: all new; second: all repeats)")
            counts = set()
            next_feed = args.sources
            for items, (_proc, item_port) in sorted(query_servers.items()):
                for size in sorted({int(x) for x in args.query_batches.split(",") if x}):
                    batch_ids = make_sources(agency, user, item_port, next_feed, size)
                    next_feed += size
                    new = count_queries(batch_ids)
                    again = count_queries(batch_ids)
                    counts.add((new, again))
                    print(
                        f"  {size:>4} sources × {items:>4} posts: {new} queries (new), "
                        f"{again} queries (repeats)"
                    )
            if len(counts) != 1:
                print(f"FAIL: the queries per batch vary: {sorted(counts)}")
                status = 1
            raise Rollback
    except Rollback:
        pass
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait(timeout=10)
    return status


if __name__ == "__main__":
    sys.exit(main())
