"""The orders' bulk action on links (registry.bulk): add the selected links to a draft order.

Each link the draft may cover is added and each other one is refused with its reason
(orders.services.add_links_where_allowed); an order that is not a draft the user may change
refuses the whole action before anything is added. Registered from OrdersConfig.ready().
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kibernadzor.errors import DomainError
from orders import services
from registry import bulk


def _check(user, params: dict) -> dict:
    services.require_issuer(user)
    order = str(params.get("order") or "").strip()
    if not order.isdigit():
        raise DomainError(_("Choose one of your draft orders."), field="order")
    return {"order": int(order)}


def _add(user, links, params: dict, outcome: bulk.Outcome) -> None:
    refusals = services.add_links_where_allowed(user, params["order"], links)
    for link in links:
        refusal = refusals.get(link.pk)
        if refusal is None:
            outcome.done.append(link.pk)
        else:
            outcome.refuse(link, refusal)


bulk.register(bulk.BulkAction("add_to_order", gettext_lazy("Add to a draft order"), _add, _check))
