"""Template helpers of the portal: defanged URLs, state badges, the current section.

Links in the registry point to extremist content, so the portal never shows one as a live link
(docs/design.md §5.3): every URL is shown *defanged*, the way incident reports write them —
`hxxps://example[.]com/path` — text that no browser, mail client or chat turns into a link by
itself. Opening one takes an explicit action on the link's page. The defanging itself is
utilities/defang.py, which the orders' documents share.
"""

from django import template
from django.utils.safestring import mark_safe

from checks.choices import fetch_error_label
from registry.selectors import change_reason_label
from utilities.defang import defang, defang_text

register = template.Library()

register.filter("defang", defang, is_safe=False)
register.filter("defang_text", defang_text, is_safe=False)
register.filter("fetch_error", fetch_error_label, is_safe=False)
register.filter("change_reason", change_reason_label, is_safe=False)


@register.filter
def state_class(state: str) -> str:
    """The CSS class of a link state badge (states are a closed set of slugs)."""
    return f"state state-{str(state).replace('_', '-')}"


@register.simple_tag(takes_context=True)
def current(context, *url_names) -> str:
    """`aria-current="page"` when the request resolved to one of these portal URL names."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name in url_names:
        return mark_safe('aria-current="page"')
    return ""


@register.filter
def get_item(mapping, key):
    """`mapping[key]`, or None: a dict the view built, read in a loop."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
