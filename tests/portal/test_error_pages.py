"""Error pages (404, 403, 500, CSRF failure, lockout) in the site's layout and the reader's
language, under the CSP; the API keeps answering JSON."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from tests.portal.conftest import browser_for, page

HEADINGS = {
    "ru": {404: "Страница не найдена", 403: "Доступ запрещён", 500: "Ошибка сервера"},
    "kk": {404: "Бет табылмады", 403: "Кіруге тыйым салынған", 500: "Сервер қатесі"},
    "en": {404: "Page not found", 403: "Access denied", 500: "Server error"},
}


def reader(language: str, user=None, **options) -> Client:
    client = browser_for(user, **options) if user else Client(**options)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def assert_site_page(response, language: str, heading: str) -> None:
    """The portal's layout (stylesheet, header, main, footer) in `language`, under the CSP."""
    assert response["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    doc = page(response)
    assert doc.xpath("/html/@lang") == [language]
    assert doc.xpath("//link[@rel='stylesheet' and contains(@href, 'portal')]")
    assert doc.xpath("//header[@class='top']") and doc.xpath("//main[@id='main']")
    assert doc.xpath("//footer")
    assert [h.text_content().strip() for h in doc.xpath("//h1")] == [heading]
    assert doc.findtext(".//title").strip().startswith(heading)
    assert all(s.get("src") for s in doc.xpath("//script")), "inline script"


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_a_missing_page_is_a_404_in_the_site_layout_with_the_navigation(officer, language):
    response = reader(language, officer).get("/no-such-page/")
    assert response.status_code == 404
    assert_site_page(response, language, HEADINGS[language][404])
    assert page(response).xpath("//nav[contains(@class, 'main-nav')]")


def test_an_anonymous_reader_gets_the_404_too(db):
    response = reader("kk").get("/no-such-page/")
    assert response.status_code == 404
    assert_site_page(response, "kk", HEADINGS["kk"][404])


@pytest.mark.urls("tests.portal.error_urls")
@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_a_refusal_is_a_403_in_the_site_layout(officer, language):
    response = reader(language, officer).get("/test-forbidden/")
    assert response.status_code == 403
    assert_site_page(response, language, HEADINGS[language][403])


@pytest.mark.urls("tests.portal.error_urls")
@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_a_bug_is_a_500_in_the_site_layout_without_the_details(officer, language):
    client = reader(language, officer, raise_request_exception=False)
    response = client.get("/test-broken/")
    assert response.status_code == 500
    assert_site_page(response, language, HEADINGS[language][500])
    assert "a bug in a view" not in response.content.decode()


@pytest.mark.parametrize(
    ("language", "heading"),
    [("ru", "Форма устарела"), ("kk", "Форманың мерзімі өтті"), ("en", "The form has expired")],
)
def test_a_form_sent_without_its_csrf_token_is_refused_in_the_site_layout(
    make_user, language, heading
):
    make_user(Role.OFFICER, username="stale_form")
    client = reader(language, enforce_csrf_checks=True)
    response = client.post(reverse("portal:login"), {"username": "stale_form", "password": "x"})
    assert response.status_code == 403
    assert_site_page(response, language, heading)


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("ru", "Слишком много неудачных попыток входа"),
        ("kk", "Кіру әрекеттері тым көп сәтсіз болды"),
        ("en", "Too many failed logins"),
    ],
)
def test_a_locked_out_login_is_told_so_in_the_site_layout(make_user, language, heading):
    make_user(Role.OFFICER, username="locked_out")
    client = reader(language)
    url = reverse("portal:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "locked_out", "password": "wrong"})
    response = client.post(url, {"username": "locked_out", "password": "correct-horse-battery"})
    assert response.status_code == 429
    doc = page(response)
    assert doc.xpath("/html/@lang") == [language]
    assert doc.xpath("//main[@id='main']") and doc.xpath("//footer")
    assert [h.text_content().strip() for h in doc.xpath("//h1")] == [heading]
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.urls("tests.portal.error_urls")
def test_the_api_keeps_its_json_errors(officer, api_client):
    api_client.force_authenticate(officer)
    missing = api_client.get("/api/v1/no-such-endpoint/")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    refused = Client().get("/api/v1/test-forbidden/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
