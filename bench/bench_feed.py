# ruff: noqa: S608 - the dataset SQL is assembled from constants; values are parameters.
"""Benchmark of the blocklist feed for providers (a script, not a test).

    .venv/bin/python bench/bench_feed.py [--links 1000000] [--rebuild]

Uses the server named by DATABASE_URL but its own database, kbz_bench_feed (created, migrated
and filled on first run; reused while it holds the requested number). The dataset is built in
SQL: N links awaiting blocking, in sent blocking orders of 10,000 links each to one recipient
(sent ten minutes apart), and one feed subscriber.

Then it fetches the feed through the API (Django test client, a real StreamingHttpResponse
read chunk by chunk and thrown away) as JSON and CSV, one page of N/100, N/10 and N entries,
and prints for each: rows, megabytes, seconds to the first byte and in all, rows/s, and the
process's resident memory (sampled while streaming) against its level before the fetch.
Target (issue 14): the feed of 1M blocked links streams in constant memory, i.e. the peak does
not grow with the number of rows. Last, the signature of the largest page (`.sig`, kept from
the streamed fetch), a 304 for its ETag, and an increment: the changes since the full list's
cursor after one entry in 1,000 is revoked and the newest order is sent again (rolled back).
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import column_defaults_from_models, prepare_database, setup_django  # noqa: E402

BENCH_DB = "kbz_bench_feed"
ORDER_SIZE = 10_000


def rss_mb() -> float:
    """The process's resident memory now (Linux), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def actors():
    from accounts.choices import AgencyKind, AgencyLevel, Role
    from accounts.models import Agency, User
    from accounts.services import assign_roles
    from orders.choices import RecipientKind
    from orders.models import Recipient

    agency, _ = Agency.objects.get_or_create(
        code="gp",
        defaults={"name_ru": "Генеральная прокуратура", "kind": AgencyKind.PROSECUTOR,
                  "level": AgencyLevel.REPUBLICAN},
    )  # fmt: skip
    user, created = User.objects.get_or_create(username="bench-feed-prosecutor",
                                               defaults={"agency": agency})  # fmt: skip
    if created:
        assign_roles(user, [Role.PROSECUTOR])
    recipient, _ = Recipient.objects.get_or_create(
        name_ru="Министерство информации (bench)",
        defaults={"kind": RecipientKind.MINISTRY, "deadline_hours": 24},
    )
    return agency, user, recipient


def built(cursor, links: int) -> bool:
    cursor.execute("CREATE TABLE IF NOT EXISTS bench_feed_meta (links bigint)")
    cursor.execute("SELECT links FROM bench_feed_meta")
    return cursor.fetchone() == (links,)


def build(links: int, rebuild: bool) -> float:
    """Fill links, orders and order links in SQL; seconds taken (0 when already there)."""
    from django.db import connection

    agency, user, recipient = actors()
    with connection.cursor() as cursor:
        if built(cursor, links) and not rebuild:
            return 0.0
        started = time.perf_counter()

        def step(label, sql, params=None):
            t0 = time.perf_counter()
            cursor.execute(sql, params)
            print(f"  {label:<20} {time.perf_counter() - t0:7.1f} s", flush=True)

        print(f"building {links:,} links in orders of {ORDER_SIZE:,} …", flush=True)
        cursor.execute("DELETE FROM bench_feed_meta")
        cursor.execute("SET session_replication_role = replica")  # no report triggers
        cursor.execute("SET synchronous_commit = off")
        cursor.execute(
            "TRUNCATE orders_feedaccess, orders_orderlink, orders_historicalorderlink, "
            "orders_order, orders_historicalorder, registry_link, registry_report, "
            "registry_statechange, registry_historicallink CASCADE"
        )
        step(
            "links",
            """
            INSERT INTO registry_link (id, key, url, platform, platform_id, host,
                registrable_domain, state, state_changed_at, classification, confidential,
                first_reported_at, first_reported_by_id, first_reported_agency_id, report_count,
                is_demo)
            SELECT i, encode(sha256(convert_to(u, 'UTF8')), 'hex'), u,
                   CASE WHEN i %% 4 = 0 THEN 'telegram' ELSE 'web' END, '', host, host,
                   'blocking_requested', now() - interval '2 days', 'extremist', false,
                   now() - interval '3 days', %s, %s, 1, false
            FROM (SELECT i, 'https://site' || (i %% 1000) || '.bench.kz/post/' || i AS u,
                         'site' || (i %% 1000) || '.bench.kz' AS host
                  FROM generate_series(1, %s) AS i) AS g
            """,
            [user.pk, agency.pk, links],
        )
        cursor.execute("SELECT setval(pg_get_serial_sequence('registry_link', 'id'), %s)", [links])
        orders = (links + ORDER_SIZE - 1) // ORDER_SIZE
        step(
            "orders",
            """
            INSERT INTO orders_order (id, number, date, kind, state, recipient_id, agency_id,
                issued_by_id, signatory_id, law_article, created_at, signed_at, sent_at, note,
                is_demo)
            SELECT o, 'ПР-2026/' || lpad(o::text, 6, '0'), current_date - 2, 'blocking', 'sent',
                   %s, %s, %s, %s, 'ст. 41-1 п. 1 Закона РК «О связи»',
                   now() - interval '2 days', now() - interval '2 days',
                   now() - interval '2 days' + make_interval(mins => o * 10), '', false
            FROM generate_series(1, %s) AS o
            """,
            [recipient.pk, agency.pk, user.pk, user.pk, orders],
        )
        cursor.execute("SELECT setval(pg_get_serial_sequence('orders_order', 'id'), %s)", [orders])
        step(
            "order links",
            f"""
            INSERT INTO orders_orderlink (id, order_id, link_id, state, deadline_at)
            SELECT i, (i - 1) / {ORDER_SIZE} + 1, i, 'pending', now() - interval '1 day'
            FROM generate_series(1, %s) AS i
            """,
            [links],
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('orders_orderlink', 'id'), %s)", [links]
        )
        cursor.execute("SET session_replication_role = DEFAULT")
        step("analyze", "ANALYZE registry_link, orders_order, orders_orderlink")
        cursor.execute("INSERT INTO bench_feed_meta VALUES (%s)", [links])
        return time.perf_counter() - started


