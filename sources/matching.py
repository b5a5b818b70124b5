"""Matching on arrival (issue 16): is a new item of a watched source a copy of banned content?

Each new item's text is fingerprinted (utilities.fingerprints: SHA-256 of the normalised
text, TLSH) and so are its first images (PDQ; fetched through the same SSRF-safe fetcher by
sources.watching, within SOURCES_MEDIA_PER_WATCH and SOURCES_MEDIA_BYTES). They are matched
against two bodies of known content:

1. the materials in force and their known copies — materials.selectors.match_fingerprints,
   the one answer the checker (checks.recording) and «is this file banned?» use too, so what
   counts as a copy is decided in one place;
2. content already confirmed illegal: the items of other sources whose link was confirmed
   (or asked to be blocked, blocked, removed, reappeared), by the same text (SHA-256), a
   near-duplicate text (TLSH) or a similar image (PDQ), and the pages the checker fetched of
   such links by the same text (LinkStats.content_sha256). The near-duplicate comparison
   runs over the newest CONFIRMED_CANDIDATES confirmed items with a hash: the re-posts this
   looks for are of recent content; past that the comparison wants an index (a BK-tree).

A fixed number of queries per batch of items, whatever their number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from registry.choices import LinkState
from sources.choices import MatchKind
from utilities import fingerprints

# The states in which a link's content has been found illegal.
CONFIRMED_STATES = (
    LinkState.CONFIRMED,
    LinkState.BLOCKING_REQUESTED,
    LinkState.BLOCKED,
    LinkState.REMOVED,
    LinkState.REAPPEARED,
)
CONFIRMED_CANDIDATES = 5000
# How far a match raises its link's priority (registry.Link.priority): a copy of a banned
# material outranks a re-post of content confirmed illegal, which outranks everything new.
PRIORITY_MATERIAL = 20
PRIORITY_CONFIRMED = 10
# Characters of an item's text kept on its SourceItem (the whole text is fingerprinted).
EXCERPT_CHARS = 1000


@dataclass
class ItemPrints:
    """The fingerprints of one new item: of its text, and of the images fetched for it."""

    text: fingerprints.Fingerprints | None = None
    images: list[fingerprints.Fingerprints] = field(default_factory=list)

    @property
    def pdq(self) -> str:
        quality = fingerprints.PDQ_MIN_QUALITY
        for image in self.images:
            if image.pdq and image.pdq_quality >= quality:
                return image.pdq
        return ""


@dataclass(frozen=True)
class ItemMatch:
    """What a new item was found to copy: a material (and its organization) or a confirmed
    link, and how."""

    kind: str  # MatchKind
    material: object | None = None  # materials.Material
    matched_link_id: int | None = None

    @property
    def priority(self) -> int:
        return PRIORITY_MATERIAL if self.material is not None else PRIORITY_CONFIRMED


def text_prints(title: str, text: str) -> fingerprints.Fingerprints | None:
    """Fingerprints of an item's words (its text; its title when it has no text)."""
    words = (text or "").strip() or (title or "").strip()
    return fingerprints.text_fingerprints(words) if words else None


def image_prints(body: bytes, content_type: str = "") -> fingerprints.Fingerprints | None:
    """PDQ of a fetched image (None when the bytes are not an image it can hash)."""
    fp = fingerprints.file_fingerprints(body, content_type=content_type)
    return fp if fp.kind == "image" and fp.pdq else None


# materials.choices.MatchMethod → how an item matched.
_METHOD_KIND = {
    "sha256": MatchKind.EXACT,
    "md5": MatchKind.EXACT,
    "text": MatchKind.EXACT,
    "pdq": MatchKind.PDQ,
    "tlsh": MatchKind.TLSH,
}


def match_items[K](
    prints: Mapping[K, ItemPrints], own_links: Mapping[K, int]
) -> dict[K, ItemMatch]:
    """{key: its best match} for the items that copy known content; `own_links` are the
    items' own link ids (a link does not match itself)."""
    from materials.selectors import match_fingerprints

    result: dict[K, ItemMatch] = {}
    if not prints:
        return result
    flat = {}
    for key, item in prints.items():
        if item.text is not None:
            flat[key, "text"] = item.text
        for number, image in enumerate(item.images):
            flat[key, number] = image
    for (key, _part), matches in match_fingerprints(flat, user=None).items():
        if not matches:
            continue
        best = matches[0]
        kind = _METHOD_KIND[best.method]
        current = result.get(key)
        if current is None or (current.kind != MatchKind.EXACT and kind == MatchKind.EXACT):
            result[key] = ItemMatch(kind, material=best.material)
    rest = {key: item for key, item in prints.items() if key not in result}
    result.update(_match_confirmed(rest, own_links))
    return result


def _match_confirmed[K](prints: Mapping[K, ItemPrints], own_links: Mapping[K, int]) -> dict:
    """Matches against content already confirmed illegal (at most three queries)."""
    from checks.models import LinkStats
    from sources.models import SourceItem

    found: dict[K, ItemMatch] = {}
    if not prints:
        return found
    confirmed_items = SourceItem.objects.filter(link__state__in=CONFIRMED_STATES)
    texts = {item.text.text_sha256 for item in prints.values() if item.text is not None}
    exact: dict[str, int] = {}
    if texts:
        for sha, link_id in (
            LinkStats.objects.filter(content_sha256__in=texts, link__state__in=CONFIRMED_STATES)
            .order_by("link_id")
            .values_list("content_sha256", "link_id")
        ):
            exact.setdefault(sha, link_id)
        for sha, link_id in (
            confirmed_items.filter(text_sha256__in=texts)
            .order_by("link_id")
            .values_list("text_sha256", "link_id")
        ):
            exact.setdefault(sha, link_id)
    near = [item for item in prints.values() if (item.text and item.text.tlsh) or item.pdq]
    candidates = []
    if near:
        candidates = list(
            confirmed_items.exclude(tlsh="", pdq="")
            .order_by("-id")
            .values_list("link_id", "tlsh", "pdq")[:CONFIRMED_CANDIDATES]
        )
    for key, item in prints.items():
        own = own_links.get(key)
        if item.text is not None:
            link_id = exact.get(item.text.text_sha256)
            if link_id is not None and link_id != own:
                found[key] = ItemMatch(MatchKind.EXACT, matched_link_id=link_id)
                continue
        best = _nearest(item, candidates, own)
        if best is not None:
            found[key] = best
    return found


def _nearest(item: ItemPrints, candidates, own: int | None) -> ItemMatch | None:
    best = None
    tlsh = item.text.tlsh if item.text is not None else None
    pdq = item.pdq
    for link_id, their_tlsh, their_pdq in candidates:
        if link_id == own:
            continue
        if tlsh and their_tlsh:
            try:
                distance = fingerprints.tlsh_distance(tlsh, their_tlsh)
            except ValueError:
                distance = None
            if (
                distance is not None
                and distance <= fingerprints.TLSH_MATCH_THRESHOLD
                and (best is None or distance < best[0])
            ):
                best = (distance, ItemMatch(MatchKind.TLSH, matched_link_id=link_id))
        if pdq and their_pdq:
            distance = fingerprints.pdq_distance(pdq, their_pdq)
            if distance <= fingerprints.PDQ_MATCH_THRESHOLD and (
                best is None or distance < best[0]
            ):
                best = (distance, ItemMatch(MatchKind.PDQ, matched_link_id=link_id))
    return None if best is None else best[1]
