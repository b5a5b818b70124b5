"""Blocking orders in the portal: the list (filters, "overdue"), an order's page (its links with
their clocks, legal basis, documents, trail, and the actions the user may take), creating an
order (from a registry selection or filter, a link's page, or a republication group), and the
document downloads.

Every read starts from the access policy (orders.selectors.orders_for, the models'
`.restrict(user)`); every write is one orders.services function. A service refuses bad input
with a ValidationError (or a DomainError) naming the field; the refusal comes back on that
field of the form, and the service's transaction leaves nothing half-saved.
"""

from datetime import date, datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import policy
from checks import selectors as check_selectors
from decisions.models import CourtDecision
from kibernadzor.errors import DomainError, NotAllowed
from orders import selectors as order_selectors
from orders import services
from orders.choices import (
    CLOCKED_KINDS,
    FINAL_ORDER_STATES,
    IN_FORCE_ORDER_STATES,
    OPEN_ORDER_STATES,
    OrderLinkState,
    OrderState,
)
from orders.filtersets import OrderFilterSet
from orders.models import Order, OrderDocument, OrderLink
from portal.forms import prepare_filter_form
from portal.order_forms import (
    AddToOrderForm,
    DraftForm,
    OrderCreateForm,
    ReasonForm,
    RevokeForm,
)
from portal.templatetags.portal_tags import defang_text
from portal.views.link_list import registry_listing
from registry import selectors as link_selectors
from registry.choices import ReadChannel
from registry.models import Link
from utilities.pagination import COUNT_CAP, CappedPaginator

PAGE_SIZE = 50
# An order page lists at most this many of its links (the document holds them all).
LINKS_SHOWN = 500
# One order covers at most this many links; a larger selection is refused before any write.
ORDER_MAX_LINKS = 5000
DECISIONS_SHOWN = 20
HISTORY_SHOWN = 100
# Links an order may cover: confirmed illegal (orders.services refuses the others).
ORDERABLE_STATES = services.ORDERABLE_LINK_STATES

# The actions of an order's page, in the order they are offered: name -> the order states they
# lead on from. orders.services checks again; this only decides which buttons to show.
ACTIONS = {
    "sign": (OrderState.DRAFT,),
    "edit": (OrderState.DRAFT,),
    "send": (OrderState.SIGNED,),
    "acknowledge": (OrderState.SENT,),
    "refuse": OPEN_ORDER_STATES,
    "withdraw": (OrderState.DRAFT, OrderState.SIGNED, *OPEN_ORDER_STATES),
    "close": OPEN_ORDER_STATES,
    "repeat": OPEN_ORDER_STATES,
    "revoke": IN_FORCE_ORDER_STATES,
    "remove": (OrderState.DRAFT,),
}


# --- refusals ----------------------------------------------------------------------------------
def refuse_on_form(form, error: Exception) -> None:
    """Put a service's refusal on the form field it names (or above the form)."""
    if isinstance(error, DomainError):
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)
        return
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return
    form.add_error(None, error.messages)


def _forbidden(error: Exception) -> bool:
    return isinstance(error, NotAllowed) or getattr(error, "http_status", 400) == 403


def refusal_text(error: Exception) -> str:
    """A refusal as a message; a link it names is shown defanged, like every URL here."""
    if isinstance(error, DomainError):
        return defang_text(error.message)
    return defang_text(" ".join(error.messages))


def _now():
    return timezone.now()


# --- the list ----------------------------------------------------------------------------------
def _recipients(user):
    return order_selectors.recipients_for(user, active_only=False).order_by("name_ru", "id")


_FILTER_LABELS = {
    "number": gettext_lazy("Order number"),
    "state": gettext_lazy("State"),
    "kind": gettext_lazy("Kind"),
    "recipient": gettext_lazy("Recipient"),
    "overdue": gettext_lazy("Has overdue links"),
    "date_after": gettext_lazy("Dated on or after"),
    "date_before": gettext_lazy("Dated on or before"),
}
# The filters the page shows; the others of the shared FilterSet (agency, region, link,
# parent) work from the address, as in the API.
SHOWN_FILTERS = ("number", "recipient", "overdue", "date_after", "date_before")


