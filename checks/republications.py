"""Republication groups: the links that serve the same content, or a near duplicate of it.

checks.recording hands each recorded batch to group_republications (see its docstring for
what "the same content" means and what bounds the work).
"""

from collections import defaultdict

from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from checks.models import LinkStats, RepublicationGroup
from checks.stats import update_stats
from utilities import fingerprints

# Shorter normalised texts (error stubs, empty pages) are too common to mean "same content".
MIN_GROUP_TEXT_BYTES = 200
# Near duplicates (TLSH) only for texts at least this long: below ~2 KB TLSH is unstable
# (fingerprints.TLSH_MATCH_THRESHOLD's note), and exact hashes cover short texts.
NEAR_DUPLICATE_MIN_TEXT_BYTES = 2048
# Per TLSH length bucket: how many of the newest links, and of the links of the newest
# groups, a text is compared with (see group_republications).
NEAR_DUPLICATE_CANDIDATES = 100


def tlsh_length(tlsh: str) -> int:
    """The length byte of a TLSH digest ("T1", checksum, then the length byte with its two
    hex digits swapped, as TLSH writes every header byte): a step of about 10 % of the text."""
    return int(tlsh[5] + tlsh[4], 16)


def _length_window(threshold: int = fingerprints.TLSH_MATCH_THRESHOLD) -> int:
    """How far apart two length bytes may be for a TLSH distance within `threshold`.

    TLSH adds to its distance 0 for equal length bytes, 1 for neighbours and 12 per step
    beyond (with 40: three steps, 36; four would already be 48)."""
    steps = 1
    while 12 * (steps + 1) <= threshold:
        steps += 1
    return steps


def comparable_tlsh(fp: fingerprints.Fingerprints) -> tuple[str, int | None]:
    """(TLSH, length byte) to keep for near-duplicate matching, or ("", None): only texts long
    enough for TLSH to be stable (fingerprints: below ~2 KB two edited words can move it by
    more than the threshold)."""
    if fp.tlsh and fp.kind in ("text", "pdf") and fp.size >= NEAR_DUPLICATE_MIN_TEXT_BYTES:
        return fp.tlsh, tlsh_length(fp.tlsh)
    return "", None


class _NewGroup:
    """A republication group decided in this batch, created at the end."""

    __slots__ = ("members", "pk")

    def __init__(self, members: set[int]):
        self.members = members
        self.pk: int | None = None


def group_republications(batch: list[tuple[LinkStats, fingerprints.Fingerprints, bool]]) -> None:
    """Put each link of the batch in the group of the links serving the same content, and keep
    the groups' counts exact. At most ten queries for the whole batch.

    The same content is, first, the same normalised text or bytes (content SHA-256): the
    group is the one such a link is already in, else a new one, made on the second link,
    its first publication the earliest reported (short texts, error stubs and empty pages,
    are too common to start a group). Failing that, for a text long enough to compare, a
    near duplicate: TLSH within fingerprints.TLSH_MATCH_THRESHOLD of another link's, whose
    group the link joins (a new group of the two if it has none).

    Bounded: TLSH counts any length difference of more than three steps (about 30 %) beyond
    the threshold, so candidates are only links whose length byte is within that window (an
    index); in each length bucket, the NEAR_DUPLICATE_CANDIDATES newest links and the links
    of the NEAR_DUPLICATE_CANDIDATES newest groups. That is at most 7 × 2 × 100 comparisons
    of a few microseconds per link, whatever the size of the registry; an older copy that
    fell out of both lists is found by its exact hash, not by TLSH.

    Links whose content has not changed since their last check and that are in a group
    are left alone: re-checks of unchanged pages cost nothing here.
    """
    todo = [
        (row, fp) for row, fp, changed in batch if changed or row.republication_group_id is None
    ]
    if not todo:
        return
    before = {row.link_id: row.republication_group_id for row, _fp in todo}
    group_of: dict[int, int | _NewGroup | None] = {}  # decisions so far, by link id

    def current(link_id: int, stored: int | None):
        return group_of.get(link_id, stored)

    # Every link serving one of these contents (the batch's rows already hold their own).
    same: dict[str, dict[int, int | None]] = defaultdict(dict)
    rows = LinkStats.objects.filter(content_sha256__in={row.content_sha256 for row, _ in todo})
    for link_id, sha, group_id in rows.values_list(
        "link_id", "content_sha256", "republication_group_id"
    ):
        same[sha][link_id] = group_id
        before.setdefault(link_id, group_id)

    near = []
    for row, fp in todo:
        if row.link_id in group_of:
            continue  # pulled into a group by an earlier link of the batch
        others = {pk: g for pk, g in same[row.content_sha256].items() if pk != row.link_id}
        groups = {current(pk, g) for pk, g in others.items()} - {None}
        existing = sorted(g for g in groups if not isinstance(g, _NewGroup))
        too_common = fp.kind == "text" and fp.size < MIN_GROUP_TEXT_BYTES
        if groups:
            # The oldest group when the content is in several (joined by near duplicates).
            group_of[row.link_id] = existing[0] if existing else next(iter(groups))
        elif others and not too_common:
            group = _NewGroup({row.link_id, *others})
            for pk in group.members:
                group_of[pk] = group
        elif row.tlsh_length is not None:
            near.append(row)
        else:
            group_of[row.link_id] = None

    if near:
        candidates = _near_duplicate_candidates({row.tlsh_length for row in near})
        for row, _fp in todo:  # the batch's own pages are candidates for each other
            if row.tlsh_length is not None:
                candidates[row.link_id] = (row.tlsh, row.content_sha256, row.republication_group_id)
        for row in near:
            if row.link_id in group_of:
                continue  # matched by an earlier link of the batch
            match = _closest(row, candidates)
            if match is None:
                group_of[row.link_id] = None
                continue
            target = current(match, candidates[match][2])
            if target is None:
                target = _NewGroup({row.link_id, match})
                group_of[match] = target
            group_of[row.link_id] = target

    new_groups = {id(g): g for g in group_of.values() if isinstance(g, _NewGroup)}.values()
    _create_groups(list(new_groups))
    changes = {}
    for link_id, target in group_of.items():
        target_id = target.pk if isinstance(target, _NewGroup) else target
        if target_id != before.get(link_id):
            changes[link_id] = target_id
    if not changes:
        return
    for row, _fp in todo:
        row.republication_group_id = changes.get(row.link_id, row.republication_group_id)
    members = [LinkStats(link_id=pk, republication_group_id=group) for pk, group in changes.items()]
    update_stats(members, ["republication_group"])
    affected = ({before.get(pk) for pk in changes} | set(changes.values())) - {None}
    members = (
        LinkStats.objects.filter(republication_group=OuterRef("pk"))
        .order_by()
        .values("republication_group")
        .annotate(n=Count("*"))
        .values("n")
    )
    RepublicationGroup.objects.filter(pk__in=affected).update(
        link_count=Coalesce(Subquery(members), 0)
    )


