"""A finished batch's results page: the summary at the top, the new / known / invalid tabs
filtered on the server from the stored results, the line as typed beside its canonical form,
bulk work on a tab's links, and the invalid lines corrected and submitted again."""

import re

import pytest
from django.urls import reverse

from portal import submissions
from portal.models import BulkSubmission
from registry.choices import LinkState
from registry.models import Link
from tests.portal.conftest import browser_for, page, texts
from tests.registry.factories import LinkFactory

SUBMIT = reverse("portal:submit")
BULK = reverse("portal:links_bulk")


def submit_list(client, lines):
    response = client.post(SUBMIT, {"mode": "list", "list-urls": "\n".join(lines)})
    assert response.status_code == 302, response.content.decode()[:500]
    return re.search(r"/submit/([0-9a-f-]{36})/", response["Location"])[1]


def batch_url(batch_id, **query):
    url = reverse("portal:submit_batch", args=[batch_id])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def mixed_batch(officer, supervisor):
    """A supervisor's list: two new lines, one known (the officer's, under review), two invalid."""
    known = LinkFactory(
        first_reported_by=officer,
        raw_url="https://propaganda.example/known",
        state=LinkState.UNDER_REVIEW,
    )
    lines = [
        "https://www.propaganda.example/one?utm_source=x",
        "not a url at all",
        "https://propaganda.example/known",
        "hxxps://propaganda[.]example/two",
        "javascript:alert(1)",
    ]
    client = browser_for(supervisor)
    return client, submit_list(client, lines), known


def rows(response):
    return [
        (int(tr.get("data-line")), tr.get("data-status"))
        for tr in page(response).xpath("//tr[contains(@class, 'result ')]")
    ]


def test_the_summary_is_at_the_top_and_each_tab_shows_its_lines(mixed_batch):
    client, batch_id, _known = mixed_batch
    response = client.get(batch_url(batch_id))
    doc = page(response)

    html = response.content.decode()
    assert html.index('id="batch-summary"') < html.index('id="batch-results"')
    tabs = {
        a.get("data-status"): " ".join(a.text_content().split())
        for a in doc.xpath("//nav[contains(@class, 'result-tabs')]/a")
    }
    assert tabs == {"": "All 5", "new": "New 2", "known": "Known 1", "invalid": "Invalid 2"}
    assert rows(response) == [(1, "new"), (2, "invalid"), (3, "known"), (4, "new"), (5, "invalid")]
    assert rows(client.get(batch_url(batch_id, status="new"))) == [(1, "new"), (4, "new")]
    assert rows(client.get(batch_url(batch_id, status="known"))) == [(3, "known")]
    assert rows(client.get(batch_url(batch_id, status="invalid"))) == [
        (2, "invalid"),
        (5, "invalid"),
    ]
    # An unknown filter shows everything rather than nothing.
    assert len(rows(client.get(batch_url(batch_id, status="bogus")))) == 5


def test_each_line_shows_as_typed_beside_its_canonical_form(mixed_batch):
    client, batch_id, _known = mixed_batch
    doc = page(client.get(batch_url(batch_id, status="new")))
    typed = texts(doc, "//td[contains(@class, 'as-typed')]")
    canonical = texts(doc, "//td[contains(@class, 'canonical')]")
    assert typed[0] == "hxxps://www[.]propaganda[.]example/one?utm_source=x"
    assert canonical[0] == "hxxps://propaganda[.]example/one"
    assert typed[1] == "hxxps://propaganda[.]example/two"


def test_the_tabs_are_paged(mixed_batch, monkeypatch):
    client, batch_id, _known = mixed_batch
    monkeypatch.setattr(submissions, "RESULTS_PER_PAGE", 1)
    second = client.get(batch_url(batch_id, status="new", page=2))
    assert rows(second) == [(4, "new")]
    assert page(second).xpath("//nav[@class='pagination']//a[@rel='prev']/@href") == [
        "?status=new&page=1"
    ]