def _filterset(request) -> OrderFilterSet:
    user = request.user
    filterset = OrderFilterSet(
        request.GET, queryset=order_selectors.orders_for(user), request=request
    )
    form = prepare_filter_form(filterset.form)
    for name, label in _FILTER_LABELS.items():
        form.fields[name].label = label
    form.fields["recipient"].queryset = _recipients(user)
    form.fields["recipient"].empty_label = _("any")
    return filterset


@login_required
def order_list(request):
    """The orders the user may read, through the FilterSet the API uses (orders.filtersets)."""
    user = request.user
    if not policy.can(user, "view", model=Order):
        raise Http404(_("No such page."))
    filterset = _filterset(request)
    valid = filterset.is_valid()
    # A wrong filter never silently widens the list: show nothing and say what is wrong.
    orders = filterset.qs if valid else filterset.queryset.none()
    orders = orders.annotate(
        link_count=Count("order_links", distinct=True),
        overdue_count=Count(
            "order_links",
            filter=Q(
                order_links__state=OrderLinkState.PENDING,
                order_links__deadline_at__lt=_now(),
                state__in=OPEN_ORDER_STATES,
            ),
            distinct=True,
        ),
    ).order_by("-created_at", "-id")
    paginator = CappedPaginator(orders, PAGE_SIZE, cap=COUNT_CAP)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    form = filterset.form
    context = {
        "form": form,
        "fields": [form[name] for name in SHOWN_FILTERS],
        "page": page,
        "orders": page.object_list,
        "capped": paginator.capped,
        "count_cap": COUNT_CAP,
        "query": query.urlencode(),
        "valid": valid,
        "can_create": policy.can(user, "add", model=Order),
        "overdue_url": overdue_url(),
        "overdue_only": request.GET.get("overdue") == "true",
    }
    return render(request, "portal/orders/list.html", context, status=200 if valid else 400)


def overdue_url() -> str:
    """The list of orders with overdue links (the dashboard's and the list's tab)."""
    return reverse("portal:orders") + "?overdue=true"


# --- an order's page ---------------------------------------------------------------------------
def _visible_order(user, pk: int) -> Order:
    order = (
        order_selectors.orders_for(user)
        .select_related(
            "recipient",
            "agency",
            "issued_by",
            "signatory",
            "court_decision",
            "parent",
        )
        .filter(pk=pk)
        .first()
    )
    if order is None:
        raise Http404(_("No such order, or you may not see it."))
    return order


def _order_links(user, order: Order):
    return (
        OrderLink.objects.restrict(user).filter(order=order).select_related("link").order_by("id")
    )


def available_actions(user, order: Order, order_links: list) -> list[str]:
    """The actions the page offers this user on this order: the policy says whether they may
    change it at all, the order's state which actions lead on. The service decides again."""
    if not policy.can(user, "change", order):
        return []
    offered = [name for name, states in ACTIONS.items() if order.state in states]
    now = _now()
    if "repeat" in offered and not any(_is_overdue(row, now) for row in order_links):
        offered.remove("repeat")
    if order.kind not in CLOCKED_KINDS:  # a restoration notice is neither repeated nor revoked
        offered = [name for name in offered if name not in ("repeat", "revoke")]
    if "revoke" in offered and all(row.state == OrderLinkState.REVOKED for row in order_links):
        offered.remove("revoke")
    if "close" in offered and not any(row.state == OrderLinkState.EXECUTED for row in order_links):
        offered.remove("close")
    return offered


def _is_overdue(row: OrderLink, now) -> bool:
    return bool(row.state == OrderLinkState.PENDING and row.deadline_at and row.deadline_at < now)


def _history(user, order: Order) -> list:
    """The order's own history records, newest first, each with what changed in words (for
    those whose roles read history, as on a link's page)."""
    if not user.has_perm("orders.view_historicalorder"):
        return []
    records = list(
        order.history.select_related("history_user").order_by("-history_date")[:HISTORY_SHOWN]
    )
    deltas = []
    for record, older in zip(records, [*records[1:], None], strict=True):
        deltas.append(record.diff_against(older).changes if older is not None else [])
    related = _related_values(change for changes in deltas for change in changes)
    return [
        {
            "record": record,
            "reason": _reason(record.history_change_reason),
            "changes": [
                {
                    "field": Order._meta.get_field(change.field).verbose_name,
                    "old": _shown(change.field, change.old, related),
                    "new": _shown(change.field, change.new, related),
                }
                for change in changes
            ],
        }
        for record, changes in zip(records, deltas, strict=True)
    ]


