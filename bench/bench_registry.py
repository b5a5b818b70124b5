"""Benchmark of the link registry against PostgreSQL (a script, not a test).

    .venv/bin/python bench/bench_registry.py [--links 1000000] [--rebuild]

Uses the server named by DATABASE_URL but its own database, kbz_bench (created, migrated and
filled on first run; reused while it holds the requested number of links). Measures, in one run:

  (a) bulk submit of 10,000 URLs, half known, through the service layer and through the API;
  (b) the same lookups and inserts in raw SQL (psycopg, no Django) as the baseline;
  (c) single-URL check latency through the API, p50 and p99;
  (d) canonicalization throughput, URLs/s on one core (bench_canon.py's mix).

Every submit runs in a transaction that is rolled back, and the database is vacuumed before the
measures, so runs are repeatable. Targets:
(a) ≤ 1 s and ≤ 3× (b); (c) p50 ≤ 10 ms; (d) ≥ 50,000 URLs/s.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import prepare_database, setup_django  # noqa: E402

BENCH_DB = "kbz_bench"
BATCH = 10_000
HOSTS = 1000


def bench_url(i: int) -> str:
    """The canonical form of the i-th registered link (generated in SQL the same way)."""
    return f"https://site{i % HOSTS}.bench.kz/item/{i}"


def surface_form(i: int) -> str:
    """A differently written URL of the same content: what officers paste."""
    return random.choice(
        [
            f"HTTP://Site{i % HOSTS}.bench.kz/item/{i}?utm_source=tg",
            f"https://www.site{i % HOSTS}.bench.kz/item/{i}#comments",
            f"site{i % HOSTS}.bench.kz/item/{i}",
            f"hxxps://site{i % HOSTS}[.]bench[.]kz/item/{i}?fbclid=abc",
            bench_url(i),
        ]
    )


def bench_users():
    from accounts.choices import AgencyKind, AgencyLevel, Role, TokenChannel
    from accounts.models import Agency, Region, User
    from accounts.services import assign_roles, issue_token, revoke_tokens

    region = Region.objects.get(iso_code="KZ-75")
    agencies = []
    for code, kind in (("bench-police", AgencyKind.POLICE), ("bench-knb", AgencyKind.KNB)):
        agency, _ = Agency.objects.get_or_create(
            code=code,
            defaults={
                "name_ru": code,
                "kind": kind,
                "level": AgencyLevel.REGIONAL,
                "region": region,
            },
        )
        agencies.append(agency)
    users = []
    for number, agency in enumerate(agencies):
        user, _ = User.objects.get_or_create(username=f"bench{number}", defaults={"agency": agency})
        assign_roles(user, [Role.OFFICER])
        users.append(user)
    # A fresh key each run: the previous run's token is revoked (only its digest was kept).
    revoke_tokens(users[1].api_tokens.filter(name="bench"), actor=None, via=TokenChannel.COMMAND)
    return users, issue_token(users[1], name="bench")


def build_registry(count: int, owner, rebuild: bool) -> float:
    """Fill the registry with `count` links (and their first reports) in SQL; seconds taken."""
    from django.db import connection

    from registry import canon

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_link")
        (have,) = cursor.fetchone()
        if have == count and not rebuild:
            return 0.0
        started = time.perf_counter()
        print(f"building a registry of {count:,} links …", flush=True)
        cursor.execute(
            "TRUNCATE registry_link, registry_report, registry_statechange, "
            "registry_confidentialread, registry_linkorganization, registry_linkmaterial, "
            "registry_historicallink CASCADE"
        )
        cursor.execute(
            """
            INSERT INTO registry_link (key, url, platform, platform_id, host, registrable_domain,
                state, state_changed_at, classification, confidential, first_reported_at,
                first_reported_by_id, first_reported_agency_id, report_count, is_demo)
            SELECT encode(sha256(convert_to(u, 'UTF8')), 'hex'), u, 'web', '', h, h, 'new',
                   now(), 'unclassified', false, now() - (i || ' seconds')::interval,
                   %s, %s, 1, false
            FROM (SELECT i, 'https://site' || (i %% %s) || '.bench.kz/item/' || i AS u,
                         'site' || (i %% %s) || '.bench.kz' AS h
                  FROM generate_series(0, %s - 1) AS i) AS g
            """,
            [owner.pk, owner.agency_id, HOSTS, HOSTS, count],
        )
        cursor.execute(
            """
            INSERT INTO registry_report (link_id, user_id, agency_id, submitted_at, raw_url,
                source, is_repeat)
            SELECT id, first_reported_by_id, first_reported_agency_id, first_reported_at, url,
                   'api', false FROM registry_link
            """
        )
        cursor.execute("ANALYZE registry_link")
        cursor.execute("ANALYZE registry_report")
        probe = count // 2
        cursor.execute("SELECT key FROM registry_link WHERE url = %s", [bench_url(probe)])
        (key,) = cursor.fetchone()
    canonical = canon.canonicalize(surface_form(probe))
    assert canonical.url == bench_url(probe), canonical.url
    assert canonical.registrable_domain  # a real public suffix: .kz
    assert key == canonical.key, "SQL-built keys must be canon's keys"
    return time.perf_counter() - started


def vacuum() -> float:
    """VACUUM ANALYZE the bench database; seconds taken.

    Every measured submission is rolled back, which leaves its rows behind as dead tuples
    (5,000 links and their history, 10,000 reports, 5,000 updated links per run); without
    autovacuum (off on some servers) they pile up over runs and every later run reads
    through them. Vacuuming first makes each run start from the same registry."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def batch_urls(count: int, run: int) -> tuple[list[str], list[int]]:
    """BATCH URLs: half of them known (random registered items), half never seen."""
    rng = random.Random(run)
    known = rng.sample(range(count), BATCH // 2)
    fresh = [count + run * BATCH + n for n in range(BATCH // 2)]
    numbers = known + fresh
    rng.shuffle(numbers)
    return [surface_form(i) for i in numbers], numbers


def timed(func, runs: int) -> float:
    times = []
    for run in range(runs):
        started = time.perf_counter()
        func(run)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


class Rollback(Exception):
    pass


def bench_service(user, count: int, runs: int) -> float:
    from django.db import transaction

    from registry import services

    def run(number):
        urls, _ = batch_urls(count, number)
        try:
            with transaction.atomic():
                answers = services.submit_urls(urls, user=user)
                assert sum(a.status == "new" for a in answers) == BATCH // 2
                raise Rollback
        except Rollback:
            pass

    return timed(run, runs)


def bench_api(token: str, count: int, runs: int) -> float:
    from django.db import transaction
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    def run(number):
        urls, _ = batch_urls(count, 100 + number)
        try:
            with transaction.atomic():
                response = client.post("/api/v1/links/submit/", {"urls": urls}, format="json")
                assert response.status_code == 200, response.content[:300]
                assert response.json()["summary"]["new"] == BATCH // 2
                raise Rollback
        except Rollback:
            pass

    return timed(run, runs)


def bench_raw_sql(database_url: str, user, count: int, runs: int) -> float:
    """The same statements a submission needs, hand-written, on precomputed keys."""
    import hashlib

    import psycopg

    conn = psycopg.connect(database_url)

    def run(number):
        _, numbers = batch_urls(count, 200 + number)
        urls = [bench_url(i) for i in numbers]
        keys = [hashlib.sha256(u.encode()).hexdigest() for u in urls]
        hosts = [urlsplit(u).hostname for u in urls]
        with conn.transaction(force_rollback=True):
            created = conn.execute(
                """
                INSERT INTO registry_link (key, url, platform, platform_id, host,
                    registrable_domain, state, state_changed_at, classification, confidential,
                    first_reported_at, first_reported_by_id, first_reported_agency_id,
                    report_count, is_demo)
                SELECT k, u, 'web', '', h, h, 'new', now(), 'unclassified', false, now(),
                       %s, %s, 1, false
                FROM unnest(%s::text[], %s::text[], %s::text[]) AS t(k, u, h)
                ORDER BY k
                ON CONFLICT (key) DO NOTHING RETURNING id, key
                """,
                [user.pk, user.agency_id, keys, urls, hosts],
            ).fetchall()
            new = {key for _, key in created}
            known_keys = [k for k in keys if k not in new]
            known = conn.execute(
                "SELECT l.id, l.key, l.state, l.first_reported_at, l.report_count, a.code "
                "FROM registry_link l JOIN accounts_agency a ON a.id = l.first_reported_agency_id "
                "WHERE l.key = ANY(%s) ORDER BY l.id FOR NO KEY UPDATE OF l",
                [known_keys],
            ).fetchall()
            conn.execute(
                "UPDATE registry_link SET report_count = report_count + 1 WHERE id = ANY(%s)",
                [[row[0] for row in known]],
            )
            ids = {key: pk for pk, key in created} | {row[1]: row[0] for row in known}
            conn.execute(
                "INSERT INTO registry_report (link_id, user_id, agency_id, submitted_at, raw_url, "
                "source, is_repeat) SELECT l, %s, %s, now(), r, 'api', x "
                "FROM unnest(%s::bigint[], %s::text[], %s::bool[]) AS t(l, r, x)",
                [
                    user.pk,
                    user.agency_id,
                    [ids[k] for k in keys],
                    urls,
                    [k not in new for k in keys],
                ],
            )
            assert len(created) == BATCH // 2

    try:
        return timed(run, runs)
    finally:
        conn.close()


def bench_single_check(token: str, count: int, calls: int) -> tuple[float, float]:
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    rng = random.Random(7)
    times = []
    for call in range(calls + 50):
        number = rng.randrange(count) if call % 2 else count * 2 + call
        started = time.perf_counter()
        response = client.post(
            "/api/v1/links/check/", {"urls": [surface_form(number)]}, format="json"
        )
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        if call >= 50:  # warm-up excluded
            times.append(elapsed)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.99) - 1]


def bench_canon(total: int = 100_000) -> tuple[float, float]:
    """URLs/s of registry.canon.canonicalize on bench_canon.py's realistic mix (thousands of
    hosts, the platforms' shapes, ~1 % invalid): cold per-host caches, then warm.

    Measured fairly inside this process: the URLs are built first and, with everything this
    process has built so far, moved out of the garbage collector's sight (gc.freeze), so that
    the figure is canonicalization, not rescans of a million-link bench's leftovers. An
    earlier mix here gave every URL a host of its own (one in eight a new Cyrillic one: an
    IDNA encoding each), which measured the host cache's misses, not canonicalization."""
    import gc

    from bench_canon import generate, run_round

    from registry import canon

    urls = generate(total)
    for cached in (canon._host_info, canon._registrable, canon._host_to_unicode):
        cached.cache_clear()
    gc.collect()
    gc.freeze()
    try:
        cold, _ = run_round(urls)
        warm, _ = run_round(urls)
    finally:
        gc.unfreeze()
    return total / cold, total / warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--database", default=BENCH_DB, help="its own database on the server")
    args = parser.parse_args()

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not server.startswith(("postgres://", "postgresql://")):
        sys.exit("bench_registry needs DATABASE_URL pointing at a PostgreSQL server")
    database_url = prepare_database(server, args.database)
    setup_django(database_url)
    users, token = bench_users()
    built = build_registry(args.links, users[0], args.rebuild)
    if built:
        print(f"registry built in {built:.1f} s")
    print(f"vacuumed in {vacuum():.1f} s", flush=True)

    service = bench_service(users[1], args.links, args.runs)
    api = bench_api(token, args.links, args.runs)
    raw = bench_raw_sql(database_url, users[1], args.links, args.runs)
    p50, p99 = bench_single_check(token, args.links, args.checks)
    rate, warm_rate = bench_canon()

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    service_ok = service <= 1 and service <= 3 * raw
    api_ok = api <= 1 and api <= 3 * raw

    print(
        f"\nregistry: {args.links:,} links; batch: {BATCH:,} URLs, half known; median of "
        f"{args.runs} runs; {os.cpu_count()} CPU(s)"
    )
    print(
        f"(a) submit via service layer   {service * 1000:8.0f} ms   "
        f"{service / raw:4.1f}× raw   [≤1000 ms, ≤3×: {verdict(service_ok)}]"
    )
    print(
        f"(a) submit via API             {api * 1000:8.0f} ms   "
        f"{api / raw:4.1f}× raw   [≤1000 ms, ≤3×: {verdict(api_ok)}]"
    )
    print(f"(b) raw SQL baseline           {raw * 1000:8.0f} ms")
    print(
        f"(c) single check via API       p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms   "
        f"[p50 ≤ 10 ms: {verdict(p50 <= 0.010)}]"
    )
    print(
        f"(d) canonicalization           {rate:8,.0f} URLs/s on one core, cold caches "
        f"({warm_rate:,.0f} warm)   [≥ 50,000: {verdict(rate >= 50_000)}]"
    )


if __name__ == "__main__":
    main()
