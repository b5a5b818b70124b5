"""Bulk work on the portal's registry list (portal.views.bulk over registry.bulk): who gets the
bar, ticked links and "every link matching the filter" re-evaluated on the server, the summary
grouped by reason, the hand-over to a new order, and what a forged selection reaches."""

import pytest
from django.urls import reverse

from accounts.choices import Role
from registry.choices import LinkState
from registry.models import Link
from tests.factories import UserFactory
from tests.portal.conftest import browser_for, page, texts
from tests.registry.factories import LinkFactory

LINKS = reverse("portal:links")
BULK = reverse("portal:links_bulk")


def post(client, action=None, *, links=(), **fields):
    data = {"next": LINKS, **fields}
    if action:
        data["bulk-action"] = action
    if links:
        data["link"] = [str(x.pk) for x in links]
    return client.post(BULK, data)


def states(links):
    return {x.pk: Link.objects.get(pk=x.pk).state for x in links}


def test_a_supervisor_gets_the_bar_and_a_box_per_link(officer, supervisor):
    links = [LinkFactory(first_reported_by=officer) for _ in range(3)]
    doc = page(browser_for(supervisor).get(LINKS))
    boxes = doc.xpath("//form[@id='order-selection']//input[@name='link']/@value")
    assert sorted(boxes) == sorted(str(x.pk) for x in links)
    actions = doc.xpath("//select[@name='bulk-action']/option/@value")
    assert actions == ["start_review", "assign", "classify", "reject"]  # no confirm, no orders
    assert doc.xpath("//input[@name='scope'][@value='all']/@form") == ["order-selection"]


def test_an_officer_gets_no_bar_and_no_boxes(officer):
    LinkFactory(first_reported_by=officer)
    doc = page(browser_for(officer).get(LINKS))
    assert not doc.xpath("//input[@name='link']") and not doc.xpath("//*[@id='bulk-bar']")


def test_a_prosecutor_is_offered_confirm_and_orders(officer, prosecutor):
    LinkFactory(first_reported_by=officer)
    actions = page(browser_for(prosecutor).get(LINKS)).xpath(
        "//select[@name='bulk-action']/option/@value"
    )
    assert "confirm" in actions and "new_order" in actions


def test_ticked_links_start_review_and_the_summary_counts_and_groups(officer, supervisor):
    fresh = [LinkFactory(first_reported_by=officer) for _ in range(2)]
    blocked = LinkFactory(first_reported_by=officer, state=LinkState.BLOCKED)

    response = post(browser_for(supervisor), "start_review", links=[*fresh, blocked])

    assert response.status_code == 200
    doc = page(response)
    assert texts(doc, "//dd[@class='bulk-done']") == ["2"]
    assert texts(doc, "//dd[@class='bulk-refused']") == ["1"]
    [reason] = texts(doc, "//details[@class='card bulk-reason']//span[@class='reason']")
    assert "cannot become" in reason
    assert doc.xpath("//ul[@class='refused-links']/li/@data-link") == [str(blocked.pk)]
    # Named defanged, linking to its page here, never to the URL.
    assert doc.xpath("//ul[@class='refused-links']//a/@href") == [
        reverse("portal:link", args=[blocked.pk])
    ]
    assert "hxxps://propaganda[.]example" in response.content.decode()
    assert set(states(fresh).values()) == {LinkState.UNDER_REVIEW}


def test_every_matching_link_is_the_filter_evaluated_on_the_server(
    officer, supervisor, other_officer
):
    new = [LinkFactory(first_reported_by=officer) for _ in range(3)]
    review = LinkFactory(first_reported_by=officer, state=LinkState.UNDER_REVIEW)
    theirs = LinkFactory(first_reported_by=other_officer)

    # The ticks posted alongside do not count: the selection is the filter.
    response = post(
        browser_for(supervisor),
        "classify",
        links=[review, theirs],
        scope="all",
        query="state=new",
        **{"bulk-classification": "extremist"},
    )

    assert texts(page(response), "//dd[@class='bulk-done']") == ["3"]
    classified = set(Link.objects.filter(classification="extremist").values_list("pk", flat=True))
    assert classified == {x.pk for x in new}


def test_forged_ticks_of_links_out_of_sight_change_nothing_and_tell_nothing(
    officer, supervisor, other_officer
):
    theirs = LinkFactory(first_reported_by=other_officer)

    response = post(browser_for(supervisor), "start_review", links=[theirs])

    body = response.content.decode()
    assert texts(page(response), "//dd[@class='bulk-refused']") == ["1"]
    assert "No such link, or you may not see it" in body
    assert theirs.url.split("//")[1].split("/")[0].replace(".", "[.]") not in body
    assert Link.objects.get(pk=theirs.pk).state == LinkState.NEW


def test_bad_parameters_return_to_the_list_with_the_reason_and_change_nothing(officer, supervisor):
    link = LinkFactory(first_reported_by=officer, state=LinkState.UNDER_REVIEW)
    client = browser_for(supervisor)

    response = post(client, "reject", links=[link])
    assert response.status_code == 302 and response["Location"] == LINKS
    messages = texts(page(client.get(LINKS)), "//div[@id='messages']/p")
    assert any("Give the reason" in m for m in messages)
    assert Link.objects.get(pk=link.pk).state == LinkState.UNDER_REVIEW

    nothing = post(client, "start_review")
    assert nothing.status_code == 302
    assert any(
        "Tick at least one link" in m
        for m in texts(page(client.get(LINKS)), "//div[@id='messages']/p")
    )


