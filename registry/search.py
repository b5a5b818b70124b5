"""Finding links by a fragment of what an officer remembers about them.

The portal's registry search box takes any of: a URL in any form, a host or domain name, a
channel or account name (`t.me/secret_op_channel`, `secret_op_channel`, `@secret_op_channel`),
a video id, a link number, a material's number (`№ 20`) or words of its title, a court case
number, or the beginning of the link's own case number (Link.case_number, by its partial
index `link_case_number_idx`). `search_links` narrows a queryset the caller has already
restricted by the access policy, so a fragment never finds a link the user may not read; the
materials and decisions it looks through are the user's too.

Indexed: the candidates are one UNION of indexed queries of link ids (the canonical key, host
and domain by their b-tree indexes; the canonical URL by the trigram index `link_url_trgm_idx`
on UPPER(url), which is what Django's icontains compares; attributions by their material
indexes; materials by their search indexes), which the caller's queryset then narrows.
"""

import re

from django.db.models import QuerySet

from decisions.models import CourtDecision
from materials.selectors import materials_for, search_materials
from registry import selectors
from registry.models import Link, LinkMaterial, LinkOrganization
from registry.notes import normalize_case_number

# pg_trgm indexes nothing shorter than a trigram: shorter fragments only match exactly.
MIN_FRAGMENT = 3
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_NUMBER = re.compile(r"^(?:№|no\.?|n)?\s*(\d+)$", re.IGNORECASE)


def url_fragment(term: str) -> str:
    """The part of a term to look for inside canonical URLs: no scheme, no `www.`, no `@` of a
    handle, no trailing slash (`https://www.t.me/chan/` -> `t.me/chan`)."""
    fragment = _SCHEME.sub("", term.strip())
    if fragment.lower().startswith("www."):
        fragment = fragment[4:]
    return fragment.lstrip("@").rstrip("/")


def search_links(queryset: QuerySet, term: str, user) -> QuerySet:
    """The links of `queryset` that `term` names, by any of the fragments the module lists."""
    term = term.strip()
    if not term:
        return queryset
    # Each kind of fragment is its own indexed query of link ids; their UNION is the candidates,
    # which the caller's (policy-restricted) queryset then narrows. An OR of them all in one
    # WHERE would read every visible link.
    found = []

    number = _NUMBER.match(term)
    if number:
        value = int(number.group(1))
        if value < 2**63:
            found.append(Link.objects.filter(pk=value).values("pk"))
            found.append(_attributed_to(materials_for(user).filter(number=value)))

    by_url = selectors.links_by_url(Link.objects.all(), term)
    if by_url is not None:
        found.append(by_url.values("pk"))

    fragment = url_fragment(term)
    if len(fragment) >= MIN_FRAGMENT and not any(ch.isspace() for ch in fragment):
        found.append(Link.objects.filter(url__icontains=fragment).values("pk"))

    if len(term) >= MIN_FRAGMENT and not number:
        found.append(_attributed_to(search_materials(materials_for(user), term)))
        found.extend(_decided_in(user, term))

    case_number = normalize_case_number(term)
    if len(case_number) >= MIN_FRAGMENT:
        found.append(_of_case(case_number))

    if not found:
        return queryset.none()
    candidates = found[0].union(*found[1:]) if len(found) > 1 else found[0]
    return queryset.filter(pk__in=candidates)


def _of_case(case_number: str) -> QuerySet:
    """Ids of the links whose own case number starts with this one (capitals, as stored), by
    the partial index link_case_number_idx."""
    return (
        Link.objects.filter(case_number__startswith=case_number)
        .exclude(case_number="")
        .values("pk")
    )


def _attributed_to(materials: QuerySet) -> QuerySet:
    """Ids of the links attributed to one of these materials."""
    return LinkMaterial.objects.filter(material__in=materials.order_by().values("pk")).values(
        "link_id"
    )


def _decided_in(user, term: str) -> list[QuerySet]:
    """Ids of the links whose material or organization a court decision with this case number
    names."""
    decisions = (
        CourtDecision.objects.restrict(user, "view")
        .filter(case_number__icontains=term)
        .order_by()
        .values("pk")
    )
    return [
        LinkMaterial.objects.filter(material__decision__in=decisions).values("link_id"),
        LinkOrganization.objects.filter(organization__decisions__in=decisions).values("link_id"),
    ]
