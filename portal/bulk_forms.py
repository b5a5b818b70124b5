"""The bulk bar of the registry list and of a batch's results (portal.views.bulk): which
actions the user is offered and the pick-lists of their parameters.

The form only draws the bar; what is posted goes to registry.bulk as it is, which checks the
parameters and asks the services for every link. The lists offer what the user may pick
(agencies of their territory and their officers, their own draft orders), so nobody types a
number.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import Agency, User
from orders import selectors as order_selectors
from orders.models import Order
from registry import bulk, transitions
from registry.choices import LinkClassification
from registry.models import Link

# Actions whose refusal is a move of the table: offered to whoever the table lets move.
_MOVES = {"start_review": "start_review", "confirm": "confirm", "reject": "reject"}
ACTION_LABELS = {
    "start_review": _("Start review"),
    "assign": _("Assign"),
    "classify": _("Classify"),
    "reject": _("Reject (with a reason)"),
    "confirm": _("Confirm as illegal (with a reason)"),
    "add_to_order": _("Add to a draft order"),
    "new_order": _("New blocking order"),
}
PREFIX = "bulk"
# Agencies and officers offered in one list at most (a central office sees the country).
PICK_LIMIT = 500


def assignable_agencies(user):
    """The agencies of the user's territory: those registry.services.assign accepts."""
    decision = policy.scope_of(user).q(agency_field="pk", region_field="region")
    agencies = Agency.objects.filter(is_active=True)
    if decision is False:
        return agencies.none()
    if decision is not True:
        agencies = agencies.filter(decision)
    return agencies.order_by("code")


def offered_actions(user, *, may_order: bool, drafts) -> list[str]:
    """The bulk actions the bar offers this user, in the bar's order."""
    offered = []
    if policy.can(user, "change", model=Link):
        offered += [
            name
            for name in ("start_review", "assign", "classify", "reject", "confirm")
            if name not in _MOVES or transitions.BY_NAME[_MOVES[name]].allows(user)
        ]
    if may_order:
        if drafts is not None and drafts.exists():
            offered.append("add_to_order")
        offered.append("new_order")
    return offered


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(label=_("With the selected links"), choices=())
    reason = forms.CharField(label=_("Reason"), required=False, max_length=1000)
    expert_opinion = forms.CharField(
        label=_("Expert opinion (for links after an examination)"), required=False, max_length=500
    )
    classification = forms.ChoiceField(label=_("Classification"), required=False, choices=())
    agency = forms.ChoiceField(label=_("Agency"), required=False, choices=())
    user = forms.ChoiceField(label=_("Officer"), required=False, choices=())
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    order = forms.ChoiceField(label=_("Draft order"), required=False, choices=())

    def __init__(self, *args, user, actions: list[str], drafts=None, form_id: str, **kwargs):
        # Prefixed: the registry list's filters have fields of the same names on the page.
        kwargs.setdefault("prefix", PREFIX)
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(name, ACTION_LABELS[name]) for name in actions]
        self.fields["classification"].choices = [("", "—"), *LinkClassification.choices]
        if "assign" in actions:
            agencies = list(assignable_agencies(user)[:PICK_LIMIT])
            self.fields["agency"].choices = [
                ("", _("nobody (clear the assignment)")),
                *((a.code, f"{a.name} ({a.code})") for a in agencies),
            ]
            officers = (
                User.objects.restrict(user)
                .filter(agency__in=[a.pk for a in agencies], is_active=True)
                .select_related("agency")
                .order_by("agency__code", "last_name", "username")[:PICK_LIMIT]
            )
            self.fields["user"].choices = [
                ("", _("any officer of the agency")),
                *(
                    (u.username, f"{u.get_full_name() or u.username} ({u.agency.code})")
                    for u in officers
                ),
            ]
        if drafts is not None and "add_to_order" in actions:
            self.fields["order"].choices = [(o.pk, str(o.number)) for o in drafts[:PICK_LIMIT]]
        for name in self.fields:
            # The bar sits outside the form that holds the ticks: its fields join it by id.
            self.fields[name].widget.attrs["form"] = form_id


def may_order(user) -> bool:
    return policy.can(user, "add", model=Order)


def bar_context(request, *, form_id: str) -> dict:
    """What a page needs to draw the bulk bar; empty when the user may do nothing in bulk.
    `form_id` is the form that holds the page's ticks (the bar's fields join it)."""
    user = request.user
    ordering = may_order(user)
    drafts = order_selectors.drafts_for(user) if ordering else None
    actions = offered_actions(user, may_order=ordering, drafts=drafts)
    if not actions:
        return {}
    form = BulkActionForm(user=user, actions=actions, drafts=drafts, form_id=form_id)
    return {
        "bulk_form": form,
        "bulk_form_id": form_id,
        "bulk_next": request.get_full_path(),
        "bulk_limit": f"{bulk.MAX_SELECTION:,}".replace(",", "\u202f"),
    }
