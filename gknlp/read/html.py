"""HTML pages → text: tables as one row per line with tab-separated cells, site chrome dropped."""

from __future__ import annotations

import re
from functools import cache, partial

from gknlp.read.document import ReadError

__all__ = ["html_to_text", "squeeze_spaces", "SPACES"]

_BLOCK = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "section", "article",
          "table", "ul", "ol", "blockquote", "pre", "center", "dd", "dt", "hr"}
_SKIP = {"script", "style", "head", "noscript", "template", "iframe", "select", "option", "button",
         "nav", "footer"}
# Page chrome by class or id (QR-code boxes, share bars, breadcrumbs, site footers, nav menus).
_CHROME_ATTR = re.compile(r"qrcode|share|search|breadcrumb|crumb|footer|(?:^|[-_\s])(?:foot|nav|navbar|menu)(?:$|[-_\s\d])",
                          re.I)
_CONTAINERS = {"div", "ul", "ol", "section", "aside", "dl", "p", "td"}
_WS_CHARS = " \t\r\n\u00a0\u3000"
SPACES = re.compile(f"[{_WS_CHARS}]+")


def squeeze_spaces(text: str) -> str:
    """``SPACES.sub(" ", text).strip()``; the regex is skipped when it has nothing to replace
    (printable text has no tab, break or wide space; then only a double space needs it)."""
    if not text.isprintable() or "  " in text:
        text = SPACES.sub(" ", text)
    return text.strip()


def _solid_len(text: str) -> int:
    """``len(SPACES.sub("", text))``: the characters that are not SPACES spaces."""
    return len(text) - sum(map(text.count, _WS_CHARS))


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")
"""An XML declaration opening a page (XHTML): lxml does not take it in a str, so it is cut."""

# How lxml.html.fromstring tells a whole page from a fragment.
_FULL_HTML = re.compile(r"^\s*<(?:html|!doctype)", re.I)


@cache
def _html_tools():
    """lxml HTML parsers with plain elements (the same tree as lxml.html's parser, without a
    Python class looked up for every element), one of them for UTF-8 bytes, and lxml.html's
    ``text_content`` as a function: libxml2's text serializer, which gives XPath's ``string()``
    three times faster than an XPath call. Without a table of the pages' id attributes
    (`collect_ids`: only an ID lookup reads it, none is made here): the same tree, parsed faster."""
    from lxml import etree

    text_content = partial(etree.tostring, method="text", encoding=str, with_tail=False)
    return (etree.HTMLParser(collect_ids=False), etree.HTMLParser(encoding="utf-8", collect_ids=False),
            text_content)


def _parse_html(html: str, utf8: bytes | None = None):
    """``lxml.html.fromstring(html)`` with plain elements. A whole page goes to libxml2 as
    UTF-8 bytes, which it parses faster than a Python str (UTF-16 or UCS-4); same tree.
    `utf8` is `html` encoded as UTF-8 when the caller already has it (the file's bytes)."""
    import lxml.html

    plain, utf8_parser, _ = _html_tools()
    if _FULL_HTML.match(html):
        try:
            data = html.encode("utf-8") if utf8 is None else utf8
        except UnicodeEncodeError:  # a lone surrogate: parse the str as it is
            pass
        else:
            return _within_limits(lxml.html.document_fromstring(data, parser=utf8_parser), utf8_parser)
    return _within_limits(lxml.html.fromstring(html, parser=plain), plain)


def _within_limits(root, parser):
    """The tree, unless libxml2 hit one of its limits (nesting over 256 levels, a text or
    attribute over 10 MB): it then cuts the page silently, so the page is refused instead."""
    for entry in parser.error_log:
        if entry.type_name == "ERR_RESOURCE_LIMIT":
            raise ReadError("too_large", f"HTML beyond the parser's limits ({entry.message.strip()}): "
                                         "not read, as it would be cut silently")
    return root


def _text_content(el) -> str:
    """The text of an element and its descendants (lxml.html's ``text_content()``)."""
    return _html_tools()[2](el)


def _cell_text(cell) -> str:
    """A cell's text on one line: breaks inside cells only wrap labels (本年新<br>制作数量)."""
    return squeeze_spaces(_text_content(cell))  # as "".join(cell.itertext()), and faster


def _is_chrome(el, tag: str, link_len: dict[object, int], few_links: bool) -> bool | None:
    """Navigation, not report text: a chrome class/id, or a block whose text is mostly links
    (the link-density rule of content extractors: lists of links to other sites and pages).
    `link_len` remembers each link's text length, as nested blocks ask for the same links.
    The cheap tests come first: the block's own text, the costliest, is measured last.
    None (not chrome) when the block holds fewer than 3 links, so no block inside it can be
    chrome by links: `few_links` says an enclosing block was so, and its links are not counted."""
    if tag not in _CONTAINERS or tag == "td":
        return False
    cls, id_ = el.get("class"), el.get("id")
    if (cls or id_) and _CHROME_ATTR.search(f"{cls or ''} {id_ or ''}"):  # (" " cannot match)
        return True
    if few_links:
        return None
    links = list(el.iter("a"))  # a container is never an <a>: its descendants, as .//a
    if len(links) < 3:
        return None
    if next(el.iterdescendants("table"), None) is not None:  # .//table
        return False
    linked = 0
    for a in links:
        if (n := link_len.get(a)) is None:
            n = link_len[a] = _solid_len(_text_content(a))
        linked += n
    if not linked:  # 0 / solid is never > 0.7
        return False
    solid = _solid_len(_text_content(el))
    return solid > 0 and linked / solid > 0.7


def _render(el, out: list[str], link_len: dict[object, int], few_links: bool = False) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _SKIP or (chrome := _is_chrome(el, tag, link_len, few_links)):
        if el.tail:
            out.append(el.tail)
        return
    if chrome is None:
        few_links = True
    if tag == "table" and next(el.iterdescendants("table"), None) is None:  # no .//table
        out.append("\n")
        for row in el.iter("tr"):
            out.append("\t".join([_cell_text(c) for c in row.iterchildren("td", "th")]) + "\n")
        if el.tail:
            out.append(el.tail)
        return
    if tag in _BLOCK:
        out.append("\n")
    if el.text and tag:
        out.append(el.text)
    for child in el:
        _render(child, out, link_len, few_links)
    if tag in _BLOCK:
        out.append("\n")
    if el.tail:
        out.append(el.tail)


def html_to_text(html: str, *, utf8: bytes | None = None) -> tuple[str, str | None]:
    """Render an HTML page to text (tables as tab-separated rows) and return its <title>.

    `utf8`, optional, must be exactly `html` encoded as UTF-8, as a file's bytes are when they
    decoded as UTF-8 without a replacement: the parser then reads them, and the page is not
    encoded again."""
    if _XML_DECL.match(html):
        html, utf8 = _XML_DECL.sub("", html), None
    root = _parse_html(html or "<html></html>", utf8 if html else None)
    title_el = next(root.iterdescendants("title"), None)  # root.find(".//title"), in C
    title = squeeze_spaces(_text_content(title_el)) if title_el is not None else None
    out: list[str] = []
    _render(root, out, {})
    text = "".join(out)
    lines = [squeeze_spaces(line) if "\t" not in line else line.strip(" \r\u00a0\u3000")
             for line in text.split("\n")]
    text = "\n".join(line for line in lines if line.strip())
    return text, title or None

