"""The watched sources' pages from the outside: who sees which sources (list, counts, detail,
dashboard), who may add, pause, resume, watch now and register the channel, forged POSTs from
other agencies, regions and roles, bad input on the form, the organization's "watch this
presence" and a channel's posts on its link's page."""

import pytest
from django.urls import reverse

from accounts.choices import AgencyKind, AgencyLevel, Role
from materials.models import Material
from organizations.models import OnlinePresence, Organization
from registry.choices import ReportSource
from registry.services import submit_urls
from sources import services
from sources.choices import MatchKind, SourceState
from sources.models import Source, SourceItem, SourceWatch
from tests.factories import AgencyFactory, UserFactory, region
from tests.portal.conftest import browser_for, page, texts

pytestmark = pytest.mark.django_db


def link_ids(user, urls) -> list[int]:
    answers = submit_urls(urls, user=user, source=ReportSource.MONITOR)
    return [answer.link for answer in answers]


@pytest.fixture
def world(central_agency):
    """Police of Almaty (KZ-75) and KNB of Astana (KZ-71), each with a source; prosecutors of
    both regions and the centre, an auditor and an administrator."""
    police = AgencyFactory(code="police-KZ-75", kind=AgencyKind.POLICE, region=region("KZ-75"))
    knb = AgencyFactory(code="knb-KZ-71", kind=AgencyKind.KNB, region=region("KZ-71"))
    prosecutors_75 = AgencyFactory(
        code="prosecutor-KZ-75", kind=AgencyKind.PROSECUTOR, region=region("KZ-75")
    )
    prosecutors_71 = AgencyFactory(
        code="prosecutor-KZ-71", kind=AgencyKind.PROSECUTOR, region=region("KZ-71")
    )
    users = {
        "officer": UserFactory(username="officer", agency=police, roles=[Role.OFFICER]),
        "supervisor": UserFactory(username="supervisor", agency=police, roles=[Role.SUPERVISOR]),
        "analyst": UserFactory(username="analyst", agency=police, roles=[Role.ANALYST]),
        "knb_officer": UserFactory(username="knb_officer", agency=knb, roles=[Role.OFFICER]),
        "prosecutor_75": UserFactory(
            username="prosecutor_75", agency=prosecutors_75, roles=[Role.PROSECUTOR]
        ),
        "prosecutor_71": UserFactory(
            username="prosecutor_71", agency=prosecutors_71, roles=[Role.PROSECUTOR]
        ),
        "central_prosecutor": UserFactory(
            username="central_prosecutor", agency=central_agency, roles=[Role.PROSECUTOR]
        ),
        "auditor": UserFactory(username="auditor", agency=central_agency, roles=[Role.AUDITOR]),
        "admin": UserFactory(
            username="admin", agency=central_agency, roles=[Role.ADMIN], is_staff=True
        ),
    }
    assert central_agency.level == AgencyLevel.REPUBLICAN
    police_source = services.add_source(
        actor=users["officer"], url="https://t.me/almaty_channel", title="Алматинский канал"
    )
    knb_source = services.add_source(
        actor=users["knb_officer"], url="https://t.me/astana_channel", title="Астанинский канал"
    )
    material = Material.objects.create(number=1234, title="Запрещённая брошюра")
    for source, actor, prefix in (
        (police_source, users["officer"], "almaty_channel"),
        (knb_source, users["knb_officer"], "astana_channel"),
    ):
        watch = SourceWatch.objects.create(source=source, found=3, new=3, repeats=2, matched=1)
        for n, link_id in enumerate(
            link_ids(actor, [f"https://t.me/{prefix}/{n}" for n in (1, 2, 3)])
        ):
            SourceItem.objects.create(
                source=source,
                link_id=link_id,
                watch=watch,
                views=100 * (n + 1),
                excerpt=f"Пост {n}",
                material=material if n == 0 else None,
                match_kind=MatchKind.EXACT if n == 0 else "",
            )
    return {"users": users, "police": police_source, "knb": knb_source}


