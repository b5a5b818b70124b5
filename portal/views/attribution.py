"""Attribute by searching: materials and organizations found by name or number for a link's
"Attribute" form, instead of typing their numbers.

One search (`find_registers`) serves both ways of using it: the JSON endpoint that
static/portal/attribution-search.js asks as the user types, and the plain GET form on the
link's page that works without JavaScript (portal.views.link_detail). Both start from the
registers' querysets restricted to the user (materials.selectors.materials_for,
organizations.selectors.organizations_for) and search their spelling-tolerant keys
(decisions.selectors.text_search: trigram word similarity, the numbers of materials).
"""

from dataclasses import asdict, dataclass

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import policy
from materials.models import Material
from materials.selectors import materials_for, search_materials
from organizations.models import Organization
from organizations.selectors import organizations_for, search_organizations

RESULTS = 8  # of each kind
MIN_LENGTH = 2
MAX_LENGTH = 200


@dataclass(frozen=True)
class Found:
    kind: str  # "material" | "organization"
    id: int
    # What the attribute form posts: a material's number, an organization's id.
    value: str
    label: str
    url: str


def _organization_name(organization: Organization) -> str:
    language = (get_language() or "ru")[:2]
    return getattr(organization, f"name_{language}", "") or organization.name_ru


def find_registers(user, q: str) -> dict[str, list[Found]]:
    """The materials and organizations the user may read that `q` names, best first, at most
    RESULTS of each; a register the user may not read is not searched."""
    q = (q or "").strip()[:MAX_LENGTH]
    found: dict[str, list[Found]] = {"materials": [], "organizations": []}
    if len(q) < MIN_LENGTH:
        return found
    if policy.can(user, "view", model=Material):
        materials = search_materials(
            materials_for(user).select_related(None).only("pk", "number", "title"), q
        ).order_by("-search_rank", "number")[:RESULTS]
        found["materials"] = [
            Found("material", m.pk, str(m.number), str(m), reverse("portal:material", args=[m.pk]))
            for m in materials
        ]
    if policy.can(user, "view", model=Organization):
        organizations = search_organizations(
            organizations_for(user)
            .prefetch_related(None)
            .only("pk", "name_ru", "name_kk", "name_en"),
            q,
        ).order_by("-search_rank", "name_ru")[:RESULTS]
        found["organizations"] = [
            Found(
                "organization",
                o.pk,
                str(o.pk),
                _organization_name(o),
                reverse("portal:organization", args=[o.pk]),
            )
            for o in organizations
        ]
    return found


def page_part(user, q: str) -> dict:
    """The link page's search results without JavaScript (?find=), opened on the form."""
    q = (q or "").strip()[:MAX_LENGTH]
    found = find_registers(user, q)
    return {
        "attribution_query": q,
        "attribution_found": found,
        "attribution_sections": [
            (_("Materials"), found["materials"]),
            (_("Organizations"), found["organizations"]),
        ],
        "attribution_too_short": len(q) < MIN_LENGTH,
        "open_work": "attribute",
    }


def may_search(user) -> bool:
    return policy.can(user, "view", model=Material) or policy.can(user, "view", model=Organization)


@login_required
@require_GET
def attribution_search(request):
    """JSON: {"materials": [...], "organizations": [...]} for ?q= (at least MIN_LENGTH
    characters); 403 for a user who may read neither register."""
    if not may_search(request.user):
        return JsonResponse({"detail": _("You may not search the registers.")}, status=403)
    q = request.GET.get("q", "")
    found = find_registers(request.user, q)
    return JsonResponse(
        {
            "query": q.strip()[:MAX_LENGTH],
            "min_length": MIN_LENGTH,
            **{kind: [asdict(row) for row in rows] for kind, rows in found.items()},
        }
    )