def test_the_invalid_lines_are_offered_for_correction_and_resubmitted(mixed_batch, supervisor):
    client, batch_id, _known = mixed_batch
    doc = page(client.get(batch_url(batch_id)))

    assert doc.xpath("//ul[@class='invalid-lines']/li/@data-line") == ["2", "5"]
    reasons = texts(doc, "//ul[@class='invalid-lines']/li")
    assert reasons[0].startswith("Line 2:") and "javascript" in reasons[1].lower()
    [textarea] = doc.xpath("//section[@id='resubmit']//textarea[@name='list-urls']")
    assert textarea.text_content().strip().splitlines() == [
        "not a url at all",
        "javascript:alert(1)",
    ]
    [form] = doc.xpath("//section[@id='resubmit']//form")
    fresh_batch = form.xpath("string(.//input[@name='list-batch']/@value)")
    assert fresh_batch and fresh_batch != batch_id

    corrected = client.post(
        SUBMIT,
        {
            "mode": "list",
            "list-batch": fresh_batch,
            "list-urls": "https://propaganda.example/three\nhttps://propaganda.example/four",
        },
    )
    assert corrected.status_code == 302
    again = BulkSubmission.objects.get(pk=fresh_batch)
    assert (again.user, again.new_count, again.invalid_count) == (supervisor, 2, 0)
    assert Link.objects.filter(url="https://propaganda.example/three").exists()


def test_every_new_line_of_the_batch_starts_review_in_bulk(mixed_batch):
    client, batch_id, known = mixed_batch
    doc = page(client.get(batch_url(batch_id, status="new")))
    assert doc.xpath("//input[@name='scope']/@value") == ["batch"]
    new_ids = [
        int(v) for v in doc.xpath("//form[@id='bulk-selection']//input[@name='link']/@value")
    ]
    assert len(new_ids) == 2

    response = client.post(
        BULK,
        {
            "bulk-action": "start_review",
            "scope": "batch",
            "batch": batch_id,
            "status": "new",
            "next": batch_url(batch_id, status="new"),
        },
    )

    assert texts(page(response), "//dd[@class='bulk-done']") == ["2"]
    assert set(Link.objects.filter(pk__in=new_ids).values_list("state", flat=True)) == {
        LinkState.UNDER_REVIEW
    }
    assert Link.objects.get(pk=known.pk).state == LinkState.UNDER_REVIEW  # not in the tab
    assert known.pk not in new_ids


def test_another_users_batch_selects_nothing(mixed_batch, other_officer, make_user):
    _client, batch_id, _known = mixed_batch
    from accounts.choices import AgencyKind, Role

    stranger = make_user(Role.SUPERVISOR, kind=AgencyKind.KNB, region="KZ-71")
    client = browser_for(stranger)
    assert client.get(batch_url(batch_id)).status_code == 404
    response = client.post(
        BULK, {"bulk-action": "start_review", "scope": "batch", "batch": batch_id, "status": "new"}
    )
    assert response.status_code == 302
    assert (
        not Link.objects.filter(state=LinkState.UNDER_REVIEW)
        .exclude(url="https://propaganda.example/known")
        .exists()
    )


def test_an_officer_sees_the_results_without_the_bulk_bar(officer):
    client = browser_for(officer)
    batch_id = submit_list(client, ["https://propaganda.example/mine", "bad line"])
    doc = page(client.get(batch_url(batch_id)))
    assert not doc.xpath("//*[@id='bulk-bar']") and not doc.xpath("//input[@name='link']")
    assert doc.xpath("//section[@id='resubmit']")


def test_a_finished_page_costs_a_fixed_number_of_queries(
    officer, supervisor, django_assert_max_num_queries
):
    client = browser_for(supervisor)
    batch_id = submit_list(client, [f"https://propaganda.example/q/{n}" for n in range(300)])
    client.get(batch_url(batch_id))  # warm the session and caches
    with django_assert_max_num_queries(25):
        response = client.get(batch_url(batch_id))
    assert len(rows(response)) == 200