# Who reads which source (sources/access.py): an agency's sources are its own; prosecutors of
# the region and the centre, and auditors, see them; administrators see no case content.
READERS = {
    "officer": {"police"},
    "supervisor": {"police"},
    "analyst": {"police"},
    "knb_officer": {"knb"},
    "prosecutor_75": {"police"},
    "prosecutor_71": {"knb"},
    "central_prosecutor": {"police", "knb"},
    "auditor": {"police", "knb"},
    "admin": set(),
}
# Who may pause, resume, watch now, register the channel.
CHANGERS = {
    "officer": {"police"},
    "supervisor": {"police"},
    "analyst": set(),
    "knb_officer": {"knb"},
    "prosecutor_75": {"police"},
    "prosecutor_71": {"knb"},
    "central_prosecutor": {"police", "knb"},
    "auditor": set(),
    "admin": set(),
}


def listed(client, query: str = "") -> set[int]:
    doc = page(client.get(reverse("portal:sources") + query))
    hrefs = doc.xpath("//table[contains(@class, 'sources')]//a/@href")
    return {int(href.rstrip("/").rsplit("/", 1)[1]) for href in hrefs if "/sources/" in href}


@pytest.mark.parametrize("who", list(READERS))
def test_each_user_lists_counts_and_opens_exactly_the_sources_they_may_read(world, who):
    client = browser_for(world["users"][who])
    expected = {world[name].pk for name in READERS[who]}
    response = client.get(reverse("portal:sources"))
    if not READERS[who]:
        assert response.status_code == 404  # no source to read: no such page
    else:
        assert response.status_code == 200
        assert listed(client) == expected
        count = texts(page(response), "//p[@class='count']")[0]
        assert count.startswith(f"{len(expected)} source"), count
    for name in ("police", "knb"):
        detail = client.get(reverse("portal:source", args=[world[name].pk]))
        assert detail.status_code == (200 if name in READERS[who] else 404), name


@pytest.mark.parametrize("who", list(READERS))
@pytest.mark.parametrize("action", ["pause", "watch", "channel-link"])
def test_actions_are_refused_from_outside_and_change_nothing(world, who, action):
    """A forged POST: 404 for a source the user may not read, 403 for one they read but may
    not change; the source stays as it was."""
    client = browser_for(world["users"][who])
    for name in ("police", "knb"):
        source = world[name]
        before = Source.objects.values("state", "channel_link", "next_watch_at").get(pk=source.pk)
        response = client.post(reverse("portal:source_action", args=[source.pk, action]))
        if name in CHANGERS[who]:
            assert response.status_code == 302, (who, name)
            continue
        expected = 403 if name in READERS[who] else 404
        assert response.status_code == expected, (who, name)
        after = Source.objects.values("state", "channel_link", "next_watch_at").get(pk=source.pk)
        assert after == before


def test_actions_answer_only_posts(world):
    client = browser_for(world["users"]["officer"])
    url = reverse("portal:source_action", args=[world["police"].pk, "pause"])
    assert client.get(url).status_code == 405
    assert Source.objects.get(pk=world["police"].pk).state == SourceState.ACTIVE


def test_pause_and_resume_from_the_page(world):
    client = browser_for(world["users"]["officer"])
    source = world["police"]
    url = reverse("portal:source", args=[source.pk])
    doc = page(client.get(url))
    assert doc.xpath("//form[contains(@action, '/pause/')]")
    response = client.post(reverse("portal:source_action", args=[source.pk, "pause"]), follow=True)
    assert "The source is paused." in texts(page(response), "//p[contains(@class,'message')]")
    assert Source.objects.get(pk=source.pk).state == SourceState.PAUSED
    doc = page(client.get(url))
    assert doc.xpath("//form[contains(@action, '/resume/')]")
    assert not doc.xpath("//form[contains(@action, '/pause/')]")
    # Pausing again is a state conflict said in words, not an error page.
    response = client.post(reverse("portal:source_action", args=[source.pk, "pause"]), follow=True)
    assert any("Only a watched source can be paused" in t for t in texts(page(response), "//p"))
    client.post(reverse("portal:source_action", args=[source.pk, "resume"]))
    assert Source.objects.get(pk=source.pk).state == SourceState.ACTIVE


