"""Server time of every page of the role days' walk (tests/browser/test_role_days.py) over the
demo data of `make run` (a script, not a test).

    .venv/bin/python bench/bench_pages.py [--rounds 5] [--database kbz_bench_pages]

Uses the server named by DATABASE_URL but its own database: migrated and seeded with
`seed_demo` (the data `make run` shows), plus the regional prosecutor of the walk and a
500-line upload of demo_officer's (490 new lines, 10 invalid) whose results pages are read.
Each page is requested through Django's test client with the production settings (DEBUG off),
logged in as the role (second factor passed), in Russian: once to warm up, then `--rounds`
times; the median and the slowest wall-clock times are printed, in ms, and the median CPU
time of this process (Django's side, the database's excluded), which a busy machine inflates
less. Target: every page ≤ 300 ms (docs/page-times.md lists a run).
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

from benchdb import prepare_database, setup_django  # noqa: E402

BENCH_DB = "kbz_bench_pages"
TARGET_MS = 300
UPLOAD_HOST = "propaganda-day.example"


def build() -> None:
    from django.core.management import call_command

    from accounts.choices import Role
    from accounts.services import provision_user

    call_command("seed_demo", verbosity=0)
    provision_user(
        "regional_prosecutor",
        agency_code="prosecutor-KZ-75",
        roles=[Role.PROSECUTOR],
        password=None,
        first_name="Дана",
        last_name="Сейтова",
    )


def upload(officer):
    """demo_officer's 500-line upload (the same one each run: its links are known the second
    time, which the results page shows the same way)."""
    from portal import submissions
    from registry.choices import ReportSource
    from registry.intake import parse_text

    lines = [f"https://{UPLOAD_HOST}/post/{n}" for n in range(490)]
    lines += [f"not a url {n}" for n in range(10)]
    batch = submissions.start(officer, parse_text("\n".join(lines)), source=ReportSource.FILE)
    for chunk in range(batch.chunk_count):
        submissions.process_next(officer, batch.pk, chunk)
    return batch


def walk(users) -> dict[str, list[str]]:
    """The GET pages of each role's day, as the browser walk visits them."""
    from materials.models import Material
    from orders.models import Order
    from organizations.models import Organization
    from registry.choices import LinkState
    from registry.models import Link

    def first(user, **filters):
        return Link.objects.restrict(user, "view").filter(**filters).order_by("id").first()

    officer = users["demo_officer"]
    batch = upload(officer)
    material = Material.objects.order_by("id").first()
    organization = Organization.objects.order_by("id").first()
    pages = {
        "demo_officer": [
            "/",
            "/submit/",
            f"/submit/{batch.pk}/",
            f"/submit/{batch.pk}/?status=invalid",
            f"/submit/{batch.pk}/?status=new",
            "/links/?queue=assigned",
            f"/links/{first(officer).pk}/",
            "/links/",
            "/links/?q=demo_channel_3",
            "/links/?q=demo0000008",
            "/materials/?q=ДЕМО-2015-0020",
            "/notifications/",
        ],
        "demo_supervisor": [
            "/",
            "/links/?queue=review",
            f"/links/?q={UPLOAD_HOST}",
            f"/links/{first(users['demo_supervisor'], state=LinkState.NEW).pk}/",
            "/links/?queue=overdue",
        ],
        "demo_analyst": [
            "/",
            "/links/?state=confirmed",
            "/materials/",
            f"/materials/{material.pk}/",
            "/organizations/",
            f"/organizations/{organization.pk}/",
            "/materials/match/",
        ],
        "demo_auditor": [
            "/",
            "/links/?state=blocked",
            f"/links/{first(users['demo_auditor'], state=LinkState.BLOCKED).pk}/",
            "/orders/",
        ],
        "demo_admin": [
            "/",
            "/admin/",
            "/admin/accounts/user/",
            f"/admin/accounts/user/{users['demo_officer'].pk}/change/",
            "/admin/accounts/agency/",
            "/admin/accounts/rolegrant/",
        ],
    }
    for username in ("demo_prosecutor", "regional_prosecutor"):
        user = users[username]
        order = Order.objects.restrict(user, "view").order_by("-id").first()
        confirmed = Link.objects.restrict(user, "view").filter(state=LinkState.CONFIRMED)
        ticked = "&".join(f"link={pk}" for pk in confirmed.values_list("pk", flat=True)[:2])
        pages[username] = [
            "/",
            "/links/?queue=decision",
            f"/links/{first(user, state=LinkState.UNDER_REVIEW).pk}/",
            "/links/attribution-search/?q=демо",
            "/links/?state=confirmed",
            f"/orders/new/?{ticked}",
            *([f"/orders/{order.pk}/"] if order else []),
            "/orders/",
        ]
    return pages


def measure(rounds: int) -> list[tuple[str, str, float, float]]:
    from django.test import Client

    from accounts.models import User
    from tests.second_factor import log_in

    users = {u.username: u for u in User.objects.filter(username__contains="_")}
    rows = []
    # Once: the first dashboard after the upload brings the report facts up to date inline
    # (reporting.facts.refresh_inline) before it counts; the process is warmed up before.
    client = log_in(Client(), users["demo_officer"])
    assert client.get("/").status_code == 200
    pages = walk(users)
    started, started_cpu = time.perf_counter(), time.process_time()
    assert client.get("/").status_code == 200
    cold, cold_cpu = (
        (time.perf_counter() - started) * 1000,
        (time.process_time() - started_cpu) * 1000,
    )
    rows.append(("demo_officer", "/ (first after the upload)", cold, cold, cold_cpu))
    for username, paths in pages.items():
        client = log_in(Client(), users[username])
        client.cookies["django_language"] = "ru"
        for path in paths:
            samples, cpu = [], []
            for n in range(rounds + 1):
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(path)
                took = (time.perf_counter() - started) * 1000
                took_cpu = (time.process_time() - started_cpu) * 1000
                assert response.status_code == 200, (username, path, response.status_code)
                if n:  # the first is the warm-up
                    samples.append(took)
                    cpu.append(took_cpu)
            rows.append(
                (username, path, statistics.median(samples), max(samples), statistics.median(cpu))
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database", default=BENCH_DB, help="the bench's own database")
    args = parser.parse_args()

    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith(("postgres://", "postgresql://")):
        print("DATABASE_URL must name a PostgreSQL server", file=sys.stderr)
        return 2
    setup_django(prepare_database(server, args.database))
    build()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    load = os.getloadavg()[0]
    rows = measure(args.rounds)
    width = max(len(row[1]) for row in rows)
    print(f"load average before: {load:.1f} on {os.cpu_count()} CPUs")
    print(f"{'user':20} {'page':{width}} {'median':>7} {'max':>7} {'cpu':>7}")
    slow = []
    for user, path, median, worst, cpu in rows:
        mark = "" if median <= TARGET_MS else "  > target"
        print(f"{user:20} {path:{width}} {median:7.0f} {worst:7.0f} {cpu:7.0f}{mark}")
        if mark:
            slow.append(path)
    print(
        f"{len(rows)} pages; target ≤ {TARGET_MS} ms (median of {args.rounds}, warm): "
        + ("met" if not slow else f"missed by {len(slow)}")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
