"""Safe HTML and XML parsing for the parsers (lxml, no network, no entities, no DTDs).

XML from a source is hostile until proven otherwise: the parser below never loads a DTD,
never resolves an entity (no XXE, no "billion laughs"), never touches the network and keeps
libxml2's default limits on depth and text size (``huge_tree=False``). A document that
declares entities in an internal DTD subset is refused outright: no feed needs them, and
``feedparser`` (which the RSS parser uses for its field mapping) is only ever handed the
re-serialised tree, which carries no DOCTYPE at all.
"""

from __future__ import annotations

import codecs
import re

import lxml.etree
import lxml.html
from django.utils.translation import gettext_lazy as _

from .base import FailureCode, ParseFailed, check_size

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)


def charset_of(content_type: str | None) -> str | None:
    """The charset a Content-Type header names, if Python knows it."""
    if not content_type:
        return None
    match = _CHARSET.search(content_type)
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1)).name
    except LookupError:
        return None


def mime_of(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def parse_html(body: bytes, content_type: str | None = None) -> lxml.html.HtmlElement:
    """The HTML document of ``body``; its charset from the header, else the page's meta."""
    check_size(body)
    if not body.strip():
        raise ParseFailed(FailureCode.UNREADABLE, _("The page is empty."))
    charset = charset_of(content_type)
    try:
        root = _html_root(body, charset)
    except LookupError:
        # A charset Python knows and libxml2 does not (kz1048, mac-cyrillic, utf-8-sig):
        # decode here and hand lxml text.
        text = _XML_DECLARATION.sub("", body.decode(charset or "utf-8", "replace"), count=1)
        try:
            root = _html_root(text, None)
        except (lxml.etree.ParserError, ValueError) as exc:
            raise ParseFailed(
                FailureCode.UNREADABLE, _("The page could not be read as HTML."), detail=str(exc)
            ) from None
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ParseFailed(
            FailureCode.UNREADABLE, _("The page could not be read as HTML."), detail=str(exc)
        ) from None
    if root is None:
        raise ParseFailed(FailureCode.UNREADABLE, _("The page could not be read as HTML."))
    return root


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _html_root(body: bytes | str, charset: str | None):
    parser = lxml.html.HTMLParser(
        encoding=charset,
        remove_comments=True,
        remove_pis=True,
        no_network=True,
        huge_tree=False,
        default_doctype=False,
    )
    return lxml.html.document_fromstring(body, parser=parser)


def _xml_parser() -> lxml.etree.XMLParser:
    return lxml.etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=True,
    )


def looks_like_html(body: bytes) -> bool:
    head = body[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:512]


_PROLOG_ENCODING = re.compile(rb"^<\?xml[^>]*encoding\s*=", re.IGNORECASE)
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def parse_xml(body: bytes, content_type: str | None = None) -> lxml.etree._Element:
    """The root element of an XML document, with the guards in the module docstring.

    The charset of ``content_type`` is used only when the document names none itself (no
    BOM, no ``encoding=`` in its prolog): servers often label feeds wrongly, the prolog is
    written with the document.

    Raises ``ParseFailed``: HOSTILE for entity declarations, NOT_A_FEED for HTML,
    UNREADABLE for anything that is not XML at all.
    """
    check_size(body)
    charset = None
    if not body.startswith(_BOMS) and not _PROLOG_ENCODING.match(body.lstrip()):
        charset = charset_of(content_type)
    if charset and charset != "utf-8":
        # Decoded by Python (which knows more charsets than libxml2), parsed as UTF-8.
        body = body.decode(charset, "replace").encode("utf-8")
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise ParseFailed(FailureCode.UNREADABLE, _("The page is empty."))
    if looks_like_html(stripped):
        raise ParseFailed(
            FailureCode.NOT_A_FEED,
            _("The address returned an HTML page, not a feed or sitemap (XML)."),
        )
    try:
        tree = lxml.etree.ElementTree(lxml.etree.fromstring(stripped, parser=_xml_parser()))
    except (lxml.etree.XMLSyntaxError, ValueError) as exc:
        raise ParseFailed(
            FailureCode.UNREADABLE, _("The page is not well-formed XML."), detail=str(exc)
        ) from None
    root = tree.getroot()
    if root is None:
        raise ParseFailed(FailureCode.UNREADABLE, _("The page is not well-formed XML."))
    dtd = tree.docinfo.internalDTD
    if _declares_entity(stripped) or (dtd is not None and any(True for _e in dtd.iterentities())):
        raise ParseFailed(
            FailureCode.HOSTILE,
            _("The document declares XML entities in its DOCTYPE; it is refused unread."),
        )
    return root


def _declares_entity(body: bytes) -> bool:
    """An ``<!ENTITY`` in the prolog (before the root element), whatever lxml made of it."""
    head = body[:65536]
    doctype = head.find(b"<!DOCTYPE")
    if doctype < 0:
        return False
    return b"<!ENTITY" in head[doctype:]


def local_name(element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace(element) -> str:
    tag = element.tag
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].split("}", 1)[0]
    return ""


def text_of(element, limit: int = 8000) -> str:
    """The text inside ``element`` (tags dropped), bounded while it is collected."""
    if element is None:
        return ""
    parts: list[str] = []
    size = 0
    for chunk in element.itertext():
        parts.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return "".join(parts)[:limit]


def html_fragment_text(fragment: str | None, limit: int = 8000) -> str:
    """Plain text of an HTML fragment (a feed's description), bounded."""
    if not fragment:
        return ""
    fragment = fragment[: limit * 4]
    if "<" not in fragment and "&" not in fragment:
        return fragment[:limit]
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return fragment[:limit]
    for unwanted in root.xpath(".//script | .//style | .//template"):
        unwanted.drop_tree()
    for br in root.iter("br", "p", "div", "li"):
        br.tail = "\n" + (br.tail or "")
    return text_of(root, limit)
