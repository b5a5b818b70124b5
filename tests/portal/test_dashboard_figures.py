"""Every figure of the dashboard opens the registry list it counts, and that list shows as
many links as the figure says, for each kind of user (each sees their own scope). The pair
"ever confirmed" (links that entered the state) and "confirmed now" (links in it today) is
labelled so that the two numbers are not read as one."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from registry import services
from registry.choices import LinkClassification, LinkState
from registry.models import StateChange
from tests.factories import UserFactory
from tests.portal.conftest import browser_for, page
from tests.registry.factories import LinkFactory

HOME = reverse("portal:home")
S = LinkState


def walk(link, prosecutor, *moves):
    """Move the link through `moves` as the prosecutor, with what each move requires."""
    for state in moves:
        if state == S.CONFIRMED:
            services.classify(
                link.pk, actor=prosecutor, classification=LinkClassification.EXTREMIST
            )
        services.transition(
            link.pk,
            state,
            actor=prosecutor,
            reason="dashboard figures",
            document_number="ПР-1",
            document_date=timezone.localdate(),
        )


@pytest.fixture
def registry_in_motion(officer, other_officer, prosecutor):
    """Links of two agencies in every kind of state, some moved a month ago."""
    links = [LinkFactory(raw_url=f"https://t.me/figures/{n}", first_reported_by=officer)
             for n in range(6)]  # fmt: skip
    theirs = [LinkFactory(raw_url=f"https://vk.com/wall-1_{n}", first_reported_by=other_officer)
              for n in range(3)]  # fmt: skip
    walk(links[0], prosecutor, S.UNDER_REVIEW, S.CONFIRMED, S.BLOCKING_REQUESTED, S.BLOCKED)
    walk(links[1], prosecutor, S.UNDER_REVIEW, S.CONFIRMED)
    walk(links[2], prosecutor, S.UNDER_REVIEW, S.CONFIRMED, S.REMOVED)
    walk(links[3], prosecutor, S.UNDER_REVIEW)
    walk(theirs[0], prosecutor, S.UNDER_REVIEW, S.CONFIRMED, S.BLOCKING_REQUESTED, S.BLOCKED)
    walk(theirs[1], prosecutor, S.UNDER_REVIEW, S.CONFIRMED)
    # links[1] was confirmed a month ago: "ever", not "this week".
    month_ago = timezone.now() - dt.timedelta(days=30)
    StateChange.objects.filter(link=links[1]).update(at=month_ago)
    services.submit_urls(["https://t.me/figures/0"], user=other_officer)  # a repeat
    return links, theirs


def linked_figures(doc) -> list[tuple[str, str, str]]:
    """(what, figure, href) of every figure of the dashboard that links to the registry."""
    figures = []
    for a in doc.xpath("//section[@aria-labelledby='totals-h']//div[contains(@class,'stat')]/dd/a"):
        label = " ".join(a.xpath("../../dt")[0].text_content().split())
        figures.append((label, a.text_content().strip(), a.get("href")))
    for a in doc.xpath("//section[@aria-labelledby='states-h']//td[contains(@class,'num')]/a"):
        row = " ".join(a.xpath("ancestor::tr/th")[0].text_content().split())
        figures.append((row, a.text_content().strip(), a.get("href")))
    return figures


def listed(client, href: str) -> int:
    text = page(client.get(href)).xpath("//section[@id='results']//p[@role='status']")[0]
    found = re.search(r"(\d+) links?", " ".join(text.text_content().split()))
    assert found, text.text_content()
    return int(found.group(1))


@pytest.mark.parametrize("who", ["officer", "other_officer", "supervisor", "prosecutor"])
def test_each_figure_counts_the_rows_of_the_list_it_opens(registry_in_motion, who, request):
    user = request.getfixturevalue(who)
    client = browser_for(user)
    doc = page(client.get(HOME))
    figures = linked_figures(doc)
    registry_links = [f for f in figures if f[2].startswith(reverse("portal:links"))]
    assert len(registry_links) >= 12, figures  # the stats, the states and the platforms
    for label, figure, href in registry_links:
        assert listed(client, href) == int(figure), (who, label, href)


def test_the_figures_differ_where_the_scope_does(registry_in_motion, officer, prosecutor):
    officer_doc = page(browser_for(officer).get(HOME))
    prosecutor_doc = page(browser_for(prosecutor).get(HOME))
    mine = {label: figure for label, figure, _href in linked_figures(officer_doc)}
    all_ = {label: figure for label, figure, _href in linked_figures(prosecutor_doc)}
    assert mine["Links registered"] == "6" and all_["Links registered"] == "9"
    assert mine["Ever confirmed illegal"] == "3" and all_["Ever confirmed illegal"] == "5"
    assert mine["Confirmed this week"] == "2"  # links[1] was confirmed a month ago


def test_ever_confirmed_and_confirmed_now_are_told_apart(registry_in_motion, officer):
    doc = page(browser_for(officer).get(HOME))
    stats = doc.xpath("//section[@aria-labelledby='totals-h']//div[contains(@class,'stat')]")
    ever = next(s for s in stats if s.xpath("dt")[0].text_content() == "Ever confirmed illegal")
    assert ever.xpath("dd/a")[0].text_content() == "3"  # blocked, confirmed, removed
    assert "whatever their state now" in ever.xpath("dd[@class='stat-help']")[0].text_content()
    states = doc.xpath("//section[@aria-labelledby='states-h']")[0]
    assert states.xpath("h2")[0].text_content() == "Links by state now"
    assert "in the state it is in today" in states.xpath("p[@class='help']")[0].text_content()
    now = {
        " ".join(row.xpath("th")[0].text_content().split()): row.xpath("td/a")[0].text_content()
        for row in states.xpath(".//tbody/tr")
    }
    assert now["confirmed illegal"] == "1"


def test_a_figure_s_list_shows_no_link_of_another_scope(registry_in_motion, officer):
    client = browser_for(officer)
    href = reverse("portal:links") + "?entered=confirmed"
    rows = page(client.get(href)).xpath("//table[contains(@class,'links')]//tbody/tr")
    assert len(rows) == 3
    assert all("vk.com" not in row.text_content() for row in rows)


def test_a_supervisor_of_another_region_sees_none_of_these(registry_in_motion, officer):
    from accounts.choices import AgencyKind
    from accounts.models import Region
    from tests.factories import AgencyFactory

    third = Region.objects.exclude(iso_code__in=["KZ-75", "KZ-71"]).order_by("iso_code").first()
    agency = AgencyFactory(kind=AgencyKind.POLICE, region=third)
    elsewhere = UserFactory(agency=agency, roles=[Role.SUPERVISOR])
    client = browser_for(elsewhere)
    assert listed(client, reverse("portal:links") + "?entered=confirmed") == 0


def test_the_trend_marks_the_running_week_in_both_layouts(registry_in_motion, officer):
    doc = page(browser_for(officer).get(HOME))
    svgs = doc.xpath("//section[@aria-labelledby='trend-h']//svg")
    assert [svg.get("class") for svg in svgs] == ["layout-wide", "layout-narrow"]
    for svg in svgs:
        label = svg.xpath(".//g[@class='partial-period']/text")[0].text_content()
        assert label == "week so far"
        assert svg.xpath(".//circle[contains(@class, 'partial')]")  # the last week's points
    notes = doc.xpath("//section[@aria-labelledby='trend-h']//p[@class='chart-notes']")
    assert "still running (week so far)" in notes[0].text_content()


def test_a_wrong_entered_filter_is_refused_not_ignored(officer):
    client = browser_for(officer)
    LinkFactory(raw_url="https://t.me/figures/wrong", first_reported_by=officer)
    response = client.get(reverse("portal:links") + "?entered=new")
    assert response.status_code == 400
    assert page(response).xpath("//table[contains(@class,'links')]//tbody/tr") == []


def test_the_dashboard_offers_the_un_summary_documents(officer, prosecutor, administrator):
    client = browser_for(prosecutor)
    doc = page(client.get(HOME))
    hrefs = doc.xpath("//section[@aria-labelledby='un-h']//a/@href")
    year = timezone.localdate().year
    assert len(hrefs) == 6 and any(f"year={year}&format=pdf" in href for href in hrefs)
    docx = next(href for href in hrefs if href.endswith(f"year={year}&format=docx"))
    response = client.get(docx)  # the portal's session opens the API's report
    assert response.status_code == 200
    assert response["Content-Type"].endswith("wordprocessingml.document")
    admin_page = page(browser_for(administrator).get(HOME))
    assert admin_page.xpath("//section[@aria-labelledby='un-h']") == []
    assert browser_for(administrator).get(docx).status_code == 403
