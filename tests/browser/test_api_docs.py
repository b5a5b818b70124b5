"""The API docs in a real browser under the site's CSP: Swagger UI renders the operations from
local files, with no CSP violation and no request to any other host (every request off the
live server would be aborted; none is even attempted). Screenshot: docs/screenshots/api-docs.png."""

from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, log_in


def watch(page) -> tuple[list[str], list[str]]:
    """Console errors of the page (a CSP violation is one) and every URL it requested."""
    errors, requested = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda request: requested.append(request.url))
    return errors, requested


def test_swagger_ui_renders_the_operations_under_the_csp(open_page, make_user, live_server):
    make_user("analyst", username="docs_reader")
    page = open_page("en-US")
    log_in(page, "docs_reader")
    errors, requested = watch(page)

    page.goto("/api/v1/docs/")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    expect(page.get_by_text("/api/v1/links/", exact=True).first).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "api-docs.png"))  # the first screenful

    assert not errors, errors
    assert requested and all(url.startswith(live_server.url) for url in requested), requested
