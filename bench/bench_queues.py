"""Benchmark of the work queues' pages (a script, not a test).

    .venv/bin/python bench/bench_queues.py [--links 200000] [--rounds 15] [--rebuild]

Uses the server named by DATABASE_URL but its own database (kbz_bench_queues): migrated, the
demo seeded (seed_demo), then `--links` more links filled in SQL over the demo's agencies, in
every state, one in 50 assigned to an agency with a due date (a tenth of those to
demo_officer), each with its first report. Measures, through Django's test client with the
production settings (DEBUG off), p50 and p90 over `--rounds` requests of:

  - the queue counts of the navigation (registry.queues.counts), uncached, and cached;
  - each queue's page (the registry list with ?queue=), counts uncached before each request;
  - a link's page with the assign picker and the attribution search;
  - the attribution search endpoint (JSON).

for demo_officer (agency), demo_supervisor (region) and demo_prosecutor (the whole country).
Target: every page ≤ 300 ms.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import column_defaults_from_models, prepare_database, setup_django  # noqa: E402

BENCH_DB = "kbz_bench_queues"
TARGET_MS = 300
USERS = ("demo_officer", "demo_supervisor", "demo_prosecutor")


def build(extra: int, rebuild: bool) -> float:
    """The demo plus `extra` links in SQL (kept while the count matches); seconds taken."""
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User

    started = time.perf_counter()
    call_command("seed_demo", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_link WHERE NOT is_demo")
        (have,) = cursor.fetchone()
        if have == extra and not rebuild:
            return 0.0
        print(f"adding {extra:,} links to the demo …", flush=True)
        extra_links = "SELECT id FROM registry_link WHERE NOT is_demo"
        cursor.execute(f"DELETE FROM registry_report WHERE link_id IN ({extra_links})")  # noqa: S608
        cursor.execute(f"DELETE FROM registry_confidentialread WHERE link_id IN ({extra_links})")  # noqa: S608
        cursor.execute("DELETE FROM registry_link WHERE NOT is_demo")
        officer = User.objects.get(username="demo_officer")
        cursor.execute("SELECT id FROM accounts_agency WHERE is_active ORDER BY id")
        agencies = [row[0] for row in cursor.fetchall()]
        states = [
            "new", "under_review", "expert_examination", "confirmed", "rejected",
            "blocking_requested", "blocked", "removed", "reappeared",
        ]  # fmt: skip
        cursor.execute(
            """
            INSERT INTO registry_link (key, url, platform, platform_id, host, registrable_domain,
                state, state_changed_at, classification, confidential, first_reported_at,
                first_reported_by_id, first_reported_agency_id, report_count, is_demo,
                assigned_agency_id, assigned_user_id, due_date)
            SELECT encode(sha256(convert_to(u, 'UTF8')), 'hex'), u, 'web', '', h, h,
                   (%(states)s::text[])[1 + i %% 9], now(), 'unclassified', i %% 50 = 7,
                   now() - (i || ' seconds')::interval, %(officer)s,
                   (%(agencies)s::bigint[])[1 + i %% cardinality(%(agencies)s::bigint[])], 1,
                   false,
                   CASE WHEN i %% 50 = 0 THEN %(officer_agency)s END,
                   CASE WHEN i %% 500 = 0 THEN %(officer)s END,
                   CASE WHEN i %% 50 = 0 THEN current_date + (i %% 21 - 10) END
            FROM (SELECT i, 'https://site' || (i %% 1000) || '.queues.kz/item/' || i AS u,
                         'site' || (i %% 1000) || '.queues.kz' AS h
                  FROM generate_series(0, %(count)s - 1) AS i) AS g
            """,
            {
                "states": states,
                "agencies": agencies,
                "officer_agency": officer.agency_id,
                "officer": officer.pk,
                "count": extra,
            },
        )
        cursor.execute(
            """
            INSERT INTO registry_report (link_id, user_id, agency_id, submitted_at, raw_url,
                source, is_repeat)
            SELECT id, first_reported_by_id, first_reported_agency_id, first_reported_at, url,
                   'api', false
            FROM registry_link WHERE NOT is_demo
            """
        )
        cursor.execute("VACUUM ANALYZE registry_link")
        cursor.execute("VACUUM ANALYZE registry_report")
    return time.perf_counter() - started


def timed(call, rounds: int, before=None) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        if before is not None:
            before()
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p90 = samples[min(len(samples) - 1, int(round(0.9 * (len(samples) - 1))))]
    return statistics.median(samples), p90


def measure(rounds: int) -> list[tuple[str, str, float, float]]:
    from django.test import Client

    from accounts.models import User
    from registry import queues
    from registry.models import Link
    from tests.second_factor import log_in

    rows = []
    for username in USERS:
        user = User.objects.get(username=username)
        client = log_in(Client(), user)
        client.cookies["django_language"] = "ru"

        def forget(user=user):
            queues.forget_counts([user.pk])

        def get(url, client=client):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        rows.append((username, "queue counts, uncached", *timed(
            lambda user=user: queues.counts(User.objects.get(pk=user.pk)), rounds)))  # fmt: skip
        rows.append((username, "queue counts, cached", *timed(
            lambda user=user: queues.cached_counts(user), rounds)))  # fmt: skip
        rows.append((username, "dashboard /", *timed(lambda: get("/"), rounds, forget)))
        rows.append((username, "/links/ (no queue, baseline)", *timed(
            lambda: get("/links/"), rounds, forget)))  # fmt: skip
        for queue in queues.queues_for(user):
            url = f"/links/?queue={queue.name}"
            rows.append((username, url, *timed(lambda url=url: get(url), rounds, forget)))
        # A demo link: the SQL-filled ones have no history records, which real links always do.
        link = Link.objects.restrict(user, "change").filter(is_demo=True).order_by("-id").first()
        if link is not None:
            page = f"/links/{link.pk}/"
            rows.append(
                (username, "link page (pickers)", *timed(lambda page=page: get(page), rounds))
            )
            found = "/links/attribution-search/?q=хизб"
            rows.append(
                (username, "attribution search", *timed(lambda found=found: get(found), rounds))
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--links", type=int, default=200_000, help="links beside the demo")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--database", default=BENCH_DB, help="the bench's own database")
    args = parser.parse_args()

    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith(("postgres://", "postgresql://")):
        print("DATABASE_URL must name a PostgreSQL server", file=sys.stderr)
        return 2
    setup_django(prepare_database(server, args.database))
    column_defaults_from_models()
    took = build(args.links, args.rebuild)
    if took:
        print(f"built in {took:.1f} s")
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    rows = measure(args.rounds)
    width = max(len(what) for _user, what, _p50, _p90 in rows)
    print(f"{'user':16} {'what':{width}} {'p50 ms':>8} {'p90 ms':>8}")
    slow = []
    for user, what, p50, p90 in rows:
        mark = "" if p90 <= TARGET_MS else "  > target"
        print(f"{user:16} {what:{width}} {p50:8.1f} {p90:8.1f}{mark}")
        if mark:
            slow.append(what)
    print(f"target ≤ {TARGET_MS} ms at p90: " + ("met" if not slow else f"missed by {len(slow)}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