def _reason(text: str | None) -> str:
    """What a person wrote: orders.services records "<step>: <reason>", or the step alone (which
    the state beside it already says)."""
    step, colon, written = (text or "").partition(": ")
    return written.strip() if colon else ""


def _related_values(changes) -> dict:
    """The objects the foreign keys of these changes point to, in one query per model."""
    wanted: dict = {}
    for change in changes:
        field = Order._meta.get_field(change.field)
        if field.is_relation:
            wanted.setdefault(field.related_model, set()).update(
                value for value in (change.old, change.new) if value is not None
            )
    return {model: model._base_manager.in_bulk(list(ids)) for model, ids in wanted.items() if ids}


def _shown(name: str, value, related: dict) -> str:
    """One value of an order's field as the page shows it."""
    if value is None or value == "":
        return "—"
    field = Order._meta.get_field(name)
    if field.is_relation:
        target = related.get(field.related_model, {}).get(value)
        if target is None:
            return str(value)
        full_name = getattr(target, "get_full_name", None)
        return (full_name() or str(target)) if full_name else str(target)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "d.m.Y H:i")
    if isinstance(value, date):
        return date_format(value, "d.m.Y")
    return str(value)


def _detail_context(request, order: Order, forms: dict | None = None) -> dict:
    user = request.user
    rows = list(_order_links(user, order)[: LINKS_SHOWN + 1])
    truncated = len(rows) > LINKS_SHOWN
    rows = rows[:LINKS_SHOWN]
    link_ids = [row.link_id for row in rows]
    readable = set(
        link_selectors.links_for(user).filter(pk__in=link_ids).values_list("pk", flat=True)
    )
    link_selectors.read_links(
        user, [row.link for row in rows if row.link_id in readable], ReadChannel.PAGE
    )
    now = _now()
    for row in rows:
        row.readable = row.link_id in readable
        row.overdue = _is_overdue(row, now)
    actions = available_actions(user, order, rows)
    forms = forms or {}
    revocable = (
        OrderLink.objects.restrict(user).filter(order=order).exclude(state=OrderLinkState.REVOKED)
    )
    if "revoke" in actions and "revoke" not in forms:
        forms["revoke"] = RevokeForm(links=_links_of(revocable))
    for name in ("refuse", "withdraw", "close"):
        if name in actions and name not in forms:
            forms[name] = ReasonForm(prefix=name)
    if "edit" in actions and "edit" not in forms:
        forms["edit"] = _draft_form(user, order)
    counts = dict.fromkeys(OrderLinkState.values, 0)
    for row in (
        OrderLink.objects.restrict(user).filter(order=order).values("state").annotate(n=Count("id"))
    ):
        counts[row["state"]] = row["n"]
    return {
        "order": order,
        "order_links": rows,
        "links_truncated": truncated,
        "links_shown": LINKS_SHOWN,
        "link_counts": [(OrderLinkState(state).label, n) for state, n in counts.items()],
        "overdue_count": sum(1 for row in rows if row.overdue),
        "documents": list(
            OrderDocument.objects.restrict(user)
            .filter(order=order)
            .select_related("generated_by")
            .order_by("-generated_at", "language", "format")
        ),
        "followers": list(
            order_selectors.orders_for(user).filter(parent=order).order_by("created_at")
        ),
        "history": _history(user, order),
        "actions": actions,
        "action_items": [(name, forms.get(name)) for name in actions],
        "revocable_rows": [row for row in rows if row.state != OrderLinkState.REVOKED],
        "final": order.state in FINAL_ORDER_STATES,
        # A restoration notice runs no deadline clock.
        "clocked": order.kind in CLOCKED_KINDS,
    }


