"""Matching on arrival: a new post re-using a banned material's text (or image), or content
already confirmed illegal, is attributed, raises its link's priority, and the source's agency
is told once per watch and material."""

import io
import random

import pytest
from django.urls import reverse
from PIL import Image

from checks.choices import NotificationKind
from checks.models import Notification
from materials.models import Material, MaterialFingerprint
from organizations.models import Organization
from registry.choices import AttributionSource, LinkState
from registry.models import Link, LinkMaterial, LinkOrganization
from sources import matching, watching
from sources.choices import MatchKind
from sources.models import SourceItem
from tests.portal.test_registry_list import listed_ids
from tests.sources.site import posts
from utilities import fingerprints

pytestmark = pytest.mark.django_db

BANNED = (
    "Призыв к насильственному захвату власти и разжиганию вражды: текст брошюры, признанной "
    "судом экстремистской, переписанный в канал слово в слово для распространения. "
)


def banned_material(number=1234, text=BANNED, organization=None):
    material = Material.objects.create(
        number=number, title="Брошюра", kind="print", organization=organization
    )
    fp = fingerprints.text_fingerprints(text)
    MaterialFingerprint.objects.create(
        material=material, kind="text", sha256=fp.sha256, md5=fp.md5,
        text_sha256=fp.text_sha256, tlsh=fp.tlsh or "",
    )  # fmt: skip
    return material


def test_posts_reusing_a_banned_materials_text_are_attributed_and_the_agency_told_once(
    feed_site, add, police
):
    organization = Organization.objects.create(
        name_ru="Запрещённая организация", classification="extremist"
    )
    material = banned_material(organization=organization)
    entries = posts("/post", 5)
    for entry in entries[:3]:
        entry["text"] = BANNED
    feed_site.serve_feed("/feed.xml", entries)
    source = add(feed_site.url("/feed.xml"), title="Канал X")

    [record] = watching.watch_sources([source.pk])

    assert record.matched == 3
    copies = Link.objects.filter(url__in=[feed_site.url(e["path"]) for e in entries[:3]])
    others = Link.objects.filter(url__in=[feed_site.url(e["path"]) for e in entries[3:]])
    assert {link.priority for link in copies} == {matching.PRIORITY_MATERIAL}
    assert {link.priority for link in others} == {0}
    attributions = LinkMaterial.objects.filter(material=material)
    assert {a.link_id for a in attributions} == {link.pk for link in copies}
    assert {a.source for a in attributions} == {AttributionSource.AUTOMATIC}
    assert set(
        LinkOrganization.objects.filter(organization=organization).values_list("link", flat=True)
    ) == {link.pk for link in copies}
    items = SourceItem.objects.filter(link__in=copies)
    assert {(i.material_id, i.match_kind) for i in items} == {(material.pk, MatchKind.EXACT)}
    [note] = Notification.objects.filter(kind=NotificationKind.SOURCE_MATCH)
    assert note.agency_id == police.agency_id
    assert "3" in note.message and "1234" in note.message and "Канал X" in note.message

    watching.watch_sources([source.pk])  # nothing new: nobody is told again
    assert Notification.objects.filter(kind=NotificationKind.SOURCE_MATCH).count() == 1


def long_text(seed: int = 1) -> str:
    """A long text without repeats (TLSH needs variety to be stable)."""
    rng = random.Random(seed)
    words = [
        "власть",
        "народ",
        "борьба",
        "государство",
        "вера",
        "закон",
        "свобода",
        "страна",
        "сила",
        "путь",
        "правда",
    ]
    return " ".join(f"{rng.choice(words)}{rng.randrange(1000)}" for _ in range(200))


def test_a_slightly_edited_copy_matches_by_near_duplicate_text(feed_site, add):
    text = long_text()
    material = banned_material(text=text)
    entries = posts("/post", 1)
    entries[0]["text"] = text.replace(text.split()[5], "изменено", 1)
    feed_site.serve_feed("/feed.xml", entries)
    source = add(feed_site.url("/feed.xml"))

    watching.watch_sources([source.pk])

    item = SourceItem.objects.get(source=source)
    assert item.material == material and item.match_kind == MatchKind.TLSH