def test_readers_who_may_not_change_are_offered_no_action(world):
    for who in ("analyst", "auditor"):
        doc = page(browser_for(world["users"][who]).get(
            reverse("portal:source", args=[world["police"].pk])
        ))  # fmt: skip
        assert not doc.xpath("//form[contains(@action, '/sources/')]"), who


def test_the_detail_shows_posts_defanged_matches_highlighted_and_statistics(world):
    client = browser_for(world["users"]["officer"])
    source = world["police"]
    response = client.get(reverse("portal:source", args=[source.pk]))
    body = response.content.decode()
    assert "https://t.me" not in body  # every address defanged
    doc = page(response)
    items = doc.xpath("//ul[contains(@class,'source-items')]/li")
    assert len(items) == 3
    matched = doc.xpath("//li[contains(@class,'source-item') and contains(@class,'matched')]")
    assert len(matched) == 1
    assert "material No. 1234" in matched[0].text_content()
    # Each post links to its registry page, never to the address itself.
    hrefs = doc.xpath("//li[contains(@class,'source-item')]//a[@class='link-ref']/@href")
    assert len(hrefs) == 3 and all(h.startswith("/links/") for h in hrefs)
    stats = dict(
        zip(
            texts(doc, "//dl[contains(@class,'source-stats')]//dt"),
            texts(doc, "//dl[contains(@class,'source-stats')]//dd"),
            strict=True,
        )
    )
    assert stats["Posts"] == "3" and stats["Repeats"] == "2" and stats["Matched"] == "1"
    assert stats["Views"] == "600" and stats["Watches"] == "1"
    assert doc.xpath("//figure[@class='chart']//svg")


def test_a_post_whose_link_is_another_agencys_confidential_link_is_listed_without_address(
    world,
):
    users = world["users"]
    # KNB registered this post first, as confidential; the police source found it too.
    (link_id,) = [
        a.link
        for a in submit_urls(
            ["https://t.me/almaty_channel/99"], user=users["knb_officer"], confidential=True
        )
    ]
    SourceItem.objects.create(source=world["police"], link_id=link_id, excerpt="секрет")
    doc = page(browser_for(users["officer"]).get(
        reverse("portal:source", args=[world["police"].pk])
    ))  # fmt: skip
    body = " ".join(texts(doc, "//ul[contains(@class,'source-items')]"))
    assert "confidential link, not shown to you" in body
    assert "almaty_channel/99" not in body and "секрет" not in body


def test_the_list_filters_by_state_kind_agency_and_failing(world):
    users = world["users"]
    client = browser_for(users["central_prosecutor"])
    police, knb = world["police"].pk, world["knb"].pk
    services.pause_source(knb, actor=users["knb_officer"])
    Source.objects.filter(pk=police).update(
        consecutive_failures=2, last_error_code="not_found", last_error_detail="404"
    )
    assert listed(client, "?state=paused") == {knb}
    assert listed(client, "?state=active") == {police}
    assert listed(client, "?agency=knb-KZ-71") == {knb}
    assert listed(client, "?kind=telegram") == {police, knb}
    assert listed(client, "?kind=rss") == set()
    assert listed(client, "?failing=true") == {police}
    doc = page(client.get(reverse("portal:sources") + "?failing=true"))
    # The last error in the reader's language, with how many failures in a row.
    assert "Channel or page not found" in " ".join(texts(doc, "//tr[contains(@class,'failing')]"))
    response = client.get(reverse("portal:sources") + "?state=nonsense")
    assert response.status_code == 400 and listed(client, "?state=nonsense") == set()


def test_the_list_shows_posts_a_day_and_last_watch(world):
    doc = page(browser_for(world["users"]["officer"]).get(reverse("portal:sources")))
    (row,) = doc.xpath("//tr[contains(@class,'source-row')]")
    cells = [" ".join(td.text_content().split()) for td in row.xpath("td")]
    assert cells[4] == "0.4"  # 3 posts in the last 7 days
    assert cells[5] == "3" and cells[6] == "1"


