"""Blocking orders in the portal, from the outside: each role sees and does what the access
policy allows (prosecutors create, sign and send; a regional prosecutor in their region;
officers read the orders covering their agency's links; auditors read all), refusals land on
the field they name and leave nothing saved, and the pages around (registry list, link page,
dashboard) lead to the orders."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.choices import AgencyKind, Role
from checks.models import LinkStats, RepublicationGroup
from orders import services
from orders.choices import (
    DocumentFormat,
    DocumentKind,
    DocumentLanguage,
    OrderKind,
    OrderLinkState,
    OrderState,
    RecipientKind,
)
from orders.models import Order, OrderDocument, OrderLink, Recipient
from portal.templatetags.portal_tags import defang
from portal.views import orders as order_views
from registry.choices import LinkState
from tests.materials.factories import CourtDecisionFactory
from tests.portal.conftest import browser_for, page, texts
from tests.registry.factories import LinkFactory

ARTICLE = "ст. 41-1 п. 1 Закона РК «О связи»"


@pytest.fixture
def ministry(db):
    return Recipient.objects.create(
        name_ru="Министерство информации",
        name_en="Ministry of Information",
        kind=RecipientKind.MINISTRY,
        deadline_hours=24,
    )


@pytest.fixture
def no_rule_recipient(db):
    return Recipient.objects.create(
        name_ru="Хостинг без правила", name_en="Hosting without a rule", kind=RecipientKind.OTHER
    )


def confirmed(officer, n=1, **fields):
    return [
        LinkFactory(first_reported_by=officer, state=LinkState.CONFIRMED, **fields)
        for _ in range(n)
    ]


@pytest.fixture
def links(officer):
    return confirmed(officer, 2)


@pytest.fixture
def draft(prosecutor, ministry, links):
    return services.create_order(prosecutor, recipient=ministry, links=links, law_article=ARTICLE)


def sent(order, prosecutor):
    services.sign_order(prosecutor, order)
    services.send_order(prosecutor, order)
    order.refresh_from_db()
    return order


def act(user, order, action, **data):
    return browser_for(user).post(reverse("portal:order_action", args=[order.pk, action]), data)


def offered_actions(user, order) -> list[str]:
    doc = page(browser_for(user).get(reverse("portal:order", args=[order.pk])))
    return [
        action.rstrip("/").rsplit("/", 1)[-1]
        for action in doc.xpath(
            f"//main//form[starts-with(@action, '/orders/{order.pk}/')]/@action"
        )
    ]


# --- creating ----------------------------------------------------------------------------------
def test_a_prosecutor_creates_a_draft_from_links_ticked_in_the_registry(
    prosecutor, ministry, links
):
    client = browser_for(prosecutor)
    listing = page(client.get(reverse("portal:links")))
    ticked = listing.xpath("//form[@id='order-selection']//input[@name='link']/@value")
    assert sorted(ticked) == sorted(str(link.pk) for link in links)

    query = "&".join(f"link={link.pk}" for link in links)
    form = page(client.get(reverse("portal:order_create") + "?" + query))
    chosen = form.xpath("//ul[@class='chosen-links']//input[@name='links' and @checked]/@value")
    assert sorted(chosen) == sorted(str(link.pk) for link in links)

    response = client.post(
        reverse("portal:order_create"),
        {"links": [link.pk for link in links], "recipient": ministry.pk, "law_article": ARTICLE},
    )
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:order", args=[order.pk])
    assert order.state == OrderState.DRAFT
    assert order.issued_by == prosecutor
    assert set(order.order_links.values_list("link_id", flat=True)) == {link.pk for link in links}


def test_every_confirmed_link_matching_the_registry_filter_can_be_taken(
    prosecutor, officer, ministry
):
    wanted = confirmed(officer, 3)
    LinkFactory(first_reported_by=officer)  # new: not orderable, left out of a filter
    url = reverse("portal:order_create") + "?from_filter=1&state=confirmed&state=new"
    doc = page(browser_for(prosecutor).get(url))
    chosen = doc.xpath("//ul[@class='chosen-links']//input[@name='links']/@value")
    assert sorted(chosen) == sorted(str(link.pk) for link in wanted)


def test_a_link_that_is_not_confirmed_is_refused_on_the_links_field_and_nothing_is_saved(
    prosecutor, officer, ministry, links
):
    unconfirmed = LinkFactory(first_reported_by=officer)
    response = browser_for(prosecutor).post(
        reverse("portal:order_create"),
        {
            "links": [links[0].pk, unconfirmed.pk],
            "recipient": ministry.pk,
            "law_article": ARTICLE,
        },
    )
    assert response.status_code == 400
    errors = texts(page(response), "//div[contains(@class,'field-links')]//p[@class='error']")
    assert errors and "propaganda[.]example" in errors[0]  # the link, named defanged
    assert not Order.objects.exists()
    assert not OrderLink.objects.exists()


def test_an_order_without_legal_basis_is_refused_and_nothing_is_saved(prosecutor, ministry, links):
    response = browser_for(prosecutor).post(
        reverse("portal:order_create"),
        {"links": [link.pk for link in links], "recipient": ministry.pk},
    )
    assert response.status_code == 400
    doc = page(response)
    assert doc.xpath("//p[@class='error']")
    assert not Order.objects.exists()


def test_a_recipient_without_a_deadline_rule_is_refused_on_the_recipient_field(
    prosecutor, no_rule_recipient, links
):
    response = browser_for(prosecutor).post(
        reverse("portal:order_create"),
        {
            "links": [link.pk for link in links],
            "recipient": no_rule_recipient.pk,
            "law_article": ARTICLE,
        },
    )
    assert response.status_code == 400
    assert texts(page(response), "//div[contains(@class,'field-recipient')]//p[@class='error']")
    assert not Order.objects.exists()


def test_a_court_decision_is_found_by_case_number_and_becomes_the_basis(
    prosecutor, ministry, links
):
    decision = CourtDecisionFactory(case_number="2-1234/2019")
    CourtDecisionFactory(case_number="7-999/2020")
    client = browser_for(prosecutor)
    found = page(client.get(reverse("portal:order_decisions") + "?decision_q=1234"))
    assert found.xpath("//input[@name='court_decision']/@value") == ["", str(decision.pk)]

    client.post(
        reverse("portal:order_create"),
        {
            "links": [link.pk for link in links],
            "recipient": ministry.pk,
            "court_decision": decision.pk,
        },
    )
    assert Order.objects.get().court_decision == decision


def test_officers_and_auditors_cannot_open_the_new_order_form(officer, auditor):
    for user in (officer, auditor):
        assert browser_for(user).get(reverse("portal:order_create")).status_code == 404


# --- acting on an order ------------------------------------------------------------------------
def test_a_prosecutor_signs_sends_and_records_acknowledgement(prosecutor, draft):
    assert offered_actions(prosecutor, draft) == ["sign", "edit", "withdraw", "remove"]
    assert act(prosecutor, draft, "sign").status_code == 302
    draft.refresh_from_db()
    assert draft.state == OrderState.SIGNED and draft.signatory == prosecutor

    assert act(prosecutor, draft, "send").status_code == 302
    draft.refresh_from_db()
    assert draft.state == OrderState.SENT
    doc = page(browser_for(prosecutor).get(reverse("portal:order", args=[draft.pk])))
    deadlines = texts(doc, "//table[contains(@class,'order-links')]//td[3]")
    assert all(text and "starts when sent" not in text for text in deadlines)

    assert act(prosecutor, draft, "acknowledge").status_code == 302
    draft.refresh_from_db()
    assert draft.state == OrderState.ACKNOWLEDGED


def test_a_draft_is_edited_and_a_taken_number_is_refused_on_its_field(prosecutor, ministry, links):
    first = services.create_order(
        prosecutor, recipient=ministry, links=links[:1], law_article=ARTICLE
    )
    second = services.create_order(
        prosecutor, recipient=ministry, links=links[1:], law_article=ARTICLE
    )
    fields = {
        "edit-number": second.number,
        "edit-date": "2026-12-01",
        "edit-recipient": ministry.pk,
        "edit-law_article": ARTICLE,
        "edit-note": "Уточнено",
    }
    response = act(prosecutor, first, "edit", **{**fields, "edit-number": second.number})
    assert response.status_code == 400
    errors = texts(
        page(response),
        "//details[contains(@class,'action-edit')]//div[contains(@class,'field-number')]//p[@class='error']",
    )
    assert errors and second.number in errors[0]
    first.refresh_from_db()
    assert first.note == ""

    assert (
        act(prosecutor, first, "edit", **{**fields, "edit-number": "ПР-2026/7777"}).status_code
        == 302
    )
    first.refresh_from_db()
    assert (first.number, first.note) == ("ПР-2026/7777", "Уточнено")


def test_a_withdrawal_needs_a_reason_on_its_field(prosecutor, draft):
    response = act(prosecutor, draft, "withdraw", **{"withdraw-reason": ""})
    assert response.status_code == 400
    assert texts(page(response), "//details[contains(@class,'action-withdraw')]//p[@class='error']")
    draft.refresh_from_db()
    assert draft.state == OrderState.DRAFT


def test_a_refusal_by_the_recipient_is_recorded_with_its_reason(prosecutor, draft):
    sent(draft, prosecutor)
    response = act(prosecutor, draft, "refuse", **{"refuse-reason": "Нет полномочий"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == OrderState.REFUSED


def test_repeat_for_overdue_links_drafts_a_repeated_submission_in_one_click(prosecutor, draft):
    sent(draft, prosecutor)
    assert "repeat" not in offered_actions(prosecutor, draft)  # nothing overdue yet
    late = draft.order_links.first()
    OrderLink.objects.filter(pk=late.pk).update(deadline_at=timezone.now() - timedelta(hours=1))
    assert "repeat" in offered_actions(prosecutor, draft)

    response = act(prosecutor, draft, "repeat")
    repeated = Order.objects.get(kind=OrderKind.REPEATED)
    assert response["Location"] == reverse("portal:order", args=[repeated.pk])
    assert repeated.parent == draft and repeated.recipient == draft.recipient
    assert list(repeated.order_links.values_list("link_id", flat=True)) == [late.link_id]


def test_revoking_links_drafts_a_restoration_notice(prosecutor, draft, links):
    sent(draft, prosecutor)
    response = act(
        prosecutor, draft, "revoke", **{"revoke-links": [links[0].pk], "revoke-reason": "Снято"}
    )
    notice = Order.objects.get(kind=OrderKind.RESTORATION)
    assert response["Location"] == reverse("portal:order", args=[notice.pk])
    assert notice.parent == draft
    assert draft.order_links.get(link=links[0]).state == OrderLinkState.REVOKED
    assert draft.order_links.get(link=links[1]).state != OrderLinkState.REVOKED


def test_revoking_without_choosing_links_is_refused_on_the_links_field(prosecutor, draft):
    sent(draft, prosecutor)
    response = act(prosecutor, draft, "revoke", **{"revoke-reason": "Снято"})
    assert response.status_code == 400
    assert texts(page(response), "//details[contains(@class,'action-revoke')]//p[@class='error']")
    assert not Order.objects.filter(kind=OrderKind.RESTORATION).exists()


def test_links_are_removed_from_a_draft(prosecutor, draft, links):
    response = act(prosecutor, draft, "remove", link=[links[0].pk])
    assert response.status_code == 302
    assert list(draft.order_links.values_list("link_id", flat=True)) == [links[1].pk]


# --- who sees what -----------------------------------------------------------------------------
def test_the_officer_whose_links_are_ordered_reads_the_order_but_cannot_act(
    officer, prosecutor, draft
):
    assert browser_for(officer).get(reverse("portal:order", args=[draft.pk])).status_code == 200
    assert offered_actions(officer, draft) == []
    listed = texts(page(browser_for(officer).get(reverse("portal:orders"))), "//tr/td[1]/a")
    assert listed == [draft.number]
    assert act(officer, draft, "sign").status_code == 403
    draft.refresh_from_db()
    assert draft.state == OrderState.DRAFT


def test_an_officer_of_another_agency_does_not_see_the_order(make_user, draft):
    stranger = make_user(Role.OFFICER, kind=AgencyKind.KNB, region="KZ-71")
    assert browser_for(stranger).get(reverse("portal:order", args=[draft.pk])).status_code == 404
    assert not texts(page(browser_for(stranger).get(reverse("portal:orders"))), "//tr/td[1]/a")


def test_a_regional_prosecutor_works_on_orders_of_their_region_only(
    regional_prosecutor, make_user, ministry, officer, draft
):
    own = services.create_order(
        regional_prosecutor, recipient=ministry, links=confirmed(officer), law_article=ARTICLE
    )
    other = make_user(Role.PROSECUTOR, kind=AgencyKind.PROSECUTOR, region="KZ-71")
    elsewhere_officer = make_user(Role.OFFICER, kind=AgencyKind.POLICE, region="KZ-71")
    elsewhere = services.create_order(
        other, recipient=ministry, links=confirmed(elsewhere_officer), law_article=ARTICLE
    )
    client = browser_for(regional_prosecutor)
    assert client.get(reverse("portal:order", args=[elsewhere.pk])).status_code == 404
    listed = texts(page(client.get(reverse("portal:orders"))), "//tr/td[1]/a")
    assert own.number in listed and elsewhere.number not in listed
    assert draft.number not in listed  # issued by the central office
    assert act(regional_prosecutor, own, "sign").status_code == 302
    assert act(regional_prosecutor, elsewhere, "sign").status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.state == OrderState.DRAFT


def test_an_auditor_reads_every_order_and_acts_on_none(auditor, draft, prosecutor):
    sent(draft, prosecutor)
    listed = texts(page(browser_for(auditor).get(reverse("portal:orders"))), "//tr/td[1]/a")
    assert listed == [draft.number]
    assert offered_actions(auditor, draft) == []
    assert act(auditor, draft, "acknowledge").status_code == 403


def a_document(order, prosecutor):
    return OrderDocument.objects.create(
        order=order,
        kind=DocumentKind.SUBMISSION,
        language=DocumentLanguage.RU,
        format=DocumentFormat.PDF,
        file=ContentFile(b"%PDF-1.4 test", name="test.pdf"),
        sha256="0" * 64,
        size=13,
        generated_by=prosecutor,
    )


def test_documents_download_through_the_policy(prosecutor, officer, make_user, draft):
    document = a_document(draft, prosecutor)
    url = reverse("portal:order_document", args=[draft.pk, document.pk])
    response = browser_for(officer).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert "attachment" in response["Content-Disposition"]
    stranger = make_user(Role.OFFICER, kind=AgencyKind.KNB, region="KZ-71")
    assert browser_for(stranger).get(url).status_code == 404


def test_a_document_listing_a_link_the_officer_may_not_read_is_not_theirs_to_download(
    prosecutor, officer, make_user, ministry
):
    """The order page hides another agency's confidential link from an officer; the document,
    which lists every link of the order, must not hand it over instead."""
    other_officer = make_user(Role.OFFICER, kind=AgencyKind.KNB, region="KZ-71")
    theirs = confirmed(other_officer, confidential=True)
    order = services.create_order(
        prosecutor, recipient=ministry, links=[*confirmed(officer), *theirs], law_article=ARTICLE
    )
    document = a_document(order, prosecutor)
    url = reverse("portal:order_document", args=[order.pk, document.pk])
    assert browser_for(officer).get(reverse("portal:order", args=[order.pk])).status_code == 200
    assert browser_for(officer).get(url).status_code == 404
    assert browser_for(other_officer).get(url).status_code == 404
    assert browser_for(prosecutor).get(url).status_code == 200


# --- the list ----------------------------------------------------------------------------------
def test_the_list_filters_by_state_recipient_and_overdue(prosecutor, ministry, officer, draft):
    other = Recipient.objects.create(
        name_ru="КНБ", name_en="KNB", kind=RecipientKind.NATIONAL_SECURITY, deadline_hours=48
    )
    late = services.create_order(
        prosecutor, recipient=other, links=confirmed(officer), law_article=ARTICLE
    )
    sent(late, prosecutor)
    late.order_links.update(deadline_at=timezone.now() - timedelta(hours=2))
    client = browser_for(prosecutor)

    def numbers(query):
        return texts(page(client.get(reverse("portal:orders") + query)), "//tr/td[1]/a")

    assert sorted(numbers("")) == sorted([draft.number, late.number])
    assert numbers("?state=draft") == [draft.number]
    assert numbers(f"?recipient={ministry.pk}") == [draft.number]
    assert numbers("?overdue=true") == [late.number]


# --- the pages around --------------------------------------------------------------------------
def test_a_links_page_shows_the_orders_that_cover_it(officer, prosecutor, draft, links):
    doc = page(browser_for(officer).get(reverse("portal:link", args=[links[0].pk])))
    assert texts(doc, "//section[contains(@class,'link-orders')]//tbody/tr/td[1]/a") == [
        draft.number
    ]
    assert not doc.xpath("//a[contains(@href, '/orders/new/')]")  # an officer starts none


def test_a_prosecutor_adds_a_link_to_a_draft_from_its_page(prosecutor, officer, draft):
    [extra] = confirmed(officer)
    doc = page(browser_for(prosecutor).get(reverse("portal:link", args=[extra.pk])))
    assert doc.xpath(f"//a[contains(@href, '/orders/new/?link={extra.pk}')]")
    assert doc.xpath("//form[contains(@class,'add-to-order')]//option/@value") == [str(draft.pk)]
    response = browser_for(prosecutor).post(
        reverse("portal:link_add_to_order", args=[extra.pk]), {"add-order": draft.pk}
    )
    assert response["Location"] == reverse("portal:order", args=[draft.pk])
    assert draft.order_links.filter(link=extra).exists()


def test_the_dashboard_counts_overdue_orders_and_links_to_them(prosecutor, draft):
    sent(draft, prosecutor)
    draft.order_links.update(deadline_at=timezone.now() - timedelta(minutes=5))
    doc = page(browser_for(prosecutor).get(reverse("portal:home")))
    [stat] = doc.xpath("//div[contains(@class,'overdue-orders')]")
    assert stat.xpath(".//a/@href") == [reverse("portal:orders") + "?overdue=true"]
    assert stat.xpath("string(.//dd)").strip().startswith("1")


def test_the_order_pages_are_translated(prosecutor, draft):
    client = browser_for(prosecutor)
    for language, word in (("ru", "Подписать"), ("kk", "Қол қою"), ("en", "Sign")):
        client.cookies["django_language"] = language
        body = client.get(reverse("portal:order", args=[draft.pk])).content.decode()
        assert word in body, language


def test_a_whole_republication_group_is_taken_from_a_links_page(prosecutor, officer, ministry):
    first, twin = confirmed(officer, 2)
    outsider = LinkFactory(first_reported_by=officer, state=LinkState.CONFIRMED)
    group = RepublicationGroup.objects.create(
        content_sha256="b" * 64, first_link=first, link_count=2
    )
    LinkStats.objects.create(link=first, republication_group=group)
    LinkStats.objects.create(link=twin, republication_group=group)
    LinkStats.objects.create(link=outsider)

    client = browser_for(prosecutor)
    doc = page(client.get(reverse("portal:link", args=[first.pk])))
    [group_url] = doc.xpath(
        "//section[contains(@class,'link-orders')]//a[contains(@href,'group=')]/@href"
    )
    chosen = page(client.get(group_url)).xpath("//ul[@class='chosen-links']//input/@value")
    assert sorted(chosen) == sorted([str(first.pk), str(twin.pk)])


def test_the_trail_of_an_order_is_read_by_prosecutors_not_by_officers(prosecutor, officer, draft):
    services.sign_order(prosecutor, draft)
    url = reverse("portal:order", args=[draft.pk])
    trail = texts(page(browser_for(prosecutor).get(url)), "//ol[@class='timeline']/li")
    assert len(trail) == 2
    assert f"Signatory: — → {prosecutor.username}" in trail[0]  # a person, not a row id
    assert not page(browser_for(officer).get(url)).xpath("//ol[@class='timeline']/li")


def test_an_order_page_costs_the_same_few_queries_whatever_its_size(
    prosecutor, officer, ministry, django_assert_max_num_queries
):
    small = services.create_order(
        prosecutor, recipient=ministry, links=confirmed(officer, 2), law_article=ARTICLE
    )
    large = services.create_order(
        prosecutor, recipient=ministry, links=confirmed(officer, 40), law_article=ARTICLE
    )
    client = browser_for(prosecutor)
    client.get(reverse("portal:order", args=[small.pk]))  # sessions, caches warmed
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal:order", args=[small.pk]))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("portal:order", args=[large.pk]))


def test_an_officer_sees_only_the_addresses_of_links_they_may_read(
    officer, prosecutor, make_user, ministry
):
    stranger = make_user(Role.OFFICER, kind=AgencyKind.KNB, region="KZ-71")
    [own] = confirmed(officer)
    [foreign] = confirmed(stranger)
    order = services.create_order(
        prosecutor, recipient=ministry, links=[own, foreign], law_article=ARTICLE
    )
    doc = page(browser_for(officer).get(reverse("portal:order", args=[order.pk])))
    cells = texts(doc, "//table[contains(@class,'order-links')]//td[contains(@class,'url-cell')]")
    assert cells == [defang(own.url)]  # the other agency's link is not shown at all
    assert defang(foreign.url) not in doc.text_content()


def test_without_javascript_find_searches_the_decisions_and_creates_nothing(
    prosecutor, ministry, links
):
    wanted = CourtDecisionFactory(court="Медеуский районный суд г. Алматы", case_number="2-55/2024")
    CourtDecisionFactory(court="Есильский районный суд г. Астаны", case_number="2-77/2024")
    response = browser_for(prosecutor).post(
        reverse("portal:order_create"),
        {
            "links": [link.pk for link in links],
            "recipient": ministry.pk,
            "decision_q": "Медеуский",
            "find": "1",
        },
    )
    assert response.status_code == 200
    doc = page(response)
    assert doc.xpath("//input[@name='court_decision']/@value") == ["", str(wanted.pk)]
    assert doc.xpath("//select[@name='recipient']/option[@selected]/@value") == [str(ministry.pk)]
    assert len(doc.xpath("//ul[@class='chosen-links']//input[@checked]")) == 2
    assert not Order.objects.exists()


def test_a_selection_larger_than_an_order_holds_is_refused_before_any_write(
    prosecutor, officer, ministry, monkeypatch
):
    monkeypatch.setattr(order_views, "ORDER_MAX_LINKS", 2)
    many = confirmed(officer, 3)
    client = browser_for(prosecutor)
    doc = page(client.get(reverse("portal:order_create") + "?from_filter=1&state=confirmed"))
    assert "at most 2 links" in doc.text_content()
    assert not doc.xpath("//ul[@class='chosen-links']")
    response = client.post(
        reverse("portal:order_create"),
        {"links": [link.pk for link in many], "recipient": ministry.pk, "law_article": ARTICLE},
    )
    assert response.status_code == 400
    assert not Order.objects.exists()


def test_an_overdue_notification_leads_to_the_overdue_orders(prosecutor, draft):
    sent(draft, prosecutor)
    draft.order_links.update(deadline_at=timezone.now() - timedelta(minutes=5))
    assert services.escalate_overdue() == 2
    doc = page(browser_for(prosecutor).get(reverse("portal:notifications")))
    assert reverse("portal:orders") + "?overdue=true" in doc.xpath(
        "//li[contains(@class,'note')]//a/@href"
    )


def test_the_order_page_leads_to_the_evidence_of_its_links(prosecutor, draft):
    doc = page(browser_for(prosecutor).get(reverse("portal:order", args=[draft.pk])))
    assert doc.xpath(f"//a[@href='{reverse('portal:order_evidence', args=[draft.pk])}']")