def subscriber_key() -> str:
    from orders import feed
    from orders.models import FeedSubscriber

    subscriber, _ = FeedSubscriber.objects.get_or_create(name="bench provider")
    return feed.issue_token(subscriber)


def fetch(client, url: str, rows: int) -> dict:
    """One page of `rows` entries, read chunk by chunk and dropped, with memory sampled."""
    before = rss_mb()
    peak = before
    started = time.perf_counter()
    response = client.get(url, {"limit": rows})
    assert response.status_code == 200, response.status_code
    first_byte = None
    size = 0
    content = response.streaming_content if response.streaming else [response.content]
    for number, chunk in enumerate(content, start=1):
        if first_byte is None:
            first_byte = time.perf_counter() - started
        size += len(chunk)
        if number % 50 == 0:
            peak = max(peak, rss_mb())
    seconds = time.perf_counter() - started
    peak = max(peak, rss_mb())
    response.close()
    return {
        "rows": rows,
        "mb": size / 1e6,
        "first_byte": first_byte or seconds,
        "seconds": seconds,
        "rate": rows / seconds,
        "before": before,
        "peak": peak,
        "etag": response["ETag"],
        "signed": response.has_header("X-Signature"),
    }


def incremental(client, url: str, rows: int) -> None:
    """Revoke 1,000 entries and add an order of 1,000 (rolled back after), then fetch the
    changes since the full list's cursor."""
    import json

    from django.db import connection, transaction
    from django.utils import timezone

    def body(response) -> bytes:
        if response.streaming:
            return b"".join(response.streaming_content)
        return response.content

    cursor = json.loads(body(client.get(url, {"limit": 1})))["cursor"]

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            now = timezone.now()
            with connection.cursor() as sql:
                sql.execute(
                    "UPDATE orders_orderlink SET state = 'revoked', revoked_at = %s "
                    "WHERE id %% 1000 = 7",
                    [now],
                )
                sql.execute(
                    "UPDATE orders_order SET sent_at = %s WHERE id = (SELECT max(id) FROM "
                    "orders_order)",
                    [now],
                )
            started = time.perf_counter()
            response = client.get(url, {"since": cursor, "limit": rows})
            entries = json.loads(body(response))["entries"]
            seconds = time.perf_counter() - started
            removed = sum(entry["action"] == "remove" for entry in entries)
            print(
                f"  increment after {removed:,} revocations and an order sent: "
                f"{len(entries):,} entries ({removed:,} remove) in {seconds:.2f} s"
            )
            raise Rollback
    except Rollback:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--database", default=BENCH_DB, help="its own database on the server")
    args = parser.parse_args()

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not server.startswith(("postgres://", "postgresql://")):
        sys.exit("bench_feed needs DATABASE_URL pointing at a PostgreSQL server")
    database_url = prepare_database(server, args.database)
    data_dir = ROOT / "bench" / "out" / "feed"
    setup_django(
        database_url,
        API_RATE_FEED="1000000/minute",
        KBZ_SIGNING_KEY_FILE=str(data_dir / "bench-signing-key.pem"),
        KBZ_SIGNING_KEY_AUTOGENERATE="1",
    )
    column_defaults_from_models()
    seconds = build(args.links, args.rebuild)
    if seconds:
        print(f"dataset built in {seconds:.0f} s")

    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {subscriber_key()}")
    sizes = sorted({max(args.links // 100, 1), max(args.links // 10, 1), args.links})
    print(
        f"\n{args.links:,} links in force; one page of each size, streamed; {os.cpu_count()} CPU(s)"
    )
    print(
        f"  {'format':<6} {'rows':>10} {'MB':>8} {'1st byte':>9} {'total':>8} {'rows/s':>10} "
        f"{'RSS before':>11} {'RSS peak':>9} {'growth':>8}"
    )
    largest = {}
    for form in ("json", "csv"):
        url = f"/api/v1/feed/blocklist.{form}"
        for rows in sizes:
            r = fetch(client, url, rows)
            largest[form] = (url, r)
            print(
                f"  {form:<6} {r['rows']:>10,} {r['mb']:>8.1f} {r['first_byte']:>8.2f}s "
                f"{r['seconds']:>7.2f}s {r['rate']:>10,.0f} {r['before']:>9.0f}MB "
                f"{r['peak']:>7.0f}MB {r['peak'] - r['before']:>+6.0f}MB",
                flush=True,
            )
    url, r = largest["json"]
    started = time.perf_counter()
    signature = client.get(url + ".sig", {"limit": r["rows"]}, HTTP_IF_MATCH=r["etag"])
    assert signature.status_code == 200 and len(signature.content) == 64
    print(f"\n  .sig of the {r['rows']:,}-row page (kept): {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    not_modified = client.get(url, {"limit": r["rows"]}, HTTP_IF_NONE_MATCH=r["etag"])
    assert not_modified.status_code == 304
    print(f"  304 for its ETag: {time.perf_counter() - started:.2f} s")
    incremental(client, url, r["rows"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS of the process (ru_maxrss): {peak:.0f} MB")


if __name__ == "__main__":
    main()
