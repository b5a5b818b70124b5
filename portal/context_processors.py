from functools import cache

from django.conf import settings

from accounts import policy

UNREAD_CAP = 99  # the navigation shows "99+" past this


def portal(request):
    context = {"demo_mode": settings.DEMO_MODE}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context

    @cache
    def unread():
        """Unread notifications, counted only if a page shows them: one capped COUNT."""
        from checks.selectors import notifications_for

        return notifications_for(user, unread_only=True)[: UNREAD_CAP + 1].count()

    @cache
    def sees_links():
        from registry.models import Link

        return policy.can(user, "view", model=Link)

    @cache
    def sees_orders():
        from orders.models import Order

        return policy.can(user, "view", model=Order)

    @cache
    def may_submit():
        from portal.submissions import may_submit

        return may_submit(user)

    @cache
    def sees_materials():
        from materials.models import Material

        return policy.can(user, "view", model=Material)

    @cache
    def sees_organizations():
        from organizations.models import Organization

        return policy.can(user, "view", model=Organization)

    @cache
    def sees_sources():
        from sources.models import Source

        return policy.can(user, "view", model=Source)

    @cache
    def work_queues():
        """The user's work queues with their counts (registry.queues: one query, cached)."""
        from django.urls import reverse

        from registry import queues

        offered = queues.queues_for(user)
        if not offered:
            return []
        found = queues.cached_counts(user)
        here = request.GET.get("queue") if _on_registry_list(request) else None
        base = reverse("portal:links")
        return [
            {
                "queue": queue,
                "count": found.get(queue.name, 0),
                "url": f"{base}?queue={queue.name}",
                "current": queue.name == here,
            }
            for queue in offered
        ]

    context["nav_queues"] = work_queues
    context["unread_notifications"] = unread
    context["unread_cap"] = UNREAD_CAP
    context["nav_sees_links"] = sees_links
    context["nav_sees_orders"] = sees_orders
    # Each entry of the navigation shows only when the access policy lets the user use it.
    context["nav_may_submit"] = may_submit
    context["nav_sees_materials"] = sees_materials
    context["nav_sees_organizations"] = sees_organizations
    context["nav_sees_sources"] = sees_sources
    return context


def _on_registry_list(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "links"
