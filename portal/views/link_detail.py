"""A link's page in the portal: state and transitions, timeline, views, republications,
attributions, the work forms (assign, classify, attribute) and the explicit "Open" step.

Every read starts from the access policy (registry.selectors.links_for and the models'
`.restrict(user)`); every write is a registry service. URLs are shown defanged; the live
address appears only on the explicit "Open" step (link_open), never by itself. What a page
shows of a confidential link is logged (registry.selectors.read_links, channels PAGE and OPEN).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Min
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from checks import selectors as check_selectors
from kibernadzor.errors import DomainError, NotAllowed
from organizations.models import Organization
from portal.charts import responsive_line_chart
from portal.forms import (
    AssignForm,
    AttributeForm,
    ClassifyForm,
    TransitionForm,
)
from portal.views import attribution, evidence, link_undo
from portal.views.orders import link_orders, new_order_url
from registry import selectors, services, transitions
from registry.choices import (
    CLOSED_STATES,
    LinkState,
    ReadChannel,
)
from registry.models import Link, LinkMaterial, LinkOrganization, Report, StateChange

# Each kind of timeline entry shows at most this many (the newest).
TIMELINE_LIMIT = 100


def _visible_link(user, pk: int) -> Link | None:
    return (
        selectors.links_for(user).select_related("first_reported_by", "stats").filter(pk=pk).first()
    )


def _unseen_link_answer(request, pk: int):
    """A link the user may not read in full. If their agency reported it (they know its URL),
    the deconfliction answer: it is known, and whom to contact (registry.access); otherwise 404,
    so that link numbers reveal nothing."""
    report = (
        Report.objects.restrict(request.user, "view")
        .filter(link_id=pk)
        .select_related("link__first_reported_agency")
        .first()
    )
    if report is None or not report.link.confidential:
        raise Http404(_("No such link, or you may not see it."))
    agency = report.link.first_reported_agency
    return render(
        request,
        "portal/links/known_contact.html",
        {"link_id": pk, "agency": agency},
        status=403,
    )


@dataclass
class Event:
    at: datetime
    kind: str  # report | check | state | history
    item: object
    changes: list = field(default_factory=list)


def _timeline(user, link: Link) -> tuple[list[Event], dict]:
    """Reports, checks, state changes and history of the link, newest first, each kind
    through the policy and capped at TIMELINE_LIMIT."""
    reports = list(
        Report.objects.restrict(user, "view")
        .filter(link=link)
        .select_related("agency", "user")
        .order_by("-submitted_at", "-id")[:TIMELINE_LIMIT]
    )
    checks = list(
        check_selectors.checks_for(user)
        .filter(link=link)
        .defer("excerpt", "redirects", "tlsh", "pdq")
        .order_by("-checked_at", "-id")[:TIMELINE_LIMIT]
    )
    changes = list(
        StateChange.objects.restrict(user, "view")
        .filter(link=link)
        .select_related("actor")
        .order_by("-at", "-id")[:TIMELINE_LIMIT]
    )
    events = [Event(r.submitted_at, "report", r) for r in reports]
    events += [Event(c.checked_at, "check", c) for c in checks]
    events += [Event(c.at, "state", c) for c in changes]
    with_history = user.has_perm("registry.view_historicallink")
    if with_history:
        events += [
            Event(entry.at, "history", entry.record, entry.changes)
            for entry in selectors.history_diff(link, TIMELINE_LIMIT)
        ]
    events.sort(key=lambda e: e.at, reverse=True)
    truncated = {
        "reports": len(reports) >= TIMELINE_LIMIT,
        "checks": len(checks) >= TIMELINE_LIMIT,
        "history": with_history,
    }
    return events, truncated


def _views_chart(user, link: Link):
    series = check_selectors.view_series(user, link.pk)
    if not series:
        return None
    return responsive_line_chart(
        [timezone.localtime(at) for at, _views in series],
        [(_("views"), [views for _at, views in series])],
        x_label=lambda at: at.strftime("%d.%m.%Y"),
    )


def _transition_forms(user, link: Link, bound: TransitionForm | None = None) -> list:
    if not policy.can(user, "change", link):
        return []
    moves = transitions.available(link.state, user)  # in the order of the table
    return [
        bound
        if bound is not None and bound.move.name == move.name
        else TransitionForm(move, link=link)
        for move in moves
    ]


def _detail_context(request, link: Link, bound: TransitionForm | None = None) -> dict:
    user = request.user
    stats = getattr(link, "stats", None)
    group = None  # as far as the user may read it: counts and first link over readable links
    if stats is not None and stats.republication_group_id is not None:
        group = (
            check_selectors.republication_groups_for(user)
            .filter(pk=stats.republication_group_id)
            .first()
        )
    republications = []
    if group is not None:
        republications = list(
            check_selectors.stats_for(user)
            .filter(republication_group=group)
            .exclude(link_id=link.pk)
            .select_related("link")
            .order_by("link__first_reported_at")[:20]
        )
    forms_seen = list(
        Report.objects.restrict(user, "view")
        .filter(link=link)
        .values("raw_url")
        .annotate(times=Count("id"), first=Min("submitted_at"))
        .order_by("first")[:50]
    )
    events, truncated = _timeline(user, link)
    orders_part = link_orders(user, link)
    if orders_part.get("can_create") and group is not None and group.readable_links > 1:
        orders_part["group_url"] = new_order_url(group=group.pk)
    from portal.views.sources import channel_part

    return {
        **channel_part(user, link),
        "orders_part": orders_part,
        "link": link,
        "stats": stats,
        "group": group,
        "republications": republications,
        "submitted_forms": forms_seen,
        "organizations": list(
            LinkOrganization.objects.restrict(user, "view")
            .filter(link=link)
            .select_related("organization", "presence", "added_by")
        ),
        "materials": list(
            LinkMaterial.objects.restrict(user, "view")
            .filter(link=link)
            .select_related("material", "added_by")
        ),
        "transition_forms": _transition_forms(user, link, bound),
        "work_forms": _work_forms(user, link),
        "events": events,
        "truncated": truncated,
        "timeline_limit": TIMELINE_LIMIT,
        "views_chart": _views_chart(user, link),
        "evidence": evidence.link_evidence(request, link),
        "undo": link_undo.link_undo_part(user, link),
        "overdue": bool(
            link.due_date
            and link.due_date < timezone.localdate()
            and link.state not in CLOSED_STATES
        ),
    }


WORK_ACTIONS = ("assign", "classify", "attribute")


def _work_form(action: str, user, link: Link, data=None) -> forms.Form:
    """The form of one work action on the link, bound to `data` when posted."""
    from materials.models import Material

    if action == "assign":
        initial = {
            "agency": link.assigned_agency_id,
            "user": link.assigned_user.username if link.assigned_user else "",
            "due_date": link.due_date,
        }
        return AssignForm(
            data,
            agencies=selectors.assignable_agencies(user).order_by("code"),
            officers=selectors.assignable_officers(user),
            initial=initial,
        )
    if action == "classify":
        initial = {"classification": link.classification, "confidential": link.confidential}
        return ClassifyForm(data, initial=initial)
    return AttributeForm(
        data,
        organizations=Organization.objects.restrict(user).order_by("name_ru"),
        materials=Material.objects.restrict(user),
    )


def _work_forms(user, link: Link) -> dict:
    """Assign, classify and attribute: offered to whoever may change the link."""
    if not policy.can(user, "change", link):
        return {}
    return {action: _work_form(action, user, link) for action in WORK_ACTIONS}


def _read_page(user, context: dict) -> None:
    """A link's page shows the link and the republications listed on it: the confidential
    ones among them are logged, in one INSERT."""
    shown = [context["link"], *(member.link for member in context["republications"])]
    selectors.read_links(user, shown, ReadChannel.PAGE)


@login_required
def link_detail(request, pk: int):
    link = _visible_link(request.user, pk)
    if link is None:
        return _unseen_link_answer(request, pk)
    context = _detail_context(request, link)
    _read_page(request.user, context)
    find = request.GET.get("find")
    if find is not None and "attribute" in context["work_forms"]:
        # Attribute by searching without JavaScript: the results come back on the page.
        context.update(attribution.page_part(request.user, find))
    return render(request, "portal/links/detail.html", context)


@login_required
@require_POST
def link_transition(request, pk: int):
    """Apply one move of the table through registry.services.transition; a refusal comes back
    on the form, next to the field it names."""
    user = request.user
    link = _visible_link(user, pk)
    if link is None:
        raise Http404(_("No such link, or you may not see it."))
    move = transitions.BY_NAME.get(request.POST.get("move", ""))
    if move is None:
        messages.error(request, _("Choose a move from the link's page."))
        return redirect("portal:link", pk=pk)
    form = TransitionForm(move, request.POST)
    status = 400
    if form.is_valid():
        try:
            services.transition(link.pk, move.target, actor=user, **form.service_arguments())
        except NotAllowed as error:
            messages.error(request, error.message)
            status = 403
        except DomainError as error:
            target = error.field if error.field in form.fields else None
            form.add_error(target, error.message)
        else:
            messages.success(
                request,
                _("The link is now “%(state)s”.") % {"state": LinkState(move.target).label},
            )
            return redirect("portal:link", pk=pk)
        link.refresh_from_db(fields=["state", "state_changed_at"])
    context = _detail_context(request, link, bound=form)
    _read_page(user, context)
    context["failed_move"] = move.name
    if not any(f is form for f in context["transition_forms"]):
        # The move no longer leads on from the link's state: its form is gone, say why above.
        for error in form.non_field_errors():
            messages.error(request, error)
    return render(request, "portal/links/detail.html", context, status=status)


@login_required
@require_POST
def link_work(request, pk: int, action: str):
    """Assign, classify or attribute the link through registry.services; a refusal comes back
    on the form, next to the field it names."""
    user = request.user
    link = _visible_link(user, pk)
    if link is None:
        raise Http404(_("No such link, or you may not see it."))
    form = _work_form(action, user, link, request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "assign":
                services.assign(
                    link.pk,
                    actor=user,
                    agency=data["agency"],
                    user=data["user"],
                    due_date=data["due_date"],
                )
            elif action == "classify":
                services.classify(link.pk, actor=user, **data)
            else:
                services.attribute(
                    link.pk,
                    actor=user,
                    organization=data["organization"],
                    material=data["material"],
                )
        except NotAllowed as error:
            target = error.field if error.field in form.fields else None
            form.add_error(target, error.message)
            status = 403
        except DomainError as error:
            target = error.field if error.field in form.fields else None
            form.add_error(target, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("portal:link", pk=pk)
    context = _detail_context(request, link)
    _read_page(user, context)
    if context["work_forms"]:
        context["work_forms"][action] = form
    context["failed_work"] = action
    return render(request, "portal/links/detail.html", context, status=status)


@login_required
def link_open(request, pk: int):
    """The explicit step before a link's live address is shown. GET asks; POST (CSRF-checked,
    never prefetched) shows the address as a link that opens in a new tab without a referrer.
    Both are logged for a confidential link: the question as a read of its page, the answer
    as "original opened"."""
    link = _visible_link(request.user, pk)
    if link is None:
        raise Http404(_("No such link, or you may not see it."))
    # The question shows the defanged address (a read of the page); the answer the live one.
    opened = request.method == "POST"
    selectors.read_links(request.user, [link], ReadChannel.OPEN if opened else ReadChannel.PAGE)
    # Only web addresses become links; canonical URLs are http(s), this keeps it so.
    live = link.url if opened and link.url.lower().startswith(("http://", "https://")) else None
    return render(request, "portal/links/open.html", {"link": link, "live_url": live})
