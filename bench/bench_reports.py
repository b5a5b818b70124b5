# ruff: noqa: S608 - the dataset SQL is assembled from constants; values are parameters.
"""Benchmark of the report endpoints at scale (a script, not a test).

    .venv/bin/python bench/bench_reports.py [--links 1000000] [--checks-per-link 10]
                                            [--runs 7] [--rebuild]

Uses the server named by DATABASE_URL but its own database, kbz_bench_reports (created,
migrated and filled on first run; reused while it holds the requested numbers). The dataset is
built in SQL (generate_series), in a few minutes for 1M links and 10M checks:

  81 agencies (prosecutor, KNB, police, akimat in each of the 20 regions, and the central
  office), 24 organizations, 1,692 materials; N links over three years with a mix of platforms,
  states and classifications (2 % confidential); a first report per link plus 20 % repeats by
  other agencies; the state trail each state implies (≈ 2.4 steps per link); per-link check
  statistics (views at detection/blocking, republication groups of 4); 5 % of links attributed to
  an organization and 5 % to a material; and checks-per-link × N checks.

Then it times every report endpoint through the API (JSON, Django test client, warm) for a
central prosecutor and a regional prosecutor (KZ-75), over the last 12 months and over all
time, and prints p50 and p90 of --runs runs next to a baseline: a plain COUNT(*) over the same
links (same period, same region), as psql would run it. Target: every endpoint ≤ 300 ms.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import column_defaults_from_models, prepare_database, setup_django  # noqa: E402

BENCH_DB = "kbz_bench_reports"
YEARS = 3
KINDS = ("prosecutor", "knb", "police", "akimat")


# --- the dataset ------------------------------------------------------------------------------
def bench_users():
    """The agencies (one per kind and region, and the central office), an officer in each, and
    the two readers the bench times: the central and the KZ-75 prosecutor."""
    from accounts.choices import AgencyLevel, Role
    from accounts.models import Agency, Region, User
    from accounts.services import assign_roles

    central, _ = Agency.objects.get_or_create(
        code="gp",
        defaults={"name_ru": "Генеральная прокуратура", "kind": "prosecutor",
                  "level": AgencyLevel.REPUBLICAN},
    )  # fmt: skip
    for region in Region.objects.all():
        for kind in KINDS:
            code = f"{kind}-{region.iso_code}"
            Agency.objects.get_or_create(
                code=code,
                defaults={"name_ru": code, "kind": kind, "level": AgencyLevel.REGIONAL,
                          "region": region},
            )  # fmt: skip
    for agency in Agency.objects.exclude(pk=central.pk):
        user, created = User.objects.get_or_create(
            username=f"bench-{agency.code}", defaults={"agency": agency}
        )
        if created:
            assign_roles(user, [Role.OFFICER])
    readers = {}
    for name, agency_code in (("central", "gp"), ("regional", "prosecutor-KZ-75")):
        user, _ = User.objects.get_or_create(
            username=f"bench-reader-{name}",
            defaults={"agency": Agency.objects.get(code=agency_code)},
        )
        assign_roles(user, [Role.PROSECUTOR])
        readers[name] = user
    return readers


def registers():
    from materials.models import Material
    from organizations.models import Organization

    if not Organization.objects.filter(name_ru__startswith="Bench").exists():
        Organization.objects.bulk_create(
            Organization(name_ru=f"Bench organization {n}",
                         classification="terrorist" if n % 3 else "extremist")
            for n in range(24)
        )  # fmt: skip
    if not Material.objects.filter(number__gte=900_000).exists():
        kinds = ("print", "video", "audio", "image", "web_page", "social_account", "other")
        Material.objects.bulk_create(
            Material(number=900_000 + n, title=f"Bench material {n}", kind=kinds[n % 7],
                     classification="terrorist" if n % 10 < 3 else "extremist")
            for n in range(1692)
        )  # fmt: skip


STATE_SQL = """CASE
    WHEN h < 10 THEN 'new' WHEN h < 20 THEN 'under_review' WHEN h < 23 THEN 'expert_examination'
    WHEN h < 28 THEN 'confirmed' WHEN h < 38 THEN 'rejected' WHEN h < 50 THEN 'blocking_requested'
    WHEN h < 80 THEN 'blocked' WHEN h < 97 THEN 'removed' ELSE 'reappeared' END"""
PLATFORM_SQL = """CASE
    WHEN p < 25 THEN 'youtube' WHEN p < 50 THEN 'telegram' WHEN p < 60 THEN 'vk'
    WHEN p < 65 THEN 'x' WHEN p < 73 THEN 'instagram' WHEN p < 83 THEN 'tiktok'
    WHEN p < 86 THEN 'ok' WHEN p < 88 THEN 'rutube' WHEN p < 92 THEN 'facebook' ELSE 'web' END"""
CLASS_SQL = """CASE
    WHEN c < 30 THEN 'unclassified' WHEN c < 70 THEN 'extremist' WHEN c < 90 THEN 'terrorist'
    WHEN c < 95 THEN 'separatist' ELSE 'other' END"""
# The trail each state implies (docs/design.md §4.3), as the to_state of step 1, 2, …
TRAILS = {
    "under_review": ["under_review"],
    "expert_examination": ["under_review", "expert_examination"],
    "confirmed": ["under_review", "confirmed"],
    "rejected": ["under_review", "rejected"],
    "blocking_requested": ["under_review", "confirmed", "blocking_requested"],
    "blocked": ["under_review", "confirmed", "blocking_requested", "blocked"],
    "removed": ["under_review", "confirmed", "blocking_requested", "removed"],
    "reappeared": ["under_review", "confirmed", "blocking_requested", "blocked", "reappeared"],
}


def built(cursor, links: int, checks: int) -> bool:
    cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (links bigint, checks bigint)")
    cursor.execute("SELECT links, checks FROM bench_meta")
    row = cursor.fetchone()
    return row == (links, checks)


def build(links: int, checks_per_link: int, rebuild: bool) -> float:
    """Fill the registry in SQL; seconds taken (0 when the dataset is already there)."""
    from django.db import connection

    from reporting import facts

    total_checks = links * checks_per_link
    with connection.cursor() as cursor:
        if built(cursor, links, total_checks) and not rebuild:
            return 0.0
        started = time.perf_counter()

        def step(label, sql, params=None):
            t0 = time.perf_counter()
            cursor.execute(sql, params)
            print(f"  {label:<28} {time.perf_counter() - t0:7.1f} s", flush=True)

        print(f"building {links:,} links and {total_checks:,} checks …", flush=True)
        cursor.execute("DELETE FROM bench_meta")
        # Bulk load without the triggers that note changed links: the facts are rebuilt after.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "TRUNCATE reporting_linkfact, reporting_repeatfact, reporting_dailycount, "
            "reporting_dirtylink, reporting_newrepeat, registry_link, registry_report, "
            "registry_statechange, "
            "checks_check, "
            "checks_linkstats, checks_republicationgroup, registry_linkorganization, "
            "registry_linkmaterial, registry_confidentialread, registry_historicallink, "
            "checks_notification CASCADE"
        )
        cursor.execute("SET synchronous_commit = off")
        cursor.execute(
            "CREATE TEMP TABLE bench_agency AS SELECT row_number() OVER (ORDER BY a.id) - 1 AS n, "
            "a.id AS agency_id, u.id AS user_id FROM accounts_agency a "
            "JOIN accounts_user u ON u.agency_id = a.id AND u.username LIKE 'bench-%' "
            "AND u.username NOT LIKE 'bench-reader-%' WHERE a.code <> 'gp'"
        )
        cursor.execute("SELECT count(*) FROM bench_agency")
        (agencies,) = cursor.fetchone()
        span = YEARS * 365 * 86400
        step(
            "links",
            f"""
            INSERT INTO registry_link (id, key, url, platform, platform_id, host,
                registrable_domain, state, state_changed_at, classification, confidential,
                first_reported_at, first_reported_by_id, first_reported_agency_id, report_count,
                is_demo)
            SELECT i, encode(sha256(convert_to(u, 'UTF8')), 'hex'), u, {PLATFORM_SQL}, '',
                   host, host, {STATE_SQL}, at, {CLASS_SQL}, (i %% 50 = 0), at,
                   a.user_id, a.agency_id, 1, false
            FROM (SELECT i, 'https://site' || (i %% 1000) || '.bench.kz/r/' || i AS u,
                         'site' || (i %% 1000) || '.bench.kz' AS host,
                         (hashint4(i) & 2147483647) %% 100 AS h,
                         (hashint4(i + 7) & 2147483647) %% 100 AS p,
                         (hashint4(i + 13) & 2147483647) %% 100 AS c,
                         (hashint4(i + 17) & 2147483647) %% %s AS ag,
                         now() - make_interval(secs => %s::float8 * (%s - i) / %s) AS at
                  FROM generate_series(1, %s) AS i) AS g
            JOIN bench_agency a ON a.n = g.ag
            """,
            [agencies, span, links, links, links],
        )
        cursor.execute("SELECT setval(pg_get_serial_sequence('registry_link', 'id'), %s)", [links])
        step(
            "first reports",
            """
            INSERT INTO registry_report (link_id, user_id, agency_id, submitted_at, raw_url,
                source, is_repeat)
            SELECT id, first_reported_by_id, first_reported_agency_id, first_reported_at, url,
                   'api', false FROM registry_link
            """,
        )
        step(
            "repeat reports (20 %)",
            """
            INSERT INTO registry_report (link_id, user_id, agency_id, submitted_at, raw_url,
                source, is_repeat)
            SELECT l.id, a.user_id, a.agency_id,
                   least(now(), l.first_reported_at + make_interval(
                       hours => (hashint4((l.id + 3)::int) & 2147483647) %% 2000)),
                   l.url, 'form', true
            FROM registry_link l
            JOIN bench_agency a ON a.n = (hashint4((l.id + 5)::int) & 2147483647) %% %s
            WHERE l.id %% 5 = 0
            """,
            [agencies],
        )
        step(
            "report counts",
            "UPDATE registry_link SET report_count = 2 WHERE id % 5 = 0",
        )
        values = ", ".join(
            f"('{state}', {number}, '{to_state}', '{prev}')"
            for state, trail in TRAILS.items()
            for number, (to_state, prev) in enumerate(
                zip(trail, ["new", *trail[:-1]], strict=True), start=1
            )
        )
        step(
            "state trail",
            f"""
            INSERT INTO registry_statechange (link_id, from_state, to_state, actor_id, at,
                reason, document_number, expert_opinion)
            SELECT l.id, t.prev, t.to_state, NULL,
                   least(now(), l.first_reported_at + t.number * make_interval(
                       hours => 1 + (hashint4((l.id + 11)::int) & 2147483647) % 96)),
                   '', '', ''
            FROM registry_link l JOIN (VALUES {values}) AS t(state, number, to_state, prev)
              ON t.state = l.state
            """,
        )
        step(
            "state_changed_at",
            """
            UPDATE registry_link l SET state_changed_at = s.at
            FROM (SELECT link_id, max(at) AS at FROM registry_statechange GROUP BY link_id) s
            WHERE s.link_id = l.id
            """,
        )
        step(
            "republication groups",
            """
            INSERT INTO checks_republicationgroup (content_sha256, first_link_id, link_count,
                created_at)
            SELECT md5(g::text) || md5((g + 1)::text), min(id), count(*), max(first_reported_at)
            FROM (SELECT id, first_reported_at, (id / 50) % 5000 AS g FROM registry_link
                  WHERE id % 50 = 0) m
            GROUP BY g
            """,
        )
        step(
            "link statistics",
            """
            INSERT INTO checks_linkstats (link_id, next_check_at, last_checked_at, check_count,
                failures, last_available, last_status_code, last_title, content_sha256,
                last_views, max_views, views_at_detection, views_at_blocking,
                republication_group_id, tlsh)
            SELECT l.id, NULL, l.first_reported_at, 10, 0, l.state NOT IN ('blocked', 'removed'),
                   200, '', coalesce(g.content_sha256, ''), v.views * 3, v.views * 3,
                   CASE WHEN l.id % 10 < 6 THEN v.views END,
                   CASE WHEN l.state IN ('blocked', 'removed') AND l.id % 10 < 8
                        THEN v.views * 2 END,
                   g.id, ''
            FROM registry_link l
            CROSS JOIN LATERAL (
                SELECT (hashint4((l.id + 23)::int) & 2147483647) % 100000 AS views) v
            LEFT JOIN checks_republicationgroup g
              ON l.id % 50 = 0 AND g.content_sha256 = md5(((l.id / 50) % 5000)::text)
                                                      || md5(((l.id / 50) % 5000 + 1)::text)
            """,
        )
        step(
            "attributions",
            """
            INSERT INTO registry_linkorganization (link_id, organization_id, source, added_at)
            SELECT l.id, o.id, 'manual', l.first_reported_at
            FROM registry_link l
            JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
                  FROM organizations_organization) o ON o.n = l.id % 24
            WHERE l.id % 20 = 0;
            INSERT INTO registry_linkmaterial (link_id, material_id, source, added_at)
            SELECT l.id, m.id, 'automatic', l.first_reported_at
            FROM registry_link l
            JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
                  FROM materials_material) m ON m.n = (l.id * 13) % 1692
            WHERE l.id % 20 = 7
            """,
        )
        chunk = max(links // 10, 1)
        for start in range(1, links + 1, chunk):
            step(
                f"checks {start:,}…",
                """
                INSERT INTO checks_check (link_id, checked_at, trigger, url, final_url,
                    redirects, status_code, available, content_type, title, excerpt, views,
                    content_sha256, tlsh, pdq, pdq_quality, duration_ms, error, error_detail,
                    http_fallback, scheme)
                SELECT l.id,
                       least(now(), l.first_reported_at + k * interval '9 hours'),
                       CASE WHEN k = 1 THEN 'first' ELSE 'recheck' END, l.url, l.url, '[]',
                       200, true, 'text/html', '', '', k * 10, '', '', '', 0, 120, '', '',
                       false, 'https'
                FROM registry_link l CROSS JOIN generate_series(1, %s) AS k
                WHERE l.id >= %s AND l.id < %s
                """,
                [checks_per_link, start, start + chunk],
            )
        cursor.execute("SET session_replication_role = DEFAULT")
        t0 = time.perf_counter()
        facts.rebuild()
        print(f"  {'report facts':<28} {time.perf_counter() - t0:7.1f} s", flush=True)
        step("vacuum analyze", "VACUUM ANALYZE")
        cursor.execute("INSERT INTO bench_meta VALUES (%s, %s)", [links, total_checks])
    return time.perf_counter() - started


def prepare_facts(links: int) -> None:
    """The report facts of the dataset (rebuilt if the registry was filled without them), and
    fresh statistics and visibility maps for index-only scans."""
    from django.db import connection

    from reporting import facts
    from reporting.models import LinkFact

    if LinkFact.objects.count() != links:
        started = time.perf_counter()
        facts.rebuild()
        print(f"report facts rebuilt in {time.perf_counter() - started:.0f} s")
    facts.refresh()
    with connection.cursor() as cursor:
        for table in ("linkfact", "repeatfact", "dailycount", "monthlycount"):
            cursor.execute(f"VACUUM ANALYZE reporting_{table}")


def bench_refresh(reader, runs: int) -> list[tuple]:
    """A summary right after N links changed (as if submitted or moved since the beat task
    last ran): the report recomputes their facts first. Rolled back after each run."""
    from django.db import connection, transaction
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(reader)
    rows = []
    for changed in (10, 100, 1000):

        def call(changed=changed):
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "INSERT INTO reporting_dirtylink SELECT id FROM registry_link "
                        "ORDER BY id DESC LIMIT %s ON CONFLICT DO NOTHING",
                        [changed],
                    )
                response = client.get("/api/v1/reports/summary/")
                assert response.status_code == 200
                transaction.set_rollback(True)

        p50, p90 = timed(call, runs)
        rows.append((f"summary after {changed:,} links changed", p50, p90))
    return rows


# --- timing -----------------------------------------------------------------------------------
ENDPOINTS = [
    ("summary", "summary/", {}),
    ("time series (day)", "time-series/", {"bucket": "day"}),
    ("time series (month)", "time-series/", {"bucket": "month"}),
    ("breakdown: agency", "breakdowns/agency/", {}),
    ("breakdown: region", "breakdowns/region/", {}),
    ("breakdown: platform", "breakdowns/platform/", {}),
    ("breakdown: state", "breakdowns/state/", {}),
    ("breakdown: classification", "breakdowns/classification/", {}),
    ("breakdown: organization", "breakdowns/organization/", {}),
    ("breakdown: material", "breakdowns/material/", {}),
    ("breakdowns: all 7 together", "breakdowns/", {}),
    ("breakdowns: all 7 as XLSX", "breakdowns/", {"format": "xlsx"}),
    ("time to block", "time-to-block/", {}),
    ("removal rate", "removal-rate/", {}),
    ("views", "views/", {}),
    ("republications", "republications/", {}),
    ("republication groups", "republication-groups/", {}),
    ("yearly summary (UN)", "yearly-summary/", {}),
]


def timed(call, runs: int) -> tuple[float, float]:
    call()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.9))]


def baseline(reader, period: dict, runs: int) -> tuple[float, float]:
    """COUNT(*) of the links the reader's summary counts as registered, in plain SQL."""
    from django.db import connection

    sql = "SELECT count(*) FROM registry_link l WHERE true"
    params = []
    if period:
        sql += " AND l.first_reported_at >= %s AND l.first_reported_at < %s"
        params += [period["start"], period["end"]]
    if reader.username.endswith("regional"):
        sql += (
            " AND EXISTS (SELECT 1 FROM registry_report r JOIN accounts_agency a ON a.id = "
            "r.agency_id WHERE r.link_id = l.id AND a.region_id = %s)"
        )
        params.append(reader.agency.region_id)

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchone()

    return timed(run, runs)


