"""Any HTML page: the links on it whose absolute URL matches the source's pattern.

Every ``<a href>`` is resolved against the page URL (``<base href>`` is ignored: the page
must not choose what its links resolve against) and kept when the source's regular
expression finds a match in the absolute URL (``search``, so anchor it with ``^…$`` to
match whole URLs). The anchor's text is the item's text and title; the page's ``<title>``
is the page title. There is no next page.

Patterns are written by users, so they are bounded three ways (:func:`compile_pattern`):

1. at most :data:`PATTERN_LIMIT` characters, Python ``re`` syntax, checked with the
   standard library's own parser;
2. constructs that backtrack without bound are refused before use: a repeat inside a
   repeat (``(a+)+``, ``(\\w*x?)*``) and back-references (``(a)\\1``); so are counted
   repeats above :data:`REPEAT_LIMIT` multiplied out (``(?:a{100}){100}``), which the
   engines unroll at compile time;
3. matching runs on the ``regex`` module (pinned) with a timeout per URL and a budget for
   the whole page, so what (2) cannot see (overlapping alternatives, ``(a|aa)+``) still
   stops; a pattern that runs out of time fails the page with BAD_PATTERN. Without
   ``regex`` installed the standard ``re`` runs with (1) and (2) only.

URLs longer than :data:`.base.URL_LIMIT` are never matched, and at most
:data:`MAX_LINKS` anchors are looked at.
"""

from __future__ import annotations

import re
import time

from django.utils.translation import gettext_lazy as _

from .base import FailureCode, ItemList, Page, ParseFailed, absolute_url
from .markup import parse_html, text_of

try:  # the standard library's parser of regular expressions (3.11+ name, then the old one)
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]

try:
    import regex
except ImportError:  # pragma: no cover - regex is pinned in requirements.txt
    regex = None

PATTERN_LIMIT = 500
#: Largest count a repeat may reach, nested repeats multiplied ((?:a{100}){100} is 10,000):
#: the regex engines unroll counted repeats, so big products cost seconds and memory to
#: compile before any timeout applies.
REPEAT_LIMIT = 2000
MAX_LINKS = 20000
#: Seconds one URL may take to match, and the whole page.
MATCH_TIMEOUT = 0.05
PAGE_BUDGET = 2.0

_REPEATS = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT}
if hasattr(sre_parse, "POSSESSIVE_REPEAT"):
    _REPEATS.add(sre_parse.POSSESSIVE_REPEAT)


class CompiledPattern:
    """A checked pattern and how to run it within its time limits."""

    def __init__(self, source: str, use_regex: bool | None = None) -> None:
        self.source = source
        self.use_regex = (regex is not None) if use_regex is None else use_regex
        if self.use_regex:
            self._compiled = regex.compile(source, flags=regex.VERSION0)
        else:
            self._compiled = re.compile(source)

    def search(self, text: str, timeout: float = MATCH_TIMEOUT) -> bool:
        if self.use_regex:
            return self._compiled.search(text, timeout=timeout) is not None
        return self._compiled.search(text) is not None


def _bad(message, params: dict | None = None, detail: str = "") -> ParseFailed:
    return ParseFailed(FailureCode.BAD_PATTERN, message, params, detail)


def compile_pattern(pattern: str | None, *, use_regex: bool | None = None) -> CompiledPattern:
    """The checked, compiled pattern; ``ParseFailed(BAD_PATTERN)`` saying what is wrong.

    The sources app calls this when a pattern source is saved, so that a user learns at
    once, not at the first watch.
    """
    if not pattern or not pattern.strip():
        raise _bad(_("A pattern source needs a link pattern (a regular expression)."))
    if len(pattern) > PATTERN_LIMIT:
        raise _bad(
            _("The link pattern is %(length)s characters long; at most %(limit)s are allowed."),
            {"length": len(pattern), "limit": PATTERN_LIMIT},
        )
    try:
        tree = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        position = getattr(exc, "pos", None)
        raise _bad(
            _("The link pattern is not a valid regular expression (%(error)s, at %(pos)s)."),
            {"error": getattr(exc, "msg", str(exc)), "pos": position if position else 0},
            detail=str(exc),
        ) from None
    _check_tree(tree, inside_repeat=False)
    _check_counts(tree)
    try:
        return CompiledPattern(pattern, use_regex)
    except (re.error, ValueError, OverflowError) as exc:  # regex.error is a ValueError
        raise _bad(
            _("The link pattern is not a valid regular expression (%(error)s, at %(pos)s)."),
            {"error": str(exc), "pos": 0},
        ) from None