def _draft_form(user, order: Order, data=None) -> DraftForm:
    initial = {name: getattr(order, name) for name in DRAFT_FIELDS}
    initial["recipient"] = order.recipient_id
    recipients = order_selectors.recipients_for(user).order_by("name_ru", "id")
    return DraftForm(data, initial=initial, recipients=recipients)


DRAFT_FIELDS = ("number", "date", "recipient", "law_article", "note")


def _links_of(order_links):
    return Link.objects.filter(pk__in=order_links.values("link_id"))


@login_required
def order_detail(request, pk: int):
    order = _visible_order(request.user, pk)
    return render(request, "portal/orders/detail.html", _detail_context(request, order))


@login_required
@require_POST
def order_action(request, pk: int, action: str):
    """One action of the order's page, through its orders.services function."""
    user = request.user
    order = _visible_order(user, pk)
    if action not in ACTIONS:
        raise Http404(_("No such action."))
    if not policy.can(user, "change", order):
        raise PermissionDenied(_("Your role does not act on this order."))
    form = None
    if action in ("refuse", "withdraw", "close"):
        form = ReasonForm(request.POST, prefix=action)
    elif action == "edit":
        form = _draft_form(user, order, request.POST)
    elif action == "revoke":
        revocable = (
            OrderLink.objects.restrict(user)
            .filter(order=order)
            .exclude(state=OrderLinkState.REVOKED)
        )
        form = RevokeForm(request.POST, links=_links_of(revocable))
    if form is not None and not form.is_valid():
        return _detail_again(request, order, action, form)
    try:
        target = _perform(user, order, action, form, request.POST)
    except (ValidationError, DomainError) as error:
        if _forbidden(error):
            messages.error(request, refusal_text(error))
            return _detail_again(request, order, action, form, status=403)
        if form is None:
            messages.error(request, refusal_text(error))
            return _detail_again(request, order, action, None)
        refuse_on_form(form, error)
        return _detail_again(request, order, action, form)
    messages.success(request, _SUCCESS[action]())
    return redirect("portal:order", pk=target.pk)


_SUCCESS = {
    "edit": lambda: _("The draft is saved."),
    "sign": lambda: _("The order is signed."),
    "send": lambda: _("The order is sent; the deadline clocks run."),
    "acknowledge": lambda: _("The recipient's acknowledgement is recorded."),
    "refuse": lambda: _("The recipient's refusal is recorded."),
    "withdraw": lambda: _("The order is withdrawn."),
    "close": lambda: _("The order is closed as partly executed."),
    "repeat": lambda: _("A repeated submission for the overdue links is drafted."),
    "revoke": lambda: _("A restoration notice is drafted for the chosen links."),
    "remove": lambda: _("The links are removed from the draft."),
}


def _perform(user, order: Order, action: str, form, post) -> Order:
    """Call the service of one action; the order to show afterwards."""
    if action == "edit":
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        if changed:
            services.update_draft(user, order, **changed)
    elif action == "sign":
        services.sign_order(user, order)
    elif action == "send":
        services.send_order(user, order)
    elif action == "acknowledge":
        services.acknowledge_order(user, order)
    elif action == "refuse":
        services.refuse_order(user, order, form.cleaned_data["reason"])
    elif action == "withdraw":
        services.withdraw_order(user, order, form.cleaned_data["reason"])
    elif action == "close":
        services.close_partly(user, order, form.cleaned_data["reason"])
    elif action == "repeat":
        return services.create_repeated_order(user, order)
    elif action == "revoke":
        data = form.cleaned_data
        return services.revoke_links(user, order, list(data["links"]), data["reason"])
    elif action == "remove":
        ids = [value for value in post.getlist("link") if value.isdigit()]
        links = list(Link.objects.filter(pk__in=ids, order_links__order=order).distinct())
        if not links:
            raise ValidationError(_("Choose the links to remove."))
        services.remove_links(user, order, links)
    return order


def _detail_again(request, order: Order, action: str, form, status: int = 400):
    order.refresh_from_db()
    forms = {action: form} if form is not None else {}
    context = _detail_context(request, order, forms)
    context["failed_action"] = action
    return render(request, "portal/orders/detail.html", context, status=status)


