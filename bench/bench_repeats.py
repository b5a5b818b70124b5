# ruff: noqa: S608 - the dataset SQL is assembled from constants; values are parameters.
"""Benchmark of reports after a burst of repeats (a script, not a test).

    .venv/bin/python bench/bench_repeats.py [--links 100000] [--busy-links 500]
                                            [--repeats 50000] [--runs 7]

Issue 19, point 3: a repeat used to note its link dirty and the refresh rebuilt every repeat
row of the link, so a report after 50,000 repeats of links with ~100 reports each took over
30 s. Now a repeat adds one fact row, a refresh skips links another refresh holds, and a
report refreshes at most a bounded amount inline (reporting/facts.py).

Uses the server named by DATABASE_URL but its own database, kbz_bench_repeats: the dataset of
bench_reports.py (--links links, no checks), then --busy-links links are given ~100 reports
each (their history, refreshed), then --repeats more repeats of them arrive at once. It times:
  (a) a summary through the API right after the burst (the report's own bounded refresh;
      rolled back after each run), against the goal: ≤ 300 ms;
  (b) the background refresh (reporting.tasks.refresh_facts) taking in the whole burst;
  (c) for comparison, recomputing those links whole, as every repeat did before (rolled back);
  (d) a summary after the background refresh.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_reports import bench_users, build, prepare_facts, registers, timed  # noqa: E402
from benchdb import column_defaults_from_models, prepare_database, setup_django  # noqa: E402

BENCH_DB = "kbz_bench_repeats"
GOAL = 0.300


def add_repeats(busy_links: int, per_link: int) -> None:
    """`per_link` repeat reports of each of the last `busy_links` links, by rotating agencies,
    as one burst (the triggers note each as a new repeat)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            WITH agencies AS (
                SELECT row_number() OVER (ORDER BY u.id) - 1 AS n, u.id AS user_id,
                       u.agency_id
                FROM accounts_user u WHERE u.username LIKE 'bench-%%'
                  AND u.username NOT LIKE 'bench-reader-%%'
            ), busy AS (SELECT id, url FROM registry_link ORDER BY id DESC LIMIT %s)
            INSERT INTO registry_report (link_id, user_id, agency_id, submitted_at, raw_url,
                source, is_repeat)
            SELECT b.id, a.user_id, a.agency_id, now() - k * interval '1 minute', b.url,
                   'api', true
            FROM busy b CROSS JOIN generate_series(1, %s) AS k
            JOIN agencies a ON a.n = (b.id + k) %% (SELECT count(*) FROM agencies)
            """,
            [busy_links, per_link],
        )
        cursor.execute(
            "UPDATE registry_link SET report_count = report_count + %s WHERE id IN "
            "(SELECT id FROM registry_link ORDER BY id DESC LIMIT %s)",
            [per_link, busy_links],
        )


def background_refresh() -> tuple[int, float]:
    from reporting.tasks import refresh_facts

    started = time.perf_counter()
    done = refresh_facts()
    return done, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=100_000)
    parser.add_argument("--busy-links", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database", default=BENCH_DB, help="its own database on the server")
    args = parser.parse_args()
    per_link = max(args.repeats // args.busy_links, 1)

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not server.startswith(("postgres://", "postgresql://")):
        sys.exit("bench_repeats needs DATABASE_URL pointing at a PostgreSQL server")
    setup_django(
        prepare_database(server, args.database),
        API_RATE_USER="1000000/minute",
        API_RATE_REPORTS="1000000/minute",
    )
    column_defaults_from_models()
    readers = bench_users()
    registers()
    build(args.links, 0, rebuild=True)  # fresh: earlier runs' bursts are gone
    prepare_facts(args.links)

    from django.db import connection, transaction
    from rest_framework.test import APIClient

    from reporting import facts

    client = APIClient()
    client.force_authenticate(readers["central"])

    def summary():
        response = client.get("/api/v1/reports/summary/")
        assert response.status_code == 200, response.content[:300]
        return response.json()

    add_repeats(args.busy_links, per_link)  # their history: ~100 reports each
    done, history = background_refresh()
    print(f"history: {done:,} repeats of {args.busy_links:,} links taken in, {history:.1f} s")
    before = summary()["repeats"]

    add_repeats(args.busy_links, per_link)  # the burst
    burst = args.busy_links * per_link

    def after_burst():
        with transaction.atomic():
            summary()
            transaction.set_rollback(True)  # each run meets the whole burst

    p50, p90 = timed(after_burst, args.runs)

    def recompute_whole():
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO reporting_dirtylink SELECT id FROM registry_link "
                    "ORDER BY id DESC LIMIT %s",
                    [args.busy_links],
                )
            started = time.perf_counter()
            facts.refresh_links()
            transaction.set_rollback(True)
            return time.perf_counter() - started

    old_way = recompute_whole()
    done, background = background_refresh()
    after = summary()["repeats"]
    assert after == before + burst, (before, burst, after)
    q50, q90 = timed(summary, args.runs)

    verdict = "ok" if p90 <= GOAL else "MISSED"
    print(
        f"\n{args.links:,} links; a burst of {burst:,} repeats of {args.busy_links:,} links "
        f"with ~{2 * per_link} reports each; {os.cpu_count()} CPU(s)"
    )
    print(
        f"  (a) summary right after the burst   p50 {p50 * 1000:7.1f} ms   "
        f"p90 {p90 * 1000:7.1f} ms   goal ≤ {GOAL * 1000:.0f} ms  {verdict}"
    )
    print(f"  (b) background refresh of the burst {background:7.1f} s   ({done:,} repeats)")
    print(f"  (c) recomputing those links whole   {old_way:7.1f} s   (each repeat, before)")
    print(
        f"  (d) summary after the refresh       p50 {q50 * 1000:7.1f} ms   p90 {q90 * 1000:7.1f} ms"
    )


if __name__ == "__main__":
    main()