def _check_tree(tree, inside_repeat: bool, depth: int = 0) -> None:
    """Refuse nested unbounded repeats and back-references (catastrophic backtracking)."""
    if depth > 50:
        raise _bad(_("The link pattern nests groups too deeply."))
    for op, arg in tree:
        if op in (sre_parse.GROUPREF, sre_parse.GROUPREF_EXISTS):
            raise _bad(_("Back-references such as \\1 are not allowed in link patterns."))
        if op in _REPEATS:
            low, high, sub = arg
            # Only a repeat of variable length can match one text in many ways; a fixed
            # count ({2}) or an optional (?) cannot.
            repeats = low != high and (high is sre_parse.MAXREPEAT or high > 1)
            if repeats and inside_repeat:
                raise _bad(
                    _(
                        "The link pattern repeats a repetition (like (a+)+), which can take "
                        "forever to match; rewrite it without the nested repeat."
                    )
                )
            _check_tree(sub, inside_repeat or repeats, depth + 1)
        elif op is sre_parse.SUBPATTERN:
            _check_tree(arg[-1], inside_repeat, depth + 1)
        elif op is sre_parse.BRANCH:
            for branch in arg[1]:
                _check_tree(branch, inside_repeat, depth + 1)
        elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
            _check_tree(arg[1], inside_repeat, depth + 1)
        elif hasattr(sre_parse, "ATOMIC_GROUP") and op is sre_parse.ATOMIC_GROUP:
            _check_tree(arg, inside_repeat, depth + 1)


def _check_counts(tree, outer: int = 1, depth: int = 0) -> None:
    """Refuse counted repeats whose nested product exceeds :data:`REPEAT_LIMIT`."""
    for op, arg in tree:
        if depth > 50:
            return  # _check_tree has refused this already
        subtrees = []
        factor = 1
        if op in _REPEATS:
            low, high, sub = arg
            factor = max(low, 1) if high is sre_parse.MAXREPEAT else high
            if outer * factor > REPEAT_LIMIT:
                raise _bad(
                    _("The link pattern repeats too many times (at most %(limit)s in all)."),
                    {"limit": REPEAT_LIMIT},
                )
            subtrees = [sub]
        elif op is sre_parse.SUBPATTERN:
            subtrees = [arg[-1]]
        elif op is sre_parse.BRANCH:
            subtrees = list(arg[1])
        elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
            subtrees = [arg[1]]
        for sub in subtrees:
            _check_counts(sub, outer * factor, depth + 1)


def parse(body: bytes, url: str, content_type: str | None = None, *, pattern=None) -> Page:
    compiled = pattern if isinstance(pattern, CompiledPattern) else compile_pattern(pattern)
    root = parse_html(body, content_type)
    title = text_of(root.find(".//title"), 600)
    items = ItemList()
    deadline = time.monotonic() + PAGE_BUDGET
    for count, anchor in enumerate(root.iter("a")):
        if count >= MAX_LINKS or items.full:
            break
        link = absolute_url(anchor.get("href"), url)
        if link is None:
            continue
        try:
            matched = compiled.search(link)
        except TimeoutError:
            matched = None
        if matched is None or time.monotonic() > deadline:
            raise _bad(
                _(
                    "The link pattern takes too long to match the links of this page; "
                    "make it simpler (fewer alternatives and repeats)."
                )
            )
        if matched:
            text = text_of(anchor, 2000)
            items.add(link, text=text, title=text)
    return items.page(None, title)
