"""Real-browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Chromium comes from the distribution (scripts/ensure-browser installs it); Playwright never
downloads a browser. Screenshots land in docs/screenshots/, which the README shows.
"""

import os
from pathlib import Path

import pytest

from tests.checks.sites import restore_reference_data

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module. Module-scoped, not session-scoped: Playwright's sync API
    keeps an event loop running in this thread, and the tests after these (asyncio.run in the
    fetcher's) need it gone."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/ensure-browser")
    # The ORM calls a test makes between browser steps are plain synchronous code, but Django
    # sees Playwright's running loop and would refuse them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """The live server serves /static/ from the finders, which know files by their own names,
    not by the hashed names the manifest storage of DEBUG=0 would put in the pages."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="module", autouse=True)
def reference_data_after_flush(django_db_blocker):
    """live_server tests are transactional: their flush empties every table, reference data too."""
    yield
    with django_db_blocker.unblock():
        restore_reference_data()


@pytest.fixture
def reference_data(transactional_db):
    """Regions and role groups for this test: the previous test's flush emptied them."""
    from accounts.models import Region

    if not Region.objects.exists():
        restore_reference_data()


@pytest.fixture
def open_page(browser, live_server, reference_data):
    """open_page() -> a fresh browser tab (own cookies) that refuses every non-local request."""
    contexts = []

    def open_(locale: str = "ru-RU"):
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": 1280, "height": 900}
        )
        context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(live_server.url)
                else route.abort()
            ),
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_
    for context in contexts:
        context.close()


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """The real login form, and then, for a user with a second factor, the real code step with
    the code their authenticator app would show (django_otp's own TOTP function). A user whose
    roles require a second factor is given a confirmed authenticator first."""
    from accounts import second_factor
    from accounts.models import User
    from tests.second_factor import code_for, confirmed_device

    user = User.objects.filter(username=username).first()
    if user is not None and second_factor.is_required(user):
        confirmed_device(user)
    page.goto("/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    if "/login/code/" in page.url:
        page.locator("#id_code").fill(code_for(second_factor.confirmed_totp(user)))
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
