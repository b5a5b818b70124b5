"""In a real browser (Chromium through Playwright, tests.browser): a file larger than one chunk
is worked through by htmx on its own — the progress bar fills, rows are appended, the summary
appears — and the page makes no request outside the site."""

import re

import pytest
from playwright.sync_api import expect

from portal import submissions
from registry.models import Link, Report
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.slow


def test_a_file_is_worked_through_chunk_by_chunk_with_progress(
    open_page,
    make_user,
    monkeypatch,
    tmp_path,
):
    monkeypatch.setattr(submissions, "CHUNK_LINES", 4)
    make_user("officer", username="officer_bulk")
    lines = [f"https://propaganda.example/bulk/{n}" for n in range(13)]
    lines[5] = "javascript:alert(1)"
    upload = tmp_path / "links.txt"
    upload.write_text("\n".join(lines) + "\n")
    page = open_page("en-US")
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)

    log_in(page, "officer_bulk")
    page.goto("/submit/")
    page.locator("#id_file-file").set_input_files(str(upload))
    page.locator("form:has(#id_file-file) button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/submit/[0-9a-f-]{36}/$"))
    expect(page.locator("#batch-summary .total-lines")).to_have_text("13")
    expect(page.locator("tr.result")).to_have_count(13)
    expect(page.locator("progress")).to_have_attribute("value", "13")
    expect(page.locator("tr.result-invalid")).to_have_count(1)
    expect(page.locator("tr.result-invalid")).to_have_attribute("data-line", "6")
    expect(page.locator("#batch-summary .total-new")).to_have_text("12")
    assert page.locator("tr.result a[href^='http']").count() == 0
    screenshot(page, "submit-file-progress")
    assert Link.objects.count() == 12 and Report.objects.count() == 12
    assert failed == []  # htmx and the style sheet loaded, no chunk request refused
