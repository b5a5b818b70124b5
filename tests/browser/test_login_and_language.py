"""An officer logs in through the real login page and switches the interface to Kazakh."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, log_in, screenshot
from tests.second_factor import code_for, confirmed_device


def test_officer_logs_in_and_switches_the_interface_to_kazakh(open_page, make_user):
    make_user("officer", username="officer_almaty")
    page = open_page()

    log_in(page, "officer_almaty")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")

    page.locator("form.lang button[value=kk]").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.locator("form.lang button[value=kk]")).to_have_attribute("aria-current", "true")
    screenshot(page, "dashboard-kk")


def test_wrong_password_is_refused_with_a_message(open_page, make_user):
    make_user("officer", username="officer_typo")
    page = open_page()

    log_in(page, "officer_typo", "not-the-password")
    expect(page.locator("[role=alert]")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/"))


def test_prosecutor_logs_in_with_the_code_of_their_authenticator(open_page, make_user):
    user = make_user("prosecutor", username="prosecutor_2fa", kind="prosecutor")
    device = confirmed_device(user)
    page = open_page("en-US")

    page.goto("/login/")
    page.locator("#id_username").fill("prosecutor_2fa")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/login/code/"))
    page.locator("#id_code").fill(code_for(device))  # what the authenticator app shows now
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".main-nav")).to_be_visible()