@login_required
def document_download(request, pk: int, document_pk: int):
    """A generated document of an order, as a download, through the policy."""
    order = _visible_order(request.user, pk)
    document = (
        OrderDocument.objects.restrict(request.user).filter(order=order, pk=document_pk).first()
    )
    if document is None or not document.file:
        raise Http404(_("No such document."))
    name = f"{order.number}-{document.kind}-{document.language}.{document.format}"
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=name)


# --- creating an order -------------------------------------------------------------------------
def _selection(request, data: QueryDict):
    """The links a new order starts from, as far as the user may read them, and where they come
    from: ticked links (`link`), a whole republication group (`group`), or every orderable link
    matching the registry filters (`from_filter`). Returns (queryset, source)."""
    user = request.user
    readable = link_selectors.links_for(user)
    if data.get("group", "").isdigit():
        group = data["group"]
        members = check_selectors.stats_for(user).filter(republication_group=group)
        return readable.filter(pk__in=members.values("link_id")), "group"
    if data.get("from_filter"):
        filters = data.copy()
        for key in ("from_filter", "link", "page", "csrfmiddlewaretoken"):
            filters.pop(key, None)
        listing = registry_listing(request, filters)
        if not listing.valid:
            return readable.none(), "filter"
        return listing.queryset.filter(state__in=ORDERABLE_STATES), "filter"
    ids = [value for value in data.getlist("link") if value.isdigit()]
    return readable.filter(pk__in=ids), "links"


def _decisions(user, term: str):
    decisions = CourtDecision.objects.restrict(user)
    term = term.strip()
    if term:
        decisions = decisions.filter(Q(case_number__icontains=term) | Q(court__icontains=term))
    return decisions.order_by("-decision_date", "-id")


def _create_form(user, data=None, initial=None):
    return OrderCreateForm(
        data,
        initial=initial,
        links=link_selectors.links_for(user),
        recipients=order_selectors.recipients_for(user).order_by("name_ru", "id"),
        decisions=CourtDecision.objects.restrict(user),
    )


def _decision_choices(user, form) -> list:
    """The decisions offered as choices: those matching the search, and the chosen one."""
    values = form.data if form.is_bound else form.initial
    term = values.get("decision_q") or ""
    shown = list(_decisions(user, term)[:DECISIONS_SHOWN])
    chosen = values.get("court_decision")
    if chosen and str(chosen).isdigit() and all(str(d.pk) != str(chosen) for d in shown):
        extra = CourtDecision.objects.restrict(user).filter(pk=chosen).first()
        if extra is not None:
            shown.insert(0, extra)
    return shown


@login_required
def order_create(request):
    """GET: the new-order form for a selection of links. POST: create the draft through
    orders.services.create_order (or, with "find", only search the court decisions)."""
    user = request.user
    if not policy.can(user, "add", model=Order):
        raise Http404(_("No such page."))
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    status = 200
    if request.method == "GET":
        selection, source = _selection(request, request.GET)
        selected = list(selection.order_by("id")[: ORDER_MAX_LINKS + 1])
        form = _create_form(user)
    else:
        ids = [value for value in request.POST.getlist("links") if value.isdigit()]
        source = "links"
        if "find" in request.POST:
            # Only the decision search (without JavaScript): the form again, unjudged.
            kept = ("recipient", "law_article", "note", "decision_q", "court_decision")
            form = _create_form(user, initial={key: request.POST.get(key, "") for key in kept})
        else:
            form = _create_form(user, request.POST)
            status = 400
            if form.is_valid():
                links = list(form.cleaned_data["links"])
                if not links:
                    form.add_error("links", _("Choose at least one link."))
                elif len(links) > ORDER_MAX_LINKS:
                    form.add_error("links", _too_many())
                else:
                    created = _create(user, form, links)
                    if created is not None:
                        messages.success(
                            request,
                            _("Draft order %(number)s is created.") % {"number": created.number},
                        )
                        return redirect("portal:order", pk=created.pk)
        selected = list(
            link_selectors.links_for(user).filter(pk__in=ids).order_by("id")[: ORDER_MAX_LINKS + 1]
        )
    too_many = len(selected) > ORDER_MAX_LINKS
    if too_many:
        messages.error(request, _too_many())
        selected = []
    link_selectors.read_links(user, selected, ReadChannel.LIST)
    context = {
        "form": form,
        "selected": selected,
        "not_orderable": [link for link in selected if link.state not in ORDERABLE_STATES],
        "source": source,
        "decisions": _decision_choices(user, form),
        "chosen_decision": str(
            (form.data if form.is_bound else form.initial).get("court_decision") or ""
        ),
        "max_links": ORDER_MAX_LINKS,
    }
    return render(request, "portal/orders/create.html", context, status=status)