def test_a_selection_over_the_limit_is_refused_with_a_message(officer, supervisor, monkeypatch):
    from registry import bulk

    monkeypatch.setattr(bulk, "MAX_SELECTION", 2)
    links = [LinkFactory(first_reported_by=officer) for _ in range(3)]
    client = browser_for(supervisor)

    response = post(client, "start_review", scope="all", query="")
    assert response.status_code == 302
    body = client.get(LINKS).content.decode()
    assert "a bulk action takes at most 2" in body
    assert set(states(links).values()) == {LinkState.NEW}


def test_next_may_not_lead_off_the_site(officer, supervisor):
    response = browser_for(supervisor).post(
        BULK, {"bulk-action": "start_review", "next": "https://evil.example/"}
    )
    assert response["Location"] == LINKS


def test_new_order_hands_the_ticks_or_the_filter_to_the_order_page(officer, prosecutor):
    confirmed = [
        LinkFactory(first_reported_by=officer, state=LinkState.CONFIRMED) for _ in range(2)
    ]
    client = browser_for(prosecutor)

    ticked = client.post(BULK, {"handover": "new_order", "link": [x.pk for x in confirmed]})
    assert ticked.status_code == 302
    assert ticked["Location"].startswith(reverse("portal:order_create") + "?link=")
    assert all(f"link={x.pk}" in ticked["Location"] for x in confirmed)

    everything = client.post(
        BULK, {"handover": "new_order", "scope": "all", "query": "state=confirmed"}
    )
    assert (
        everything["Location"] == reverse("portal:order_create") + "?from_filter=1&state=confirmed"
    )


def test_a_supervisor_may_not_hand_over_to_a_new_order(officer, supervisor):
    link = LinkFactory(first_reported_by=officer, state=LinkState.CONFIRMED)
    response = browser_for(supervisor).post(BULK, {"handover": "new_order", "link": [link.pk]})
    assert response.status_code == 302 and response["Location"] == LINKS


def test_add_to_a_draft_order_from_the_list(officer, prosecutor):
    from orders import services
    from orders.choices import RecipientKind
    from orders.models import Recipient

    recipient = Recipient.objects.create(
        name_ru="Министерство", kind=RecipientKind.MINISTRY, deadline_hours=24
    )
    first = LinkFactory(first_reported_by=officer, state=LinkState.CONFIRMED)
    order = services.create_order(
        prosecutor, recipient=recipient, links=[first], law_article="ст. 41-1"
    )
    more = [LinkFactory(first_reported_by=officer, state=LinkState.CONFIRMED) for _ in range(2)]
    fresh = LinkFactory(first_reported_by=officer)
    client = browser_for(prosecutor)
    doc = page(client.get(LINKS))
    assert doc.xpath("//select[@name='bulk-order']/option/@value") == [str(order.pk)]

    response = post(client, "add_to_order", links=[*more, fresh], **{"bulk-order": order.pk})

    assert texts(page(response), "//dd[@class='bulk-done']") == ["2"]
    assert "not confirmed illegal" in response.content.decode()
    assert set(order.order_links.values_list("link_id", flat=True)) == {
        first.pk,
        *(x.pk for x in more),
    }


def test_the_summary_speaks_the_users_language(officer, supervisor):
    link = LinkFactory(first_reported_by=officer, state=LinkState.BLOCKED)
    client = browser_for(supervisor)
    client.cookies["django_language"] = "ru"
    response = client.post(BULK, {"bulk-action": "start_review", "link": [link.pk]})
    body = response.content.decode()
    assert "Отказано" in body and "нельзя перевести" in body


@pytest.mark.parametrize("role", [Role.ANALYST, Role.AUDITOR])
def test_readers_may_act_on_nothing(officer, role):
    reader = UserFactory(agency=officer.agency, roles=[role])
    link = LinkFactory(first_reported_by=officer)
    response = browser_for(reader).post(BULK, {"bulk-action": "start_review", "link": [link.pk]})
    # Whatever they post, each link is refused by the policy and stays as it was.
    assert response.status_code in (200, 302)
    assert Link.objects.get(pk=link.pk).state == LinkState.NEW


def test_every_matching_link_follows_the_search_box_too(officer, supervisor):
    channel = LinkFactory(first_reported_by=officer, raw_url="https://t.me/secret_op_channel/7")
    other = LinkFactory(first_reported_by=officer)

    response = post(
        browser_for(supervisor), "start_review", scope="all", query="q=secret_op_channel"
    )

    assert texts(page(response), "//dd[@class='bulk-done']") == ["1"]
    assert states([channel, other]) == {channel.pk: LinkState.UNDER_REVIEW, other.pk: LinkState.NEW}


def test_a_wrong_filter_acts_on_nothing(officer, supervisor):
    link = LinkFactory(first_reported_by=officer)
    response = post(browser_for(supervisor), "start_review", scope="all", query="state=nonsense")
    assert response.status_code == 302
    assert Link.objects.get(pk=link.pk).state == LinkState.NEW


def test_the_language_switcher_of_the_summary_returns_to_the_list(officer, supervisor):
    """The summary answers a POST: switching language from it leads back to the list the
    selection came from (its own address would answer 405 to the switcher's redirect)."""
    link = LinkFactory(first_reported_by=officer)
    back = f"{LINKS}?state=new"
    response = post(browser_for(supervisor), "start_review", links=[link], next=back)
    assert page(response).xpath("//form[@class='lang']/input[@name='next']/@value") == [back]
