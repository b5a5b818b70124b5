"""Benchmark of an order of 1,000 links and its documents (a script, not a test).

    .venv/bin/python bench/bench_orders.py [--links 1000] [--runs 3] [--goal 5]
                                           [--database kbz_bench_orders]

Uses the server named by DATABASE_URL but its own database (created and migrated on first
run), and a temporary MEDIA_ROOT removed at the end. It registers --links confirmed links (a
mix of platforms, each with a first check carrying a content SHA-256 and a TLSH fingerprint,
so that every row of the documents' table is full) and a central prosecutor, then, in a
transaction rolled back after each run, times what the prosecutor waits for:

  create   orders.services.create_order with every link (a draft);
  sign     orders.services.sign_order;
  send     orders.services.send_order: deadlines, the links' move to "blocking requested",
           and the documents (Russian and Kazakh, DOCX and PDF: orders.documents);

and, apart, orders.documents.generate_documents alone. It prints the median of --runs runs of
each. The goal (issue 14: "generating an order of 1,000 links and its document ≤ 5 s") is
judged on create + generate_documents, against --goal seconds; the whole path to "sent"
(create + sign + send) is printed next to it with its own ratio, for information: sending
also moves each link in the registry, one transition at a time today. Exits with status 1
when the goal is missed (--goal 0: never).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import prepare_database, setup_django  # noqa: E402

BENCH_DB = "kbz_bench_orders"
# Every URL holds MARK, so that the bench finds its own links again in a shared database.
MARK = "ordersbench"
PLATFORM_URLS = (
    "https://t.me/ordersbench_{n}/{m}",
    "https://www.youtube.com/watch?v=ordersbench{n:06d}",
    "https://vk.com/ordersbench{n}_{m}",
    "https://ordersbench-{n}.example/articles/{m}?lang=ru",
)


class Rollback(Exception):
    """Raised at the end of a run so that its transaction is rolled back."""


def bench_users():
    from accounts.choices import AgencyLevel, Role
    from accounts.models import Agency, User
    from accounts.services import assign_roles

    agency, _ = Agency.objects.get_or_create(
        code="gp",
        defaults={
            "name_ru": "Генеральная прокуратура Республики Казахстан",
            "name_kk": "Қазақстан Республикасының Бас прокуратурасы",
            "kind": "prosecutor",
            "level": AgencyLevel.REPUBLICAN,
        },
    )
    user, created = User.objects.get_or_create(
        username="bench-orders-prosecutor",
        defaults={"agency": agency, "first_name": "Бенч", "last_name": "Прокурор"},
    )
    if created:
        assign_roles(user, [Role.PROSECUTOR])
    return user


def bench_links(count: int, user) -> list[int]:
    """`count` confirmed links (created once, reused), each with one first check."""
    from django.utils import timezone

    from checks.choices import CheckTrigger
    from checks.models import Check
    from registry import canon
    from registry.choices import LinkState
    from registry.models import Link

    existing = list(
        Link.objects.filter(url__contains=MARK).order_by("id").values_list("id", flat=True)
    )
    if len(existing) >= count:
        return existing[:count]
    now = timezone.now()
    fresh = []
    for n in range(len(existing), count):
        url = canon.canonicalize(PLATFORM_URLS[n % len(PLATFORM_URLS)].format(n=n, m=n * 7))
        fresh.append(
            Link(
                key=url.key,
                url=url.url,
                platform=url.platform,
                platform_id=url.platform_id,
                host=url.host,
                registrable_domain=url.registrable_domain,
                state=LinkState.CONFIRMED,
                first_reported_at=now,
                first_reported_by=user,
                first_reported_agency=user.agency,
            )
        )
    created = Link.objects.bulk_create(fresh, batch_size=1000)
    Check.objects.bulk_create(
        (
            Check(
                link=link,
                checked_at=now,
                trigger=CheckTrigger.FIRST,
                url=link.url,
                available=True,
                status_code=200,
                content_sha256=f"{link.pk:064x}",
                tlsh="T1" + f"{link.pk:070X}",
            )
            for link in created
        ),
        batch_size=1000,
    )
    return existing + [link.pk for link in created]


def one_run(user, link_ids: list[int]) -> dict[str, float]:
    from django.db import transaction

    from orders import documents, services
    from orders.choices import RecipientKind
    from orders.models import Recipient

    times: dict[str, float] = {}
    try:
        with transaction.atomic():
            recipient = Recipient.objects.create(
                name_ru="Министерство информации и общественного развития РК",
                name_kk="ҚР Ақпарат және қоғамдық даму министрлігі",
                kind=RecipientKind.MINISTRY,
                contacts="г. Астана",
                deadline_hours=24,
            )
            start = time.perf_counter()
            order = services.create_order(
                user,
                recipient=recipient,
                links=link_ids,
                law_article="ст. 41-1 п. 1 Закона РК «О связи»",
            )
            times["create"] = time.perf_counter() - start
            start = time.perf_counter()
            order = services.sign_order(user, order)
            times["sign"] = time.perf_counter() - start
            start = time.perf_counter()
            order = services.send_order(user, order)
            times["send"] = time.perf_counter() - start
            start = time.perf_counter()
            generated = documents.generate_documents(order, user)
            times["documents"] = time.perf_counter() - start
            times["bytes"] = sum(document.size for document in generated)
            raise Rollback
    except Rollback:
        pass
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--goal", type=float, default=5.0, help="seconds; 0: never fail")
    parser.add_argument("--database", default=BENCH_DB, help="its own database on the server")
    args = parser.parse_args()

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not server.startswith(("postgres://", "postgresql://")):
        sys.exit("bench_orders needs DATABASE_URL pointing at a PostgreSQL server")
    media = tempfile.mkdtemp(prefix="kbz-bench-orders-")
    try:
        setup_django(prepare_database(server, args.database), MEDIA_ROOT=media)
        user = bench_users()
        link_ids = bench_links(args.links, user)
        one_run(user, link_ids[: min(10, len(link_ids))])  # warm: imports, fonts, templates
        runs = [one_run(user, link_ids) for _ in range(args.runs)]
    finally:
        shutil.rmtree(media, ignore_errors=True)

    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    generating = median("create") + median("documents")
    path = median("create") + median("sign") + median("send")
    print(
        f"\norders: one order of {args.links:,} links; median of {args.runs} runs; "
        f"{os.cpu_count()} CPU(s)"
    )
    print(f"create_order (draft)                 {median('create') * 1000:8.0f} ms")
    print(f"sign_order                           {median('sign') * 1000:8.0f} ms")
    print(f"send_order (with the documents)      {median('send') * 1000:8.0f} ms")
    print(
        f"generate_documents alone (ru+kk, DOCX+PDF) {median('documents') * 1000:6.0f} ms, "
        f"{median('bytes') / 1024:,.0f} KiB"
    )
    goal = args.goal or 5.0
    verdict = "ok" if not args.goal or generating <= args.goal else "MISSED"
    print(
        f"order and its documents (create + documents) {generating * 1000:6.0f} ms   "
        f"{generating / goal:4.2f}× the goal   [≤{goal:g} s: {verdict}]"
    )
    print(
        f"whole path to sent (create + sign + send)    {path * 1000:6.0f} ms   "
        f"{path / goal:4.2f}× the goal   (information)"
    )
    if verdict == "MISSED":
        sys.exit(1)


if __name__ == "__main__":
    main()
