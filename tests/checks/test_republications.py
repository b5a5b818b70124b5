"""Repeated publications: the same text at a new URL, exactly or with small changes (TLSH)."""

import random

import pytest

from accounts.choices import Role
from checks import recording, republications
from checks.models import LinkStats, RepublicationGroup
from tests.checks import sites
from tests.checks.sites import page, register
from utilities import fingerprints

site_ca, site = sites.site_ca, sites.site  # the local HTTPS site's fixtures

pytestmark = pytest.mark.django_db

PROPAGANDA = str.split(
    "призыв джихад братья вступайте ряды борьба неверные халифат оружие война священная "
    "молодёжь вербовка канал подписывайтесь распространяйте видео обращение лидер город "
    "власть государство закон суд ответ время день народ земля вера сила путь"
)
HARVEST = str.split(
    "урожай пшеница поле фермер трактор погода дождь солнце осень уборка зерно элеватор "
    "цена рынок тонна гектар область район посевная весна семена удобрение техника"
)


def text(words: list[str], seed: int, size: int = 4000) -> str:
    """A deterministic text of about `size` bytes (long enough for TLSH to be stable)."""
    rng, out, length = random.Random(seed), [], 0
    while length < size:
        out.append(rng.choice(words))
        length += len(out[-1].encode()) + 1
    return " ".join(out)


def edited(original: str, positions=(10, 100, 200)) -> str:
    """The same text with a few words changed, as a republisher would."""
    words = original.split()
    for position in positions:
        words[position] = "изменено"
    return " ".join(words)


ORIGINAL = text(PROPAGANDA, seed=1)
REPUBLISHED = edited(ORIGINAL)
UNRELATED = text(HARVEST, seed=1)


def tlsh_of(body: str) -> str:
    return fingerprints.text_fingerprints(fingerprints.html_to_text(page("T", body).decode())).tlsh


@pytest.fixture
def officer(make_user):
    return make_user(Role.OFFICER)


def test_the_sample_texts_are_what_the_tests_need():
    """Real TLSH hashes: the edited copy is within the threshold, the unrelated text far."""
    near = fingerprints.tlsh_distance(tlsh_of(ORIGINAL), tlsh_of(REPUBLISHED))
    far = fingerprints.tlsh_distance(tlsh_of(ORIGINAL), tlsh_of(UNRELATED))
    assert 0 < near <= fingerprints.TLSH_MATCH_THRESHOLD < 2 * fingerprints.TLSH_MATCH_THRESHOLD
    assert far > 2 * fingerprints.TLSH_MATCH_THRESHOLD
    assert ORIGINAL != REPUBLISHED


def test_edited_text_at_a_new_url_joins_the_earlier_links_group(site, officer):
    site.serve("/original", page("Обращение", ORIGINAL))
    site.serve("/copy", page("Обращение (копия)", REPUBLISHED))
    site.serve("/news", page("Новости", UNRELATED))
    [first] = register(officer, site.url("/original"))
    copy, news = register(officer, site.url("/copy"), site.url("/news"))

    recording.run_checks([first.pk])
    recording.run_checks([copy.pk])
    recording.run_checks([news.pk])

    group = RepublicationGroup.objects.get()
    assert group.first_link == first and group.link_count == 2
    assert set(group.members.values_list("link_id", flat=True)) == {first.pk, copy.pk}
    assert LinkStats.objects.get(link=news).republication_group is None
    stats = LinkStats.objects.get(link=copy)
    assert stats.tlsh == tlsh_of(REPUBLISHED)
    assert stats.tlsh_length == republications.tlsh_length(stats.tlsh)


def test_edited_text_joins_a_group_of_exact_copies(site, officer):
    site.serve("/a", page("A", ORIGINAL))
    site.serve("/b", page("B", ORIGINAL))
    site.serve("/c", page("C", REPUBLISHED))
    links = register(officer, site.url("/a")) + register(officer, site.url("/b"), site.url("/c"))

    for link in links:
        recording.run_checks([link.pk])

    group = RepublicationGroup.objects.get()
    assert group.link_count == 3
    assert group.first_link == links[0]


