"""Every bench runs, at a small size, in the suite: a schema or API change that breaks a bench
breaks `make test` instead of the next person who wants the figures.

These are smoke runs: they check that each bench builds its dataset, exercises every path it
measures and prints its figures; the targets themselves are judged only by full-size runs of
`make bench` (a shared, loaded machine says nothing about 10,000 links' timings)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


def run_bench(script: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the database benches need DATABASE_URL naming a PostgreSQL server")
    return url


@pytest.mark.slow
def test_canonicalization_bench_runs():
    out = run_bench("bench_canon.py", "--count", "5000", "--rounds", "1", "--min-rate", "0")
    assert "links/s" in out


@pytest.mark.slow
def test_fetch_bench_runs_and_records():
    out = run_bench("bench_fetch.py", "--count", "200", "--min-rate", "0")
    assert "errors: none" in out
    server_url()
    out = run_bench(
        "bench_fetch.py", "--count", "200", "--min-rate", "0", "--record",
        "--database", "kbz_bench_smoke",
    )  # fmt: skip
    assert "errors: none" in out


@pytest.mark.slow
def test_registry_bench_runs():
    server_url()
    out = run_bench(
        "bench_registry.py", "--links", "10000", "--runs", "1", "--checks", "20",
        "--database", "kbz_bench_smoke", "--rebuild",
    )  # fmt: skip
    for measure in ("(a) submit via service layer", "(a) submit via API", "(b) raw SQL"):
        assert measure in out


@pytest.mark.slow
def test_reports_bench_builds_its_dataset_and_times_every_endpoint():
    server_url()
    out = run_bench(
        "bench_reports.py", "--links", "5000", "--checks-per-link", "2", "--runs", "1",
        "--database", "kbz_bench_reports_smoke", "--rebuild",
    )  # fmt: skip
    assert "5,000 links, 10,000 checks" in out
    assert "yearly summary (UN)" in out
    assert "summary after 1,000 links changed" in out


@pytest.mark.slow
def test_repeats_bench_times_a_report_after_a_burst_of_repeats():
    server_url()
    out = run_bench(
        "bench_repeats.py", "--links", "2000", "--busy-links", "10", "--repeats", "300",
        "--runs", "1", "--database", "kbz_bench_repeats_smoke",
    )  # fmt: skip
    assert "a burst of 300 repeats of 10 links" in out
    assert "(a) summary right after the burst" in out and "goal ≤ 300 ms" in out
    assert "(b) background refresh of the burst" in out


@pytest.mark.slow
def test_orders_bench_generates_an_order_and_its_documents():
    server_url()
    out = run_bench(
        "bench_orders.py", "--links", "50", "--runs", "1", "--goal", "0",
        "--database", "kbz_bench_orders_smoke",
    )  # fmt: skip
    assert "order and its documents (create + documents)" in out
    assert "send_order (with the documents)" in out


@pytest.mark.slow
def test_feed_bench_streams_every_size_and_format():
    server_url()
    out = run_bench(
        "bench_feed.py", "--links", "3000", "--database", "kbz_bench_feed_smoke", "--rebuild",
    )  # fmt: skip
    assert "3,000 links in force" in out
    for form in ("json", "csv"):
        assert f"  {form:<6} {3000:>10,}" in out
    assert "304 for its ETag" in out


@pytest.mark.slow
def test_evidence_bench_runs():
    out = run_bench("bench_evidence.py", "--count", "3")
    assert "failures: none" in out
    assert "captures/min per worker" in out


@pytest.mark.slow
def test_queues_bench_times_every_queue_page():
    server_url()
    out = run_bench(
        "bench_queues.py", "--links", "500", "--rounds", "1",
        "--database", "kbz_bench_queues_smoke", "--rebuild",
    )  # fmt: skip
    for page in ("queue counts, uncached", "/links/?queue=decision", "attribution search"):
        assert page in out


@pytest.mark.slow
def test_pages_bench_times_every_page_of_the_role_days():
    server_url()
    out = run_bench("bench_pages.py", "--rounds", "1", "--database", "kbz_bench_pages_smoke")
    for row in ("demo_officer", "/ (first after the upload)", "regional_prosecutor", "/admin/"):
        assert row in out
    assert "pages; target" in out


@pytest.mark.slow
def test_sources_bench_watches_and_counts_queries_per_batch():
    server_url()
    out = run_bench(
        "bench_sources.py", "--sources", "60", "--items", "5", "--batch", "20",
        "--query-batches", "2,6", "--query-items", "3,9", "--min-rate", "0",
        "--max-rss-growth", "256", "--page-runs", "1", "--page-goal", "100000",
        "--database", "kbz_bench_sources_smoke",
    )  # fmt: skip
    assert "found 300, new 300, repeats 0, failed 0" in out
    assert "found 300, new 0, repeats 300, failed 0" in out
    assert "RSS MiB: before" in out and "source page" in out and "dashboard" in out
    assert out.count("queries (new)") == 4 and "FAIL" not in out
