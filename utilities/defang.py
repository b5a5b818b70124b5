"""URLs as inert text ("defanged"), the way incident reports write them: `hxxps://example[.]com/path`.

Links in the registry point to extremist content, so nothing the product shows or writes (the
portal's pages, the orders' documents) carries one as a live link (docs/design.md §5.3): a
defanged URL is text that no browser, mail client, word processor or chat turns into a link by
itself. Django-free, so documents, exports and templates share one spelling.
"""

import re

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
