"""Template helpers of the portal: defanged URLs, state badges, the current section.

Links in the registry point to extremist content, so the portal never shows one as a live link
(docs/design.md §5.3): every URL is shown *defanged*, the way incident reports write them —
`hxxps://example[.]com/path` — text that no browser, mail client or chat turns into a link by
itself. Opening one takes an explicit action on the link's page.
"""

import re

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

# A scheme URL inside free text (a notification, a page title): its scheme and host.
_URL_IN_TEXT = re.compile(r"(?i)\b(https?|ftp)://([^\s/?#<>\"']*)")
# Any URL at the start of a field: scheme (any), then host.
_LEADING_URL = re.compile(r"(?i)^([a-z][a-z0-9+.-]*)://([^/?#]*)")
_BARE_DOT = re.compile(r"(?<!\[)\.|\.(?!\])")
_SCHEMES = {"http": "hxxp", "https": "hxxps", "ftp": "fxp"}


def _defang_scheme(scheme: str) -> str:
    return _SCHEMES.get(scheme.lower(), scheme)


def _defang_host(host: str) -> str:
    return _BARE_DOT.sub("[.]", host)  # dots already bracketed stay as they are


def _defang_match(match: re.Match) -> str:
    scheme, host = match.groups()
    return f"{_defang_scheme(scheme)}://{_defang_host(host)}"


def defang_text(text) -> str:
    """Every http(s)/ftp URL inside `text` with its scheme and host defanged."""
    if text is None:
        return ""
    return _URL_IN_TEXT.sub(_defang_match, str(text))


def defang(url) -> str:
    """A URL as inert text: `https://a.example/x` → `hxxps://a[.]example/x`.

    A URL typed without a scheme (`t.me/channel/5`) has the dots of its host bracketed; URLs
    nested in the path or query (redirectors) are defanged too."""
    if url is None:
        return ""
    text = str(url).strip()
    match = _LEADING_URL.match(text)
    if match:
        head = f"{_defang_scheme(match[1])}://{_defang_host(match[2])}"
        return head + defang_text(text[match.end() :])
    host, slash, rest = text.partition("/")
    return _defang_host(host) + slash + defang_text(rest)


register.filter("defang", defang, is_safe=False)
register.filter("defang_text", defang_text, is_safe=False)


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