# --- adding --------------------------------------------------------------------------------
def test_an_officer_adds_a_source_and_lands_on_its_page(world):
    client = browser_for(world["users"]["officer"])
    response = client.post(
        reverse("portal:source_add"),
        {"url": "https://t.me/new_channel", "kind": "", "interval_minutes": "30"},
    )
    source = Source.objects.get(url="https://t.me/new_channel")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:source", args=[source.pk])
    assert source.agency == world["users"]["officer"].agency and source.interval_minutes == 30


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"url": ""}, "url", "This field is required"),
        ({"url": "https://example.kz/about"}, "url", "Cannot tell what kind of source"),
        ({"url": "https://example.kz/news", "kind": "pattern", "pattern": "(a+)+$"}, "pattern", ""),
        (
            {"url": "https://t.me/x_chan", "kind": "telegram", "pattern": "n"},
            "pattern",
            "page source",
        ),
        ({"url": "https://t.me/x_channel", "interval_minutes": "1"}, "interval_minutes", ""),
    ],
)
def test_bad_input_is_refused_on_the_field_and_nothing_is_saved(world, data, field, words):
    client = browser_for(world["users"]["officer"])
    before = Source.objects.count()
    response = client.post(reverse("portal:source_add"), {"interval_minutes": "60", **data})
    assert response.status_code == 400
    doc = page(response)
    errors = texts(doc, f"//div[contains(@class,'field-{field}')]//p[@class='error']")
    assert errors, doc.xpath("//p[@class='error']")
    assert words in " ".join(errors)
    assert Source.objects.count() == before


def test_a_second_add_of_the_same_address_names_the_source_that_watches_it(world):
    client = browser_for(world["users"]["officer"])
    response = client.post(
        reverse("portal:source_add"),
        {"url": "https://t.me/almaty_channel", "interval_minutes": "60"},
    )
    assert response.status_code == 400
    doc = page(response)
    assert f"source No. {world['police'].pk}" in " ".join(texts(doc, "//p[@class='error']"))
    assert reverse("portal:source", args=[world["police"].pk]) in doc.xpath("//a/@href")


def test_the_add_form_is_for_those_who_may_add(world):
    for who, status in (("analyst", 403), ("auditor", 403), ("admin", 403), ("officer", 200)):
        client = browser_for(world["users"][who])
        assert client.get(reverse("portal:source_add")).status_code == status, who
        if status == 403:
            response = client.post(
                reverse("portal:source_add"), {"url": "https://t.me/forged", "interval_minutes": 60}
            )
            assert response.status_code == 403, who
    assert not Source.objects.filter(url="https://t.me/forged").exists()


def test_the_organization_list_offers_only_readable_organizations(world):
    doc = page(browser_for(world["users"]["officer"]).get(reverse("portal:source_add")))
    assert doc.xpath("//select[@name='organization']")


# --- an organization's presence --------------------------------------------------------------
@pytest.fixture
def presence(world):
    organization = Organization.objects.create(
        name_ru="Запрещённая организация", classification="extremist"
    )
    return OnlinePresence.objects.create(
        organization=organization, platform="telegram", handle="@banned_channel"
    )


def test_an_officer_watches_an_organizations_presence_from_its_page(world, presence):
    client = browser_for(world["users"]["officer"])
    org_url = reverse("portal:organization", args=[presence.organization_id])
    doc = page(client.get(org_url))
    (form,) = doc.xpath("//form[contains(@class,'watch-presence')]")
    response = client.post(form.get("action"))
    source = Source.objects.get(presence=presence)
    assert response["Location"] == reverse("portal:source", args=[source.pk])
    assert source.organization_id == presence.organization_id
    assert source.agency == world["users"]["officer"].agency
    # Now the page says it is watched, and a second POST leads to the same source.
    doc = page(client.get(org_url))
    assert not doc.xpath("//form[contains(@class,'watch-presence')]")
    assert reverse("portal:source", args=[source.pk]) in doc.xpath("//a/@href")
    again = client.post(reverse("portal:presence_watch", args=[presence.pk]))
    assert again["Location"] == reverse("portal:source", args=[source.pk])
    assert Source.objects.filter(presence=presence).count() == 1


def test_another_agency_watches_the_same_presence_for_itself(world, presence):
    client = browser_for(world["users"]["knb_officer"])
    client.post(reverse("portal:presence_watch", args=[presence.pk]))
    client = browser_for(world["users"]["officer"])
    client.post(reverse("portal:presence_watch", args=[presence.pk]))
    assert sorted(
        Source.objects.filter(presence=presence).values_list("agency__code", flat=True)
    ) == [
        "knb-KZ-71",
        "police-KZ-75",
    ]


