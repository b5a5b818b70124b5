"""The dashboard: the user's scope, figures from reporting.services, and the work lists."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import AgencyKind, Role
from checks.choices import NotificationKind
from checks.models import Notification
from registry import services
from registry.choices import LinkState
from registry.models import Link
from tests.portal.conftest import browser_for, page, texts
from tests.registry.factories import LinkFactory

HOME = reverse("portal:home")


def stat(doc, section: str, label: str) -> str:
    values = doc.xpath(
        f"//section[@aria-labelledby='totals-h']//dl[{section}]"
        f"//div[@class[contains(., 'stat')]][dt[normalize-space()='{label}']]/dd[1]"
    )
    assert len(values) == 1, label
    return values[0].text_content().strip()


def test_dashboard_shows_the_scope_of_each_kind_of_user(officer, supervisor, prosecutor):
    officer_page = browser_for(officer).get(HOME).content.decode()
    assert f"You see the records of {officer.agency}." in officer_page
    region = officer.agency.region
    assert f"You see the region {region}." in browser_for(supervisor).get(HOME).content.decode()
    assert "You see the whole country." in browser_for(prosecutor).get(HOME).content.decode()


def test_figures_are_the_reporting_services_for_the_users_scope(officer, other_officer):
    for n in range(3):
        LinkFactory(raw_url=f"https://t.me/dash/{n}", first_reported_by=officer)
    LinkFactory(raw_url="https://t.me/elsewhere/1", first_reported_by=other_officer)
    services.submit_urls(["https://t.me/dash/0", "https://t.me/dash/1"], user=officer)
    old = LinkFactory(raw_url="https://t.me/dash/old", first_reported_by=officer)
    Link.objects.filter(pk=old.pk).update(first_reported_at=timezone.now() - dt.timedelta(days=30))

    doc = page(browser_for(officer).get(HOME))
    assert stat(doc, 1, "Links registered") == "4"
    assert stat(doc, 1, "Repeats excluded") == "2"
    assert stat(doc, 1, "Awaiting action") == "4"
    assert stat(doc, 2, "New links") == "3"
    states = texts(
        doc, "//section[@aria-labelledby='states-h']//table[contains(@class, 'bars')]//td[1]"
    )
    assert states == ["4"]
    trend = doc.xpath("//section[@aria-labelledby='trend-h']//svg")[0]
    assert len(trend.xpath(".//polyline")) == 4
    weeks = texts(doc, "//section[@aria-labelledby='trend-h']//tbody/tr")
    assert len(weeks) == 12


def test_latest_repeats_are_listed_defanged_with_their_agency(officer):
    link = LinkFactory(raw_url="https://t.me/repeats/1", first_reported_by=officer)
    services.submit_urls(["t.me/s/repeats/1?utm_source=x"], user=officer)
    doc = page(browser_for(officer).get(HOME))
    section = doc.xpath("//section[@aria-labelledby='repeats-h']")[0]
    assert section.xpath(".//a/@href") == [reverse("portal:link", args=[link.pk])]
    assert "t[.]me/s/repeats/1?utm_source=x" in section.text_content()
    assert str(officer.agency) in section.text_content()


def test_reappearances_assigned_and_overdue_work_are_listed(officer, supervisor, prosecutor):
    back = LinkFactory(raw_url="https://t.me/back/1", first_reported_by=officer)
    Link.objects.filter(pk=back.pk).update(state=LinkState.REAPPEARED)
    Notification.objects.create(
        agency=officer.agency, link=back, kind=NotificationKind.REAPPEARED, message="again"
    )
    mine = LinkFactory(raw_url="https://t.me/mine/1", first_reported_by=officer)
    late = LinkFactory(raw_url="https://t.me/late/1", first_reported_by=officer)
    done = LinkFactory(raw_url="https://t.me/done/1", first_reported_by=officer)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    services.assign(mine.pk, actor=supervisor, agency=officer.agency, user=officer)
    services.assign(late.pk, actor=supervisor, agency=officer.agency, due_date=yesterday)
    services.assign(done.pk, actor=supervisor, agency=officer.agency, due_date=yesterday)
    Link.objects.filter(pk=done.pk).update(state=LinkState.BLOCKED)

    doc = page(browser_for(officer).get(HOME))

    def listed(section):
        return doc.xpath(f"//section[@aria-labelledby='{section}']//ul//a/@href")

    assert listed("reappeared-h") == [reverse("portal:link", args=[back.pk])]
    assert "1 unread notification about a reappearance" in doc.text_content()
    assert listed("mine-h") == [reverse("portal:link", args=[mine.pk])]
    assert listed("overdue-h") == [reverse("portal:link", args=[late.pk])]  # closed ones are not


def test_another_regions_officer_sees_none_of_it(officer, make_user):
    LinkFactory(first_reported_by=officer)
    stranger = make_user(Role.OFFICER, kind=AgencyKind.AKIMAT, region="KZ-11")
    doc = page(browser_for(stranger).get(HOME))
    assert stat(doc, 1, "Links registered") == "0"
    assert doc.xpath("//section[@aria-labelledby='states-h']//p[@class='muted']")


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_dashboard_renders_in_each_language(officer, language, client):
    LinkFactory(first_reported_by=officer)
    client.force_login(officer)
    client.cookies["django_language"] = language
    response = client.get(HOME)
    assert response.status_code == 200
    assert page(response).xpath("/html/@lang") == [language]


def test_the_dashboard_costs_the_same_queries_whatever_the_data(
    officer, supervisor, django_assert_max_num_queries
):
    client = browser_for(officer)
    LinkFactory(first_reported_by=officer)
    client.get(HOME)
    # The figures cost what reporting.services needs; what matters is that data adds nothing.
    with django_assert_max_num_queries(80) as few:
        client.get(HOME)
    baseline = len(few.captured_queries)  # read now: each request resets Django's query log
    for n in range(12):
        link = LinkFactory(raw_url=f"https://t.me/dashboard/{n}", first_reported_by=officer)
        services.submit_urls([link.url], user=officer)
        services.assign(link.pk, actor=supervisor, agency=officer.agency, user=officer)
    client.get(HOME)  # reporting brings its tables up to date with the new data (set-based)
    with django_assert_max_num_queries(baseline):
        client.get(HOME)


def test_chart_coordinates_stay_numbers_in_a_language_with_a_decimal_comma(officer, client):
    LinkFactory(first_reported_by=officer)
    client.force_login(officer)
    client.cookies["django_language"] = "ru"
    svg = page(client.get(HOME)).xpath("//section[@aria-labelledby='trend-h']//svg")[0]
    numbers = svg.xpath(".//line/@y1 | .//circle/@cx | .//circle/@cy | .//text/@x")
    assert numbers and all("," not in value for value in numbers)
    float(numbers[0])


def test_a_repeat_of_a_confidential_link_of_another_agency_shows_no_state_or_platform(
    officer, other_officer
):
    # Issue 12, hole 3: other_officer got only "known; contact …" for the link; its own repeat
    # counts, but no row of the dashboard says the link's state or platform.
    services.submit_urls(["https://t.me/secret/9"], user=officer, confidential=True)
    services.submit_urls(["https://t.me/secret/9"], user=other_officer)
    doc = page(browser_for(other_officer).get(HOME))
    assert stat(doc, 1, "Repeats excluded") == "1"
    assert stat(doc, 1, "Links registered") == "0"
    rows = doc.xpath("//section[@aria-labelledby='states-h']//tbody/tr")
    assert rows == []