def _near_duplicate_candidates(lengths: set[int]) -> dict[int, tuple[str, str, int | None]]:
    """{link id: (TLSH, content SHA-256, group id)} of the links that may be within the TLSH
    threshold of a text with one of these length bytes (see group_republications)."""
    window = _length_window()
    buckets = sorted({(n + d) % 256 for n in lengths for d in range(-window, window + 1)})
    limit = NEAR_DUPLICATE_CANDIDATES
    table = LinkStats._meta.db_table
    columns = "link_id, tlsh, content_sha256, republication_group_id"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.* FROM unnest(%s::int[]) AS b(n) CROSS JOIN LATERAL ("  # noqa: S608
            f"(SELECT {columns} FROM {table} WHERE tlsh_length = b.n "
            "ORDER BY link_id DESC LIMIT %s) UNION "
            f"(SELECT {columns} FROM {table} WHERE tlsh_length = b.n "
            "AND republication_group_id IS NOT NULL "
            "ORDER BY republication_group_id DESC LIMIT %s)) AS c",
            [buckets, limit, limit],
        )
        rows = cursor.fetchall()
    return {link_id: (tlsh, sha, group) for link_id, tlsh, sha, group in rows}


def _closest(row: LinkStats, candidates: dict) -> int | None:
    """The candidate with the nearest TLSH within the threshold (ties: the oldest link)."""
    best = None
    for link_id, (tlsh, sha, _group) in candidates.items():
        if link_id == row.link_id or sha == row.content_sha256:
            continue  # the exact pass has seen it
        try:
            distance = fingerprints.tlsh_distance(row.tlsh, tlsh)
        except ValueError:
            continue
        if distance <= fingerprints.TLSH_MATCH_THRESHOLD and (
            best is None or (distance, link_id) < best
        ):
            best = (distance, link_id)
    return None if best is None else best[1]


def _create_groups(groups: list[_NewGroup]) -> None:
    """Create the groups decided in a batch, each keyed by its first publication's content
    (the earliest reported member); a group already keyed so is reused (four queries)."""
    from registry.models import Link

    if not groups:
        return
    members = {pk for group in groups for pk in group.members}
    order = dict(
        Link.objects.filter(pk__in=members)
        .order_by("first_reported_at", "pk")
        .values_list("pk", "first_reported_at")
    )
    rank = {pk: index for index, pk in enumerate(order)}
    content = dict(
        LinkStats.objects.filter(link_id__in=members).values_list("link_id", "content_sha256")
    )
    firsts = {id(group): min(group.members, key=rank.__getitem__) for group in groups}
    RepublicationGroup.objects.bulk_create(
        [
            RepublicationGroup(content_sha256=content[firsts[id(g)]], first_link_id=firsts[id(g)])
            for g in groups
        ],
        ignore_conflicts=True,
    )
    keys = {content[firsts[id(g)]] for g in groups}
    ids = dict(
        RepublicationGroup.objects.filter(content_sha256__in=keys).values_list(
            "content_sha256", "pk"
        )
    )
    for group in groups:
        group.pk = ids[content[firsts[id(group)]]]