def test_readers_who_may_not_add_get_no_button_and_a_forged_post_is_refused(world, presence):
    for who in ("analyst", "auditor"):
        client = browser_for(world["users"][who])
        doc = page(client.get(reverse("portal:organization", args=[presence.organization_id])))
        assert not doc.xpath("//form[contains(@class,'watch-presence')]"), who
        assert client.post(reverse("portal:presence_watch", args=[presence.pk])).status_code == 403
    assert not Source.objects.filter(presence=presence).exists()
    client = browser_for(world["users"]["officer"])
    assert client.post(reverse("portal:presence_watch", args=[999999])).status_code == 404


# --- the channel as a link -------------------------------------------------------------------
def test_the_channels_link_page_lists_its_posts_for_those_who_read_the_source(world):
    users = world["users"]
    source = world["police"]
    client = browser_for(users["officer"])
    response = client.post(reverse("portal:source_action", args=[source.pk, "channel-link"]))
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.channel_link is not None
    doc = page(client.get(reverse("portal:link", args=[source.channel_link_id])))
    (section,) = doc.xpath("//section[contains(@class,'channel-posts')]")
    assert len(section.xpath(".//li[contains(@class,'source-item')]")) == 3
    assert reverse("portal:source", args=[source.pk]) in section.xpath(".//a/@href")
    # The KNB officer may read the (open) channel link, not the police's source: no posts.
    other = browser_for(users["knb_officer"]).get(
        reverse("portal:link", args=[source.channel_link_id])
    )
    if other.status_code == 200:
        assert not page(other).xpath("//section[contains(@class,'channel-posts')]")
        assert "almaty_channel/1" not in other.content.decode()


# --- the dashboard --------------------------------------------------------------------------
def test_the_dashboard_shows_active_sources_and_matches_only_of_readable_sources(world):
    users = world["users"]
    police_doc = page(browser_for(users["officer"]).get(reverse("portal:home")))
    active = " ".join(texts(police_doc, "//section[contains(@class,'active-sources')]"))
    matches = " ".join(texts(police_doc, "//section[contains(@class,'newest-matches')]"))
    assert "Алматинский канал" in active and "Астанинский канал" not in active
    assert "material No. 1234" in matches
    assert len(police_doc.xpath("//section[contains(@class,'newest-matches')]//li")) == 1
    # The KNB officer sees their own, nothing of the police's: no title, no count.
    knb_doc = page(browser_for(users["knb_officer"]).get(reverse("portal:home")))
    knb_text = " ".join(texts(knb_doc, "//main"))
    assert "Алматинский" not in knb_text and "almaty" not in knb_text
    assert len(knb_doc.xpath("//section[contains(@class,'newest-matches')]//li")) == 1
    central = page(browser_for(users["central_prosecutor"]).get(reverse("portal:home")))
    assert len(central.xpath("//section[contains(@class,'newest-matches')]//li")) == 2


def test_an_agency_without_sources_sees_no_activity_from_others(world, make_user):
    stranger = make_user(Role.OFFICER, kind=AgencyKind.AKIMAT, region="KZ-75")
    doc = page(browser_for(stranger).get(reverse("portal:home")))
    assert "No watched source found a new post lately." in " ".join(texts(doc, "//main"))
    assert not doc.xpath("//section[contains(@class,'newest-matches')]//li")
    assert listed(browser_for(stranger)) == set()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", ["Наблюдаемые источники", "Публикаций в день", "Наблюдать новый источник"]),
        ("kk", ["Дереккөздер", "Күніне жарияланым", "Жаңа дереккөзді бақылау"]),
    ],
)
def test_the_pages_speak_russian_and_kazakh(world, language, words):
    from django.conf import settings

    client = browser_for(world["users"]["officer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    listing = client.get(reverse("portal:sources")).content.decode()
    for word in words:
        assert word in listing, word
    detail = client.get(reverse("portal:source", args=[world["police"].pk]))
    assert detail.status_code == 200
    home = client.get(reverse("portal:home"))
    assert home.status_code == 200
