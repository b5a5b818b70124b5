"""A link's page: who may open it, what it shows, the explicit "Open" step, confidential reads."""

import pytest
from django.urls import reverse
from django.utils import timezone

from checks.models import Check, LinkStats, RepublicationGroup
from registry import services
from registry.choices import LinkState, ReadChannel, ReportSource
from registry.models import ConfidentialRead, Link, LinkMaterial, LinkOrganization
from tests.materials.factories import MaterialFactory, OrganizationFactory
from tests.portal.conftest import browser_for, page, texts
from tests.registry.factories import LinkFactory


@pytest.fixture
def link(officer):
    return LinkFactory(
        raw_url="https://www.youtube.com/watch?v=abcdefghijk", first_reported_by=officer
    )


def detail(user, link):
    return browser_for(user).get(reverse("portal:link", args=[link.pk]))


def test_officer_of_another_agency_gets_404_for_a_link_he_does_not_see(link, other_officer):
    for name in ("link", "link_open"):
        response = browser_for(other_officer).get(reverse(f"portal:{name}", args=[link.pk]))
        assert response.status_code == 404, name
    response = browser_for(other_officer).post(
        reverse("portal:link_transition", args=[link.pk]),
        {"move": "start_review", "start_review-to_state": "under_review"},
    )
    assert response.status_code == 404
    link.refresh_from_db()
    assert link.state == LinkState.NEW


def test_unknown_link_is_404(officer):
    assert browser_for(officer).get(reverse("portal:link", args=[999_999])).status_code == 404


def test_confidential_link_shows_only_whom_to_contact_to_a_co_reporting_agency(
    officer, other_officer
):
    services.submit_urls(["https://t.me/secret/1"], user=officer, confidential=True)
    services.submit_urls(["t.me/s/secret/1"], user=other_officer, source=ReportSource.FORM)
    link = officer.link_reports.get().link
    officer.agency.contact = "+7 727 000 00 00"
    officer.agency.save(update_fields=["contact"])

    response = detail(other_officer, link)
    assert response.status_code == 403
    content = response.content.decode()
    assert "known and confidential" in content and str(officer.agency) in content
    assert "+7 727 000 00 00" in content
    assert "secret" not in content  # nothing of the content, its URL or its state
    assert not page(response).xpath("//main//span[contains(@class, 'state')]")


def test_reading_a_confidential_link_is_logged(officer):
    services.submit_urls(["https://t.me/secret/2"], user=officer, confidential=True)
    link = officer.link_reports.get().link
    assert detail(officer, link).status_code == 200
    read = ConfidentialRead.objects.get()
    assert (read.user, read.link, read.channel) == (officer, link, ReadChannel.PAGE)


def test_reading_an_open_link_is_not_logged(officer, link):
    assert detail(officer, link).status_code == 200
    assert not ConfidentialRead.objects.exists()


def test_the_page_shows_canonical_and_submitted_forms_defanged(officer, link, other_officer):
    services.submit_urls(["https://youtu.be/abcdefghijk?si=tracking"], user=officer)
    doc = page(detail(officer, link))
    canonical = texts(doc, "//p[@class='canonical']/code")
    assert canonical == ["hxxps://www[.]youtube[.]com/watch?v=abcdefghijk"]
    forms = texts(doc, "//section[@aria-labelledby='forms-h']//tbody/tr/td[1]")
    assert forms == [
        "hxxps://www[.]youtube[.]com/watch?v=abcdefghijk",
        "hxxps://youtu[.]be/abcdefghijk?si=tracking",
    ]


def test_open_takes_an_explicit_post_and_shows_a_safe_live_link(officer, link):
    client = browser_for(officer)
    url = reverse("portal:link_open", args=[link.pk])
    asking = page(client.get(url))
    assert not asking.xpath("//a[starts-with(@href, 'http')]")
    assert asking.xpath(f"//form[@method='post'][@action='{url}']")

    shown = page(client.post(url))
    live = shown.xpath("//a[starts-with(@href, 'http')]")
    assert len(live) == 1
    assert live[0].get("href") == link.url
    assert set(live[0].get("rel").split()) >= {"noreferrer", "noopener"}
    assert live[0].get("target") == "_blank"


def test_opening_a_confidential_link_is_logged(officer):
    services.submit_urls(["https://t.me/secret/3"], user=officer, confidential=True)
    link = officer.link_reports.get().link
    client = browser_for(officer)
    client.post(reverse("portal:link_open", args=[link.pk]))
    assert list(ConfidentialRead.objects.values_list("user", "link", "channel")) == [
        (officer.pk, link.pk, ReadChannel.OPEN)
    ]


