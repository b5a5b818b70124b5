"""The registry list: the API's FilterSet as a form, search, sort, capped pages, bounded queries,
and only the rows the access policy grants."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from registry import services
from registry.choices import LinkPlatform, LinkState, ReadChannel
from registry.models import ConfidentialRead, Link
from tests.portal.conftest import browser_for, page, texts
from tests.registry.factories import LinkFactory

LIST = reverse("portal:links")


def listed_ids(response) -> list[int]:
    hrefs = page(response).xpath("//table[contains(@class, 'links')]//a[@class='link-ref']/@href")
    return [int(h.rstrip("/").rsplit("/", 1)[1]) for h in hrefs]


@pytest.fixture
def links(officer, other_officer):
    now = timezone.now()
    mine = [
        LinkFactory(
            raw_url="https://t.me/channel_a/1",
            first_reported_by=officer,
            first_reported_at=now - dt.timedelta(days=3),
        ),
        LinkFactory(
            raw_url="https://vk.com/wall-1_2",
            first_reported_by=officer,
            first_reported_at=now - dt.timedelta(days=2),
            report_count=5,
        ),
        LinkFactory(
            raw_url="https://propaganda.example/a",
            first_reported_by=officer,
            first_reported_at=now - dt.timedelta(days=1),
        ),
    ]
    theirs = LinkFactory(raw_url="https://t.me/channel_b/9", first_reported_by=other_officer)
    return mine, theirs


def test_an_officer_lists_only_his_agencys_links_newest_first(officer, links):
    mine, theirs = links
    response = browser_for(officer).get(LIST)
    assert response.status_code == 200
    assert listed_ids(response) == [mine[2].pk, mine[1].pk, mine[0].pk]
    assert "3 links" in page(response).xpath("string(//p[@class='count'])")


def test_the_filter_form_is_the_apis_filterset(officer, links):
    mine, _theirs = links
    client = browser_for(officer)
    assert listed_ids(client.get(LIST, {"platform": [LinkPlatform.TELEGRAM]})) == [mine[0].pk]
    assert listed_ids(client.get(LIST, {"platform": [LinkPlatform.TELEGRAM, LinkPlatform.VK]})) == [
        mine[1].pk,
        mine[0].pk,
    ]
    Link.objects.filter(pk=mine[2].pk).update(state=LinkState.UNDER_REVIEW)
    assert listed_ids(client.get(LIST, {"state": ["under_review"]})) == [mine[2].pk]
    reported_after = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert listed_ids(client.get(LIST, {"reported_after": reported_after})) == [mine[2].pk]
    # The form shows the filters with labels, checked as submitted.
    doc = page(client.get(LIST, {"platform": ["vk"]}))
    checked = doc.xpath("//input[@name='platform'][@checked]/@value")
    assert checked == ["vk"]
    label_for = doc.xpath("//input[@name='platform'][@value='vk']/@id")[0]
    assert doc.xpath(f"//label[@for='{label_for}']")


def test_a_bad_filter_shows_its_error_and_no_rows(officer, links):
    response = browser_for(officer).get(LIST, {"reported_after": "not-a-date", "state": ["gone"]})
    assert response.status_code == 400
    assert listed_ids(response) == []
    doc = page(response)
    assert doc.xpath("//div[contains(@class, 'field-reported_after')]//p[@class='error']")
    assert doc.xpath("//fieldset[legend='State']/..//p[@class='error']") or doc.xpath(
        "//div[contains(@class, 'field-state')]//p[@class='error']"
    )


def test_search_finds_any_form_of_a_url_a_host_or_a_number(officer, links):
    mine, theirs = links
    client = browser_for(officer)
    assert listed_ids(client.get(LIST, {"q": "hxxps://t[.]me/s/channel_a/1"})) == [mine[0].pk]
    assert listed_ids(client.get(LIST, {"q": "m.vk.com/wall-1_2?utm_source=x"})) == [mine[1].pk]
    assert listed_ids(client.get(LIST, {"q": "propaganda.example"})) == [mine[2].pk]
    assert listed_ids(client.get(LIST, {"q": str(mine[1].pk)})) == [mine[1].pk]
    # Another agency's link is not found, by URL or by number.
    assert listed_ids(client.get(LIST, {"q": "https://t.me/channel_b/9"})) == []
    assert listed_ids(client.get(LIST, {"q": str(theirs.pk)})) == []


def test_sort_is_whitelisted(officer, links):
    mine, _theirs = links
    client = browser_for(officer)
    assert listed_ids(client.get(LIST, {"sort": "reported"})) == [m.pk for m in mine]
    assert listed_ids(client.get(LIST, {"sort": "-reports"}))[0] == mine[1].pk
    response = client.get(LIST, {"sort": "password"})
    assert response.status_code == 400
    assert page(response).xpath("//div[contains(@class, 'field-sort')]//p[@class='error']")


def test_pages_keep_the_filters_and_the_count_is_capped(officer, monkeypatch):
    from portal.views import link_list as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "COUNT_CAP", 3)
    for n in range(5):
        LinkFactory(raw_url=f"https://t.me/many/{n}", first_reported_by=officer)
    client = browser_for(officer)
    response = client.get(LIST, {"platform": ["telegram"]})
    doc = page(response)
    assert "More than 3 links match" in doc.xpath("string(//p[@class='count'])")
    next_href = doc.xpath("//nav[@class='pagination']//a[@rel='next']/@href")[0]
    assert "platform=telegram" in next_href and "page=2" in next_href
    assert len(listed_ids(client.get(LIST + next_href))) == 2


def test_the_list_logs_confidential_rows_it_shows(officer):
    services.submit_urls(["https://t.me/secret/10"], user=officer, confidential=True)
    LinkFactory(first_reported_by=officer)
    browser_for(officer).get(LIST)
    read = ConfidentialRead.objects.get()
    assert read.channel == ReadChannel.LIST and read.link.confidential


def test_the_list_shows_urls_defanged_only(officer, links):
    response = browser_for(officer).get(LIST)
    cells = texts(page(response), "//table[contains(@class, 'links')]//code[@class='url']")
    assert "hxxps://t[.]me/channel_a/1" in cells
    assert "https://t.me" not in response.content.decode()


def test_htmx_filtering_swaps_only_the_results(officer, links):
    response = browser_for(officer).get(
        LIST, {"platform": ["vk"]}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="results"')
    assert "<html" not in content
    assert len(listed_ids(response)) == 1


def test_the_list_costs_the_same_queries_for_3_or_40_links(
    officer, links, django_assert_max_num_queries
):
    client = browser_for(officer)
    client.get(LIST)  # warm up: session, permissions
    with django_assert_max_num_queries(14) as small:
        client.get(LIST)
    baseline = len(small.captured_queries)
    for n in range(37):
        LinkFactory(raw_url=f"https://t.me/bulk/{n}", first_reported_by=officer)
    with django_assert_max_num_queries(baseline):
        response = client.get(LIST)
    assert len(listed_ids(response)) == 40