def bench_endpoints(readers: dict, runs: int) -> list[tuple]:
    from django.utils import timezone
    from rest_framework.test import APIClient

    today = timezone.localdate()
    year_ago = today - timedelta(days=364)
    periods = {
        "12 months": {"date_from": year_ago.isoformat(), "date_to": today.isoformat()},
        "all time": {},
    }
    results = []
    for reader_name, reader in readers.items():
        client = APIClient()
        client.force_authenticate(reader)
        for period_name, params in periods.items():
            base_period = {}
            if params:
                from reporting.filters import ReportFilters

                f = ReportFilters.from_params(params)
                base_period = {"start": f.start, "end": f.end}
            base = baseline(reader, base_period, runs)
            results.append((reader_name, period_name, "baseline: COUNT(*) of links", *base, None))
            for label, path, extra in ENDPOINTS:
                query = {**params, **extra}
                if path == "yearly-summary/":
                    query = {"year": today.year}
                if path == "time-series/" and extra["bucket"] == "day" and not params:
                    query = {**extra, "date_from": year_ago.isoformat()}

                def call(path=path, query=query, client=client):
                    response = client.get(f"/api/v1/reports/{path}", query)
                    assert response.status_code == 200, response.content[:300]

                p50, p90 = timed(call, runs)
                results.append((reader_name, period_name, label, p50, p90, base[0]))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=1_000_000)
    parser.add_argument("--checks-per-link", type=int, default=10)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--database", default=BENCH_DB, help="its own database on the server")
    args = parser.parse_args()

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not server.startswith(("postgres://", "postgresql://")):
        sys.exit("bench_reports needs DATABASE_URL pointing at a PostgreSQL server")
    database_url = prepare_database(server, args.database)
    setup_django(database_url, API_RATE_USER="1000000/minute", API_RATE_REPORTS="1000000/minute")
    column_defaults_from_models()
    readers = bench_users()
    registers()
    seconds = build(args.links, args.checks_per_link, args.rebuild)
    if seconds:
        print(f"dataset built in {seconds:.0f} s")
    prepare_facts(args.links)
    results = bench_endpoints(readers, args.runs)
    print(
        f"\n{args.links:,} links, {args.links * args.checks_per_link:,} checks; "
        f"p50/p90 of {args.runs} warm runs through the API; {os.cpu_count()} CPU(s)"
    )
    missed = 0
    current = None
    for reader, period, label, p50, p90, base in results:
        if (reader, period) != current:
            current = (reader, period)
            print(f"\n{reader} prosecutor, {period}:")
        ratio = f"{p50 / base:6.1f}× COUNT" if base else ""
        verdict = "" if base is None else ("ok" if p90 <= 0.300 else "MISSED")
        missed += verdict == "MISSED"
        print(
            f"  {label:<30} p50 {p50 * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms  {ratio}  {verdict}"
        )
    print(f"\n{'every endpoint ≤ 300 ms (p90)' if not missed else f'{missed} over 300 ms'}")
    print("\ncentral prosecutor, facts refreshed by the report itself (recent links):")
    for label, p50, p90 in bench_refresh(readers["central"], args.runs):
        print(f"  {label:<34} p50 {p50 * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