def test_a_repost_of_content_already_confirmed_illegal_matches_that_link(feed_site, add, make_user):
    first = posts("/a", 1)
    first[0]["text"] = BANNED
    feed_site.serve_feed("/a.xml", first)
    origin = add(feed_site.url("/a.xml"))
    watching.watch_sources([origin.pk])
    confirmed = Link.objects.get(url=feed_site.url("/a/0"))
    Link.objects.filter(pk=confirmed.pk).update(state=LinkState.CONFIRMED)

    repost = posts("/b", 2)
    repost[1]["text"] = BANNED
    feed_site.serve_feed("/b.xml", repost)
    knb = make_user("officer", kind="knb", region="KZ-11")
    other = add(feed_site.url("/b.xml"), actor=knb, title="Канал Y")
    [record] = watching.watch_sources([other.pk])

    assert record.matched == 1
    item = SourceItem.objects.get(source=other, link__url=feed_site.url("/b/1"))
    assert item.matched_link_id == confirmed.pk and item.match_kind == MatchKind.EXACT
    assert item.link.priority == matching.PRIORITY_CONFIRMED
    [note] = Notification.objects.filter(kind=NotificationKind.SOURCE_MATCH)
    assert note.agency_id == knb.agency_id and "Канал Y" in note.message


def png(seed: int) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (128, 128))
    image.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(128 * 128)])
    image = image.resize((256, 256))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_a_post_with_a_banned_image_matches_by_pdq(feed_site, add):
    data = png(7)
    fp = fingerprints.file_fingerprints(data, content_type="image/png")
    assert fp.pdq and fp.pdq_quality >= fingerprints.PDQ_MIN_QUALITY
    material = Material.objects.create(number=77, title="Плакат", kind="image")
    MaterialFingerprint.objects.create(
        material=material, kind="image", sha256="e" * 64, md5="0" * 32,
        pdq=fp.pdq, pdq_quality=fp.pdq_quality,
    )  # fmt: skip
    feed_site.serve("/img/1.png", data, content_type="image/png")
    entries = posts("/post", 2)
    entries[0]["image"] = "/img/1.png"
    feed_site.serve_feed("/feed.xml", entries)
    source = add(feed_site.url("/feed.xml"))

    [record] = watching.watch_sources([source.pk])

    assert record.matched == 1
    item = SourceItem.objects.get(source=source, link__url=feed_site.url("/post/0"))
    assert item.material == material and item.match_kind == MatchKind.PDQ and item.pdq
    assert "/img/1.png" in feed_site.hits


def test_images_fetched_per_watch_are_bounded(feed_site, add, settings):
    settings.SOURCES_MEDIA_PER_WATCH = 2
    entries = posts("/post", 5)
    for n, entry in enumerate(entries):
        entry["image"] = f"/img/{n}.png"
        feed_site.serve(f"/img/{n}.png", png(n), content_type="image/png")
    feed_site.serve_feed("/feed.xml", entries)
    source = add(feed_site.url("/feed.xml"))

    watching.watch_sources([source.pk])

    assert len([hit for hit in feed_site.hits if hit.startswith("/img/")]) == 2


def test_items_of_an_organizations_source_are_attributed_to_it(feed_site, add):
    organization = Organization.objects.create(name_ru="Организация", classification="terrorist")
    feed_site.serve_feed("/feed.xml", posts("/post", 2))
    source = add(feed_site.url("/feed.xml"), organization=organization)

    watching.watch_sources([source.pk])

    assert LinkOrganization.objects.filter(organization=organization).count() == 2


def test_the_registry_list_and_api_put_raised_priority_first(client_for, police, feed_site, add):
    banned_material()
    entries = posts("/post", 3)
    entries[1]["text"] = BANNED
    feed_site.serve_feed("/feed.xml", entries)
    watching.watch_sources([add(feed_site.url("/feed.xml")).pk])
    copy = Link.objects.get(url=feed_site.url("/post/1"))

    client = client_for(police)
    page = client.get(reverse("portal:links"), {"sort": "-priority"})
    assert page.status_code == 200
    assert listed_ids(page)[0] == copy.pk
    body = client.get(f"/api/v1/links/{copy.pk}/").json()
    assert body["priority"] == matching.PRIORITY_MATERIAL
