"""The registry search box finds a link by any fragment an officer remembers: a channel name, a
video id, a host, a material's number or title words, a court case number; and it never finds
a link the access policy hides."""

import pytest
from django.urls import reverse

from accounts.choices import AgencyKind, Role
from registry.models import LinkMaterial, LinkOrganization
from tests.materials.factories import CourtDecisionFactory, MaterialFactory, OrganizationFactory
from tests.portal.conftest import browser_for
from tests.portal.test_registry_list import listed_ids
from tests.registry.factories import LinkFactory

LIST = reverse("portal:links")


@pytest.fixture
def world(officer, make_user):
    decision = CourtDecisionFactory(case_number="ДЕМО-2015-0020")
    material = MaterialFactory(number=20, title="Брошюра «Путь джихада»", decision=decision)
    organization = OrganizationFactory()
    organization.decisions.add(CourtDecisionFactory(case_number="2-1234/2019"))
    post = LinkFactory(raw_url="https://t.me/secret_op_channel/123", first_reported_by=officer)
    video = LinkFactory(raw_url="https://youtu.be/dQw4w9WgXcQ", first_reported_by=officer)
    site = LinkFactory(raw_url="https://propaganda.example/page", first_reported_by=officer)
    other = LinkFactory(raw_url="https://vk.com/wall-1_2", first_reported_by=officer)
    LinkMaterial.objects.create(link=site, material=material, added_by=officer)
    LinkOrganization.objects.create(link=other, organization=organization, added_by=officer)
    return {"post": post, "video": video, "site": site, "other": other}


def found(user, term) -> list[int]:
    return sorted(listed_ids(browser_for(user).get(LIST, {"q": term})))


@pytest.mark.parametrize(
    "term",
    [
        "t.me/secret_op_channel",
        "secret_op_channel",
        "@secret_op_channel",
        "https://t.me/secret_op_channel",
    ],
)
def test_a_channel_name_finds_its_posts(officer, world, term):
    assert found(officer, term) == [world["post"].pk]


def test_a_youtube_video_id_finds_the_video(officer, world):
    assert found(officer, "dQw4w9WgXcQ") == [world["video"].pk]


def test_a_host_finds_every_link_on_it(officer, world):
    assert found(officer, "propaganda.example") == [world["site"].pk]


def test_a_materials_number_or_title_words_find_the_links_attributed_to_it(officer, world):
    assert found(officer, "№ 20") == [world["site"].pk]
    assert found(officer, "путь джихада") == [world["site"].pk]


def test_a_court_case_number_finds_the_links_of_its_material_or_organization(officer, world):
    assert found(officer, "ДЕМО-2015-0020") == [world["site"].pk]
    assert found(officer, "2-1234/2019") == [world["other"].pk]


def test_a_fragment_that_names_nothing_finds_nothing(officer, world):
    assert found(officer, "nothing_like_this") == []
    assert found(officer, "ab") == []


def test_another_agencys_confidential_link_is_not_found_by_fragment(officer, make_user):
    secret = LinkFactory(
        raw_url="https://t.me/hidden_channel/7", first_reported_by=officer, confidential=True
    )
    material = MaterialFactory(number=77, title="Листовка «Тайная»")
    LinkMaterial.objects.create(link=secret, material=material, added_by=officer)
    # A supervisor of another agency in the same region reads the region's open links only.
    supervisor = make_user(Role.SUPERVISOR, kind=AgencyKind.KNB, region="KZ-75")
    open_post = LinkFactory(raw_url="https://t.me/region_open_channel/8", first_reported_by=officer)
    assert found(supervisor, "region_open_channel") == [open_post.pk]
    for term in (
        "hidden_channel",
        "t.me/hidden_channel",
        "№ 77",
        "листовка тайная",
        str(secret.pk),
    ):
        assert found(supervisor, term) == [], term
    assert found(officer, "t.me/hidden_channel/7") == [secret.pk]


def test_a_url_fragment_is_looked_up_in_the_trigram_index(db):
    from django.db import connection

    from registry.models import Link

    with connection.cursor() as cursor:
        # On a near-empty table a scan is cheaper; take it away to see which index serves.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    fragment = Link.objects.filter(url__icontains="secret_op_channel").order_by().values("pk")
    plan = fragment.explain()
    assert "link_url_trgm_idx" in plan