def test_open_needs_csrf(officer, link):
    client = browser_for(officer, enforce_csrf_checks=True)
    response = client.post(reverse("portal:link_open", args=[link.pk]))
    assert response.status_code == 403
    assert b'href="https://' not in response.content


def test_the_timeline_merges_reports_checks_changes_and_history(officer, prosecutor, link):
    services.submit_urls(["https://youtu.be/abcdefghijk"], user=prosecutor)
    Check.objects.create(
        link=link,
        trigger="first",
        url=link.url,
        available=True,
        status_code=200,
        views=1500,
        title="Watch https://mirror.example/v now",
    )
    services.transition(link.pk, LinkState.UNDER_REVIEW, actor=prosecutor)
    services.transition(
        link.pk,
        LinkState.CONFIRMED,
        actor=prosecutor,
        reason="expert says so",
        classification="other",
    )
    services.assign(link.pk, actor=prosecutor, agency=officer.agency)

    doc = page(detail(prosecutor, link))
    kinds = [e.get("class").split()[-1] for e in doc.xpath("//ol[@class='timeline']/li")]
    assert set(kinds) == {"event-report", "event-check", "event-state", "event-history"}
    text = doc.xpath("string(//ol[@class='timeline'])")
    assert "expert says so" in text
    assert "1500 views" in text
    assert "hxxps://mirror[.]example/v" in text and "mirror.example" not in text
    assert "Assigned agency" in text and str(officer.agency) in text  # the history's diff
    assert "Repeat report" in text and "Registered" in text

    # Officers do not hold the history permission: their timeline has no history entries.
    officer_doc = page(detail(officer, link))
    assert not officer_doc.xpath("//li[contains(@class, 'event-history')]")
    assert officer_doc.xpath("//li[contains(@class, 'event-state')]")


def test_views_chart_is_an_svg_drawn_on_the_server(officer, link):
    for views, days in ((100, 3), (250, 2), (900, 1)):
        Check.objects.create(
            link=link,
            trigger="recheck",
            url=link.url,
            available=True,
            views=views,
            checked_at=timezone.now() - timezone.timedelta(days=days),
        )
    doc = page(detail(officer, link))
    svg = doc.xpath("//section[@aria-labelledby='views-h']//svg")[0]
    assert svg.get("role") == "img"
    points = svg.xpath(".//polyline/@points")[0].split()
    assert len(points) == 3
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[0] > ys[1] > ys[2]  # growing views draw higher (SVG y grows downwards)
    assert texts(doc, "//section[@aria-labelledby='views-h']//tbody/tr/td") == ["100", "250", "900"]


def test_republications_and_attributions_are_listed_with_portal_links(officer, prosecutor, link):
    twin = LinkFactory(
        raw_url="https://rutube.ru/video/0123456789abcdef0123456789abcdef/",
        first_reported_by=officer,
    )
    group = RepublicationGroup.objects.create(
        content_sha256="a" * 64, first_link=link, link_count=2
    )
    LinkStats.objects.create(link=link, republication_group=group)
    LinkStats.objects.create(link=twin, republication_group=group)
    organization = OrganizationFactory()
    material = MaterialFactory()
    LinkOrganization.objects.create(link=link, organization=organization)
    LinkMaterial.objects.create(link=link, material=material)

    doc = page(detail(officer, link))
    section = doc.xpath("//section[@aria-labelledby='repub-h']")[0]
    assert reverse("portal:link", args=[twin.pk]) in section.xpath(".//a/@href")
    assert "known at 2 addresses" in section.text_content()
    related = section.xpath(".//ul[@class='related']")[0]
    assert organization.name_en in related.text_content()  # the reader reads English
    assert str(material.number) in related.text_content()
    hrefs = related.xpath(".//a/@href")
    assert reverse("portal:organization", args=[organization.pk]) in hrefs
    assert reverse("portal:material", args=[material.pk]) in hrefs


def test_a_demo_link_page_says_the_checks_never_fetch_it(officer):
    demo = LinkFactory(raw_url="https://t.me/demo_channel_1/42", first_reported_by=officer)
    Link.objects.filter(pk=demo.pk).update(is_demo=True)

    notice = page(detail(officer, demo)).xpath("//*[@id='demo-not-fetched']")

    assert "never fetch" in notice[0].text_content()


def test_a_real_link_page_has_no_demo_notice(officer, link):
    assert page(detail(officer, link)).xpath("//*[@id='demo-not-fetched']") == []