def test_near_duplicates_checked_in_one_batch_are_grouped(site, officer):
    site.serve("/a", page("A", ORIGINAL))
    site.serve("/b", page("B", REPUBLISHED))
    site.serve("/n", page("N", UNRELATED))
    links = register(officer, site.url("/a")) + register(officer, site.url("/b"), site.url("/n"))

    recording.run_checks([link.pk for link in links])

    group = RepublicationGroup.objects.get()
    assert set(group.members.values_list("link_id", flat=True)) == {links[0].pk, links[1].pk}
    assert group.first_link == links[0] and group.link_count == 2


def test_a_short_text_is_grouped_only_when_identical(site, officer):
    short = ORIGINAL.encode()[:1500].decode(errors="ignore").rsplit(" ", 1)[0]
    assert len(short.encode()) < republications.NEAR_DUPLICATE_MIN_TEXT_BYTES  # TLSH not trusted
    near = fingerprints.tlsh_distance(tlsh_of(short), tlsh_of(edited(short, (5, 30, 60))))
    assert near <= fingerprints.TLSH_MATCH_THRESHOLD  # close, yet not to be trusted
    site.serve("/a", page("A", short))
    site.serve("/b", page("B", edited(short, positions=(5, 30, 60))))
    links = register(officer, site.url("/a"), site.url("/b"))

    recording.run_checks([link.pk for link in links])

    assert not RepublicationGroup.objects.exists()
    assert set(LinkStats.objects.values_list("tlsh", flat=True)) == {""}


def test_candidates_are_bounded_by_length_bucket_and_count(officer, monkeypatch):
    """Only length bytes within the window that TLSH's length penalty leaves are compared,
    and in each bucket only the newest links and the links of the newest groups."""
    from tests.registry.factories import LinkFactory

    assert republications._length_window(40) == 3  # 3 steps cost 36, a fourth 48
    monkeypatch.setattr(republications, "NEAR_DUPLICATE_CANDIDATES", 2)
    links = LinkFactory.create_batch(8, first_reported_by=officer)
    groups = [RepublicationGroup.objects.create(content_sha256=f"{n}" * 64, first_link=links[n])
              for n in range(2)]  # fmt: skip
    rows = [  # (link, length byte, group)
        (links[0], 50, groups[0]), (links[1], 50, groups[1]), (links[2], 50, None),
        (links[3], 50, None), (links[4], 50, None), (links[5], 53, None),
        (links[6], 54, None), (links[7], 46, None),
    ]  # fmt: skip
    for link, length, group in rows:
        LinkStats.objects.create(
            link=link, tlsh="T1" + "0" * 70, tlsh_length=length, republication_group=group
        )

    found = set(republications._near_duplicate_candidates({50}))

    # Bucket 50: the two newest links (4, 3) and the links of the two newest groups (1, 0);
    # 53 is within three steps; 54 and 46 are four away.
    assert found == {links[4].pk, links[3].pk, links[1].pk, links[0].pk, links[5].pk}


def test_tlsh_length_byte_follows_the_text_length():
    lengths = [republications.tlsh_length(tlsh_of(ORIGINAL[:size])) for size in (1000, 2000, 4000)]
    assert lengths == sorted(lengths) and len(set(lengths)) == 3


def test_several_copies_checked_in_one_batch_make_one_group(site, officer):
    site.serve("/a", page("A", ORIGINAL))
    site.serve("/b", page("B", edited(ORIGINAL, (10, 100, 200))))
    site.serve("/c", page("C", edited(ORIGINAL, (20, 150, 250))))
    site.serve("/d", page("D", edited(ORIGINAL, (30, 170, 280))))
    links = register(officer, site.url("/a"))
    links += register(officer, site.url("/b"), site.url("/c"), site.url("/d"))

    recording.run_checks([link.pk for link in links])

    group = RepublicationGroup.objects.get()
    assert group.link_count == 4 and group.first_link == links[0]
