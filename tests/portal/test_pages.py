"""Every page of the portal core renders for an officer, under the CSP, accessibly, and never
with a live link to a registered URL."""

import re

import pytest
from django.urls import reverse

from checks.choices import NotificationKind
from checks.models import Notification
from registry.models import Link
from tests.portal.conftest import browser_for, page
from tests.registry.factories import LinkFactory

RAW = "https://propaganda.example/channel/post-1?utm_source=x"


@pytest.fixture
def link(officer):
    return LinkFactory(raw_url=RAW, first_reported_by=officer)


@pytest.fixture
def pages(link):
    return [
        reverse("portal:home"),
        reverse("portal:links"),
        reverse("portal:link", args=[link.pk]),
        reverse("portal:link_open", args=[link.pk]),
        reverse("portal:notifications"),
        reverse("portal:profile"),
    ]


def test_each_page_renders_for_an_officer_with_a_title_and_a_language(officer, pages):
    client = browser_for(officer)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        doc = page(response)
        assert doc.xpath("/html/@lang") == ["en"], url
        title = doc.findtext(".//title")
        assert title and title.strip().endswith("Kibernadzor") and len(title.strip()) > 14, url
        assert len(doc.xpath("//h1")) == 1, url
        assert doc.xpath("//main[@id='main']"), url


def test_pages_carry_the_csp_and_no_inline_script_style_or_handler(officer, pages):
    client = browser_for(officer)
    for url in pages:
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp, url
        doc = page(response)
        for script in doc.xpath("//script"):
            assert script.get("src"), f"inline <script> on {url}"
            assert (script.text or "").strip() == "", url
        assert not doc.xpath("//style"), url
        assert not doc.xpath("//*[@style]"), url
        handlers = [a for e in doc.iter() for a in e.attrib if a.lower().startswith("on")]
        assert handlers == [], url
        assert not doc.xpath("//*[@hx-on]") and "hx-on:" not in response.content.decode()


def test_htmx_is_served_from_the_app_and_configured_without_inline_styles(officer, client):
    response = browser_for(officer).get(reverse("portal:home"))
    doc = page(response)
    sources = doc.xpath("//script/@src")
    assert any(re.search(r"^/static/django_htmx/htmx-2\.min\.[0-9a-f]+\.js$", s) for s in sources)
    config = doc.xpath("//meta[@name='htmx-config']/@content")[0]
    assert '"includeIndicatorStyles": false' in config
    assert '"allowEval": false' in config
    script = client.get(next(s for s in sources if "htmx" in s))
    assert script.status_code == 200


def test_no_page_links_to_or_loads_a_registered_url(officer, link, pages):
    client = browser_for(officer)
    for url in pages:
        response = client.get(url)
        content = response.content.decode()
        doc = page(response)
        for attribute in ("href", "src", "action", "data", "poster", "srcset", "formaction"):
            for value in doc.xpath(f"//@{attribute}"):
                assert not value.startswith(("http:", "https:", "//")), (url, attribute, value)
        assert "propaganda.example" not in content, url
    detail = page(client.get(reverse("portal:link", args=[link.pk])))
    assert "hxxps://propaganda[.]example/channel/post-1" in detail.text_content()


def test_navigation_lists_every_section_and_marks_the_current_one(officer):
    doc = page(browser_for(officer).get(reverse("portal:links")))
    nav = doc.xpath("//nav[contains(@class, 'main-nav')]")[0]
    hrefs = nav.xpath(".//a/@href")
    for name in ("home", "links", "notifications", "profile"):
        assert reverse(f"portal:{name}") in hrefs
    assert reverse("api:docs") in hrefs
    assert nav.xpath(".//a[@aria-current='page']/@href") == [reverse("portal:links")]
    assert reverse("admin:index") not in hrefs  # not staff
    assert doc.xpath("//form[@action='/i18n/setlang/']//button[@name='language']/@value") == [
        "ru",
        "kk",
        "en",
    ]


def test_staff_see_the_admin_in_the_navigation(prosecutor):
    prosecutor.is_staff = True
    prosecutor.save(update_fields=["is_staff"])
    hrefs = page(browser_for(prosecutor).get(reverse("portal:home"))).xpath("//nav//a/@href")
    assert reverse("admin:index") in hrefs


def test_unread_notifications_are_counted_in_the_navigation(officer, link):
    Notification.objects.create(
        agency=officer.agency, link=link, kind=NotificationKind.REAPPEARED, message="m"
    )
    Notification.objects.create(user=officer, kind=NotificationKind.REAPPEARED, message="n")
    doc = page(browser_for(officer).get(reverse("portal:links")))
    assert doc.xpath("string(//span[@id='unread-count'])").split()[-1] == "2"


def test_language_switcher_changes_the_language(officer):
    client = browser_for(officer)
    response = client.post(
        reverse("set_language"), {"language": "kk", "next": reverse("portal:links")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal:links")
    assert page(client.get(reverse("portal:links"))).xpath("/html/@lang") == ["kk"]


def test_portal_pages_need_a_login(client, link):
    for name, args in (("links", []), ("link", [link.pk]), ("notifications", [])):
        response = client.get(reverse(f"portal:{name}", args=args))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("portal:login"))


def test_a_user_without_case_content_sees_an_empty_dashboard(administrator):
    response = browser_for(administrator).get(reverse("portal:home"))
    assert response.status_code == 200
    assert "You see no case records." in response.content.decode()
    assert reverse("portal:links") not in page(response).xpath("//nav//a/@href")


def test_link_factory_leaves_no_live_url_in_the_page_title(officer, link):
    # The page title names the link by number: titles end up in history and bookmarks.
    doc = page(browser_for(officer).get(reverse("portal:link", args=[link.pk])))
    assert doc.findtext(".//title").strip() == f"Link {link.pk} · Kibernadzor"
    assert Link.objects.count() == 1