def _too_many() -> str:
    return _("An order covers at most %(limit)s links; narrow the selection and try again.") % {
        "limit": ORDER_MAX_LINKS
    }


def _create(user, form, links) -> Order | None:
    data = form.cleaned_data
    try:
        return services.create_order(
            user,
            recipient=data["recipient"],
            links=links,
            court_decision=data["court_decision"],
            law_article=data["law_article"].strip(),
            note=data["note"],
        )
    except (ValidationError, DomainError) as error:
        refuse_on_form(form, error)
        return None


@login_required
def decision_search(request):
    """The court decisions matching a case number or court: the radio choices of the new-order
    form, swapped in by htmx as the prosecutor types."""
    user = request.user
    if not policy.can(user, "add", model=Order):
        raise Http404(_("No such page."))
    term = request.GET.get("decision_q", "")
    return render(
        request,
        "portal/orders/_decisions.html",
        {
            "decisions": list(_decisions(user, term)[:DECISIONS_SHOWN]),
            "chosen_decision": request.GET.get("court_decision", ""),
        },
    )


@login_required
@require_POST
def add_to_order(request, link_pk: int):
    """From a link's page: add the link to one of the user's draft orders."""
    user = request.user
    link = link_selectors.links_for(user).filter(pk=link_pk).first()
    if link is None:
        raise Http404(_("No such link, or you may not see it."))
    form = AddToOrderForm(request.POST, drafts=drafts_for(user))
    if not form.is_valid():
        messages.error(request, _("Choose one of your draft orders."))
        return redirect("portal:link", pk=link.pk)
    order = form.cleaned_data["order"]
    try:
        services.add_links(user, order, [link])
    except (ValidationError, DomainError) as error:
        messages.error(request, refusal_text(error))
        return redirect("portal:link", pk=link.pk)
    messages.success(
        request, _("The link is added to draft order %(number)s.") % {"number": order.number}
    )
    return redirect("portal:order", pk=order.pk)


# --- for other pages ---------------------------------------------------------------------------
def drafts_for(user):
    """The draft orders the user may change (to add a link to)."""
    return order_selectors.drafts_for(user)


def link_orders(user, link: Link) -> dict:
    """A link page's part on orders: the orders that cover the link (its trail), and what the
    user may do from there (start an order, add the link to a draft)."""
    if not policy.can(user, "view", model=Order):
        return {}
    trail = list(
        OrderLink.objects.restrict(user)
        .filter(link=link)
        .select_related("order", "order__recipient")
        .order_by("-order__created_at", "-id")
    )
    context = {"trail": trail, "can_create": False}
    if policy.can(user, "add", model=Order) and link.state in ORDERABLE_STATES:
        drafts = drafts_for(user).exclude(order_links__link=link)
        context["can_create"] = True
        context["new_url"] = new_order_url(link=link.pk)
        if drafts.exists():
            context["add_form"] = AddToOrderForm(drafts=drafts)
    return context


def new_order_url(**params) -> str:
    query = urlencode(params, doseq=True)
    return reverse("portal:order_create") + (f"?{query}" if query else "")


def overdue_summary(user) -> dict | None:
    """The dashboard's "overdue orders": how many orders have overdue links, and the link."""
    if not policy.can(user, "view", model=Order):
        return None
    overdue = order_selectors.overdue_order_links(user)
    orders = order_selectors.overdue_orders(user)[: COUNT_CAP + 1].count()
    return {
        "orders": orders,
        "links": overdue[: COUNT_CAP + 1].count(),
        "cap": COUNT_CAP,
        "url": overdue_url(),
    }
