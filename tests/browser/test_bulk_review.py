"""In a real browser (Chromium through Playwright, tests.browser): a supervisor uploads a
500-line file, reads the batch's results (summary, tabs), takes every new line of the batch
and starts their review in one action, and reads the summary of what was done. The times of
the pages and of the bulk action are printed (run with -s to read them)."""

import re
import time

import pytest
from playwright.sync_api import expect

from accounts.choices import AgencyKind, Role
from registry.choices import LinkState
from registry.models import Link, StateChange
from tests.browser.conftest import SCREENSHOTS, log_in
from tests.browser.test_orders import accessible
from tests.registry.factories import LinkFactory

pytestmark = pytest.mark.slow


def first_screenful(page, name: str) -> None:
    """What the officer sees first (a 500-line page in full would be a ribbon)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_bulk_review_of_a_500_line_upload(open_page, make_user, tmp_path):
    supervisor = make_user(Role.SUPERVISOR, kind=AgencyKind.POLICE, username="supervisor_bulk")
    colleague = make_user(Role.OFFICER, agency=supervisor.agency)
    known = [
        LinkFactory(first_reported_by=colleague, raw_url=f"https://t.me/known_channel/{n}")
        for n in range(10)
    ]
    lines = [f"https://propaganda.example/upload/{n}" for n in range(480)]
    lines += [f"t.me/known_channel/{n}" for n in range(10)]
    lines += [f"not a url {n}" for n in range(10)]
    upload = tmp_path / "links.txt"
    upload.write_text("\n".join(lines) + "\n")
    page = open_page("en-US")
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    log_in(page, "supervisor_bulk")

    page.goto("/submit/")
    page.locator("#id_file-file").set_input_files(str(upload))
    started = time.perf_counter()
    page.locator("form:has(#id_file-file) button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/submit/[0-9a-f-]{36}/$"))
    expect(page.locator("#batch-summary .total-new")).to_have_text("480")
    submitted = time.perf_counter() - started
    expect(page.locator("#batch-summary .total-known")).to_have_text("10")
    expect(page.locator("#batch-summary .total-invalid")).to_have_text("10")
    expect(page.locator("nav.result-tabs a[data-status=new] .count")).to_have_text("480")
    expect(page.locator("#resubmit textarea")).to_have_value(
        re.compile(r"^not a url 0\nnot a url 1\n")
    )
    accessible(page)
    first_screenful(page, "batch-results")
    batch_url = page.url

    started = time.perf_counter()
    page.locator("nav.result-tabs a[data-status=new]").click()
    expect(page).to_have_url(re.compile(r"\?status=new$"))
    expect(page.locator("tr.result")).to_have_count(200)  # a page of the tab
    tab_time = time.perf_counter() - started
    expect(page.locator("tr.result-known")).to_have_count(0)
    expect(page.locator("tr.result-invalid")).to_have_count(0)

    # Every new line of the batch (all pages of the tab), start review: the server takes the
    # batch's new links under the policy, not the boxes of this page.
    page.locator("#bulk-scope-all").check()
    page.locator("#id_bulk-action").select_option("start_review")
    expect(page.locator("#id_bulk-reason")).to_be_hidden()  # only the chosen action's fields
    started = time.perf_counter()
    page.locator("#bulk-bar button[type=submit]").click()
    expect(page.locator(".bulk-summary .bulk-done")).to_have_text("480")
    bulk_time = time.perf_counter() - started
    expect(page.locator(".bulk-summary .bulk-refused")).to_have_text("0")
    accessible(page)
    first_screenful(page, "bulk-review")

    assert Link.objects.filter(state=LinkState.UNDER_REVIEW).count() == 480
    assert (
        StateChange.objects.filter(to_state=LinkState.UNDER_REVIEW, actor=supervisor).count() == 480
    )
    assert all(Link.objects.get(pk=x.pk).state == LinkState.NEW for x in known)

    # The same again on the known tab's page: ticked by "select all on this page"; the links
    # already under review are refused with their reason, the others move.
    page.goto(batch_url + "?status=known")
    page.locator("[data-select-page]").check()
    expect(page.locator("#bulk-selection input[name=link]:checked")).to_have_count(10)
    page.locator("#id_bulk-action").select_option("start_review")
    page.locator("#bulk-bar button[type=submit]").click()
    expect(page.locator(".bulk-summary .bulk-done")).to_have_text("10")

    page.goto(batch_url + "?status=new")
    page.locator("[data-select-page]").check()
    page.locator("#id_bulk-action").select_option("start_review")
    page.locator("#bulk-bar button[type=submit]").click()
    expect(page.locator(".bulk-summary .bulk-refused")).to_have_text("200")
    expect(page.locator("details.bulk-reason .count")).to_have_text("200")
    first_screenful(page, "bulk-review-refused")
    assert page.locator("a[href^='http']").count() == 0
    assert failed == []
    print(
        f"\n500-line upload to results page: {submitted * 1000:.0f} ms; "
        f"tab 'new' (200 rows): {tab_time * 1000:.0f} ms; "
        f"bulk start review of 480 links (request + summary page): {bulk_time * 1000:.0f} ms"
    )
