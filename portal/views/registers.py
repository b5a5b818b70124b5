"""The registers on the portal: banned organizations, court-recognised materials, and
"is this file banned?".

Lists use the same FilterSets as the API (materials.filtersets, organizations.filtersets) and
the same spelling-tolerant search; every read starts from the selectors' querysets restricted
to the user by the access policy.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import policy
from accounts.models import Region
from decisions.models import CourtDecision
from kibernadzor.errors import DomainError
from materials import selectors as material_selectors
from materials import services as material_services
from materials.choices import LANGUAGES
from materials.filtersets import MaterialFilterSet
from materials.models import Material, MaterialFingerprint
from organizations import selectors as organization_selectors
from organizations.filtersets import OrganizationFilterSet
from organizations.models import Organization
from registry import selectors as registry_selectors
from registry.choices import ReadChannel
from registry.models import Link

PAGE_SIZE = 50
RELATED_SHOWN = 20

MATERIAL_FILTERS = ("q", "classification", "kind", "status", "year", "region", "language")
ORGANIZATION_FILTERS = ("q", "classification", "status")
# The filters whose label django-filter would derive from the model field, named here (as the
# registry list names its own), so that each reader gets them in their own language.
FILTER_LABELS = {
    "classification": gettext_lazy("Classification"),
    "kind": gettext_lazy("Kind"),
    "status": gettext_lazy("Status"),
}


def _require_view(user, model) -> None:
    if not policy.can(user, "view", model=model):
        raise PermissionDenied(_("You may not read this register."))


def _filter_fields(filterset, names) -> list:
    """The filters shown, in this order, labelled like the rest of the portal."""
    shown = []
    for name in names:
        field = filterset.form.fields[name]
        field.label = FILTER_LABELS.get(name) or capfirst(field.label)
        bound = filterset.form[name]
        bound.label = field.label  # a bound field made earlier (by validation) keeps its own
        shown.append(bound)
    return shown


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _visible_links(user, **filters) -> tuple[list[Link], int]:
    """Up to RELATED_SHOWN links in the user's view attributed to a record, and how many
    there are; the confidential ones shown are logged as read."""
    links = Link.objects.restrict(user, "view").filter(**filters)
    shown = registry_selectors.read_links(
        user, links.order_by("-first_reported_at", "-id")[:RELATED_SHOWN], ReadChannel.LIST
    )
    total = len(shown) if len(shown) < RELATED_SHOWN else links.count()
    return shown, total


# --- materials ------------------------------------------------------------------------------
@login_required
def materials(request):
    _require_view(request.user, Material)
    filterset = MaterialFilterSet(
        request.GET or None, queryset=material_selectors.materials_for(request.user)
    )
    regions = [(r.iso_code, r.name) for r in Region.objects.restrict(request.user)]
    filterset.form.fields["region"].widget = forms.Select(choices=[("", "—"), *regions])
    filterset.form.fields["language"].widget = forms.Select(
        choices=[("", "—"), *((code, name) for code, name in LANGUAGES.items())]
    )
    queryset = filterset.qs
    if filterset.is_bound and filterset.form.is_valid() and filterset.form.cleaned_data.get("q"):
        queryset = queryset.order_by("-search_rank", "number")
    organization = _organization_filter(request)
    return render(
        request,
        "portal/registers/materials.html",
        {
            "filterset": filterset,
            "fields": _filter_fields(filterset, MATERIAL_FILTERS),
            "organization": organization,
            # The search form keeps the list narrowed to the organization it came from.
            "keep": [("organization", organization.pk)] if organization else [],
            "page": _page(request, queryset),
        },
    )


def _organization_filter(request) -> Organization | None:
    """The organization the list is narrowed to (`?organization=` from its page), to name it."""
    value = request.GET.get("organization", "")
    if not value.isdigit():
        return None
    return Organization.objects.restrict(request.user).filter(pk=int(value)).first()


@login_required
def material(request, pk: int):
    _require_view(request.user, Material)
    material = get_object_or_404(material_selectors.materials_for(request.user), pk=pk)
    fingerprints = MaterialFingerprint.objects.restrict(request.user).filter(material=material)
    related = material_selectors.materials_for(request.user).exclude(pk=material.pk)
    same_decision = (
        list(related.filter(decision=material.decision_id)[:RELATED_SHOWN])
        if material.decision_id
        else []
    )
    same_organization = (
        list(related.filter(organization=material.organization_id)[:RELATED_SHOWN])
        if material.organization_id
        else []
    )
    links, link_count = _visible_links(request.user, materials=material)
    organization = None
    if material.organization_id:
        organization = (
            Organization.objects.restrict(request.user).filter(pk=material.organization_id).first()
        )
    decision = None
    if material.decision_id:
        decision = CourtDecision.objects.restrict(request.user).filter(
            pk=material.decision_id
        ).select_related("region", "claimant").first()  # fmt: skip
    return render(
        request,
        "portal/registers/material.html",
        {
            "material": material,
            "organization": organization,
            "decision": decision,
            "material_languages": [
                str(LANGUAGES.get(code, code)) for code in material.languages or ()
            ],
            "fingerprints": _fingerprint_summary(fingerprints),
            "same_decision": same_decision,
            "same_organization": same_organization,
            "links": links,
            "link_count": link_count,
        },
    )


def _fingerprint_summary(fingerprints) -> dict:
    """What is known of the material's copies: how many of each kind, and each copy's hashes
    (never the file itself)."""
    copies = list(
        fingerprints.order_by("-created_at").values(
            "kind", "sha256", "md5", "text_sha256", "pdq", "tlsh", "size", "created_at"
        )
    )
    kinds = fingerprints.order_by().values("kind").annotate(n=Count("id")).order_by("kind")
    kind_labels = dict(MaterialFingerprint._meta.get_field("kind").choices)
    return {
        "total": len(copies),
        "by_kind": [(kind_labels.get(row["kind"], row["kind"]), row["n"]) for row in kinds],
        "copies": [
            {
                "kind": kind_labels.get(copy["kind"], copy["kind"]),
                "sha256": copy["sha256"],
                "size": copy["size"],
                "created_at": copy["created_at"],
                "methods": [
                    name
                    for name, present in (
                        ("SHA-256", True),
                        ("MD5", bool(copy["md5"])),
                        (_("text"), bool(copy["text_sha256"])),
                        ("PDQ", bool(copy["pdq"])),
                        ("TLSH", bool(copy["tlsh"])),
                    )
                    if present
                ],
            }
            for copy in copies
        ],
    }


# --- organizations --------------------------------------------------------------------------
@login_required
def organizations(request):
    _require_view(request.user, Organization)
    filterset = OrganizationFilterSet(
        request.GET or None, queryset=organization_selectors.organizations_for(request.user)
    )
    queryset = filterset.qs
    if filterset.is_bound and filterset.form.is_valid() and filterset.form.cleaned_data.get("q"):
        queryset = queryset.order_by("-search_rank", "name_ru")
    return render(
        request,
        "portal/registers/organizations.html",
        {
            "filterset": filterset,
            "fields": _filter_fields(filterset, ORGANIZATION_FILTERS),
            "page": _page(request, queryset),
        },
    )


@login_required
def organization(request, pk: int):
    _require_view(request.user, Organization)
    organization = get_object_or_404(organization_selectors.organizations_for(request.user), pk=pk)
    decisions = (
        CourtDecision.objects.restrict(request.user)
        .filter(organizations=organization)
        .select_related("region", "claimant")
    )
    materials = material_selectors.materials_for(request.user).filter(organization=organization)
    shown_materials = list(materials[:RELATED_SHOWN])
    material_count = (
        len(shown_materials) if len(shown_materials) < RELATED_SHOWN else materials.count()
    )
    links, link_count = _visible_links(request.user, organizations=organization)
    from portal.views.sources import presence_part

    return render(
        request,
        "portal/registers/organization.html",
        {
            **presence_part(request.user, organization),
            "organization": organization,
            "decisions": decisions,
            "materials": shown_materials,
            "material_count": material_count,
            "links": links,
            "link_count": link_count,
        },
    )


# --- "is this file banned?" -----------------------------------------------------------------
class FileMatchForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File to check"))


@login_required
def file_match(request):
    """Fingerprint an uploaded file and compare it with every known copy of a material. The
    file is not kept: it is read into memory, fingerprinted and dropped with the request."""
    _require_view(request.user, Material)
    form, result, error, status, retry_after = FileMatchForm(), None, None, 200, None
    if request.method == "POST":
        form = FileMatchForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                data = material_services.read_upload(upload)
                result = material_selectors.match_file(
                    data,
                    request.user,
                    filename=upload.name,
                    content_type=upload.content_type or "",
                )
            except DomainError as refused:  # too large, hostile (UnsafeUpload), Busy
                error, status = refused.message, refused.http_status
                retry_after = getattr(refused, "retry_after", None)
        else:
            status = 400
    response = render(
        request,
        "portal/registers/file_match.html",
        {
            "form": form,
            "result": result,
            "error": error,
            "limit_mb": material_services.match_max_bytes() // (1024 * 1024),
        },
        status=status,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response
