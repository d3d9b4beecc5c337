"""Files → text: decode plain text in any Chinese encoding, render HTML and docx.

Tables are rendered as one row per line with cells separated by a tab, so that every
layout reaches the table engine as text and one engine handles them all.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path

__all__ = ["Document", "ReadError", "read_file", "read_bytes", "decode", "html_to_text"]

MAX_BYTES = 20 * 1024 * 1024
"""Larger inputs are cut to this size with a warning: a real report is well under 1 MB."""

# Frequent characters of these reports, in both scripts: used to choose an encoding.
_COMMON = set("的政府信息公开開年报報告工作情况況申请請行国國一二三四五六本")


class ReadError(Exception):
    """A file that cannot be read as a report (empty, binary, unreadable)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Document:
    """A file read into text, before normalisation."""

    text: str
    format: str
    path: str | None = None
    sha256: str | None = None
    encoding: str | None = None
    title: str | None = None
    warnings: list[dict] = field(default_factory=list)


def _score(text: str) -> float:
    if not text:
        return 0.0
    return sum(ch in _COMMON for ch in text) / len(text)


_BOM = b"\xef\xbb\xbf"


def decode(data: bytes) -> tuple[str, str, list[dict]]:
    """Decode bytes as UTF-8 (BOM or not), GB18030 or Big5; replace bad bytes with a warning."""
    warnings: list[dict] = []
    data = data.removeprefix(_BOM)
    try:
        return data.decode("utf-8"), "utf-8", warnings
    except UnicodeDecodeError:
        pass
    candidates: list[tuple[float, str, str]] = []
    for enc in ("gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        candidates.append((_score(text), enc, text))
    if candidates:
        _, enc, text = max(candidates)
        return text, enc, warnings
    # No encoding decodes every byte: take the one with the fewest replacements.
    best = min(
        ((data.decode(enc, errors="replace"), enc) for enc in ("utf-8", "gb18030", "big5")),
        key=lambda te: (te[0].count("\ufffd"), -_score(te[0])),
    )
    text, enc = best
    bad = text.count("\ufffd")
    warnings.append({"code": "bad_bytes", "message": f"{bad} undecodable byte sequence(s) replaced ({enc})",
                     "raw": None})
    return text, enc, warnings


_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return control > len(head) * 0.05


_BLOCK = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "section", "article",
          "table", "ul", "ol", "blockquote", "pre", "center", "dd", "dt", "hr"}
_SKIP = {"script", "style", "head", "noscript", "template", "iframe", "select", "option", "button",
         "nav", "footer"}
# Page chrome by class or id (QR-code boxes, share bars, breadcrumbs, site footers, nav menus).
_CHROME_ATTR = re.compile(r"qrcode|share|search|breadcrumb|crumb|footer|(?:^|[-_\s])(?:foot|nav|navbar|menu)(?:$|[-_\s\d])",
                          re.I)
_CONTAINERS = {"div", "ul", "ol", "section", "aside", "dl", "p", "td"}
_WS_CHARS = " \t\r\n\u00a0\u3000"
_WS = re.compile(f"[{_WS_CHARS}]+")


def _squeeze(text: str) -> str:
    """``_WS.sub(" ", text).strip()``; the regex is skipped when it has nothing to replace
    (printable text has no tab, break or wide space; then only a double space needs it)."""
    if not text.isprintable() or "  " in text:
        text = _WS.sub(" ", text)
    return text.strip()


def _solid_len(text: str) -> int:
    """``len(_WS.sub("", text))``: the characters that are not _WS spaces."""
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
    three times faster than an XPath call."""
    from lxml import etree

    text_content = partial(etree.tostring, method="text", encoding=str, with_tail=False)
    return etree.HTMLParser(), etree.HTMLParser(encoding="utf-8"), text_content


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
            return lxml.html.document_fromstring(data, parser=utf8_parser)
    return lxml.html.fromstring(html, parser=plain)


def _text_content(el) -> str:
    """The text of an element and its descendants (lxml.html's ``text_content()``)."""
    return _html_tools()[2](el)


def _cell_text(cell) -> str:
    """A cell's text on one line: breaks inside cells only wrap labels (本年新<br>制作数量)."""
    return _squeeze(_text_content(cell))  # as "".join(cell.itertext()), and faster


def _is_chrome(el, tag: str, link_len: dict[object, int]) -> bool:
    """Navigation, not report text: a chrome class/id, or a block whose text is mostly links
    (the link-density rule of content extractors: lists of links to other sites and pages).
    `link_len` remembers each link's text length, as nested blocks ask for the same links.
    The cheap tests come first: the block's own text, the costliest, is measured last."""
    if tag not in _CONTAINERS or tag == "td":
        return False
    cls, id_ = el.get("class"), el.get("id")
    if (cls or id_) and _CHROME_ATTR.search(f"{cls or ''} {id_ or ''}"):  # (" " cannot match)
        return True
    links = list(el.iter("a"))  # a container is never an <a>: its descendants, as .//a
    if len(links) < 3 or next(el.iterdescendants("table"), None) is not None:  # .//table
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


def _render(el, out: list[str], link_len: dict[object, int]) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _SKIP or _is_chrome(el, tag, link_len):
        if el.tail:
            out.append(el.tail)
        return
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
        _render(child, out, link_len)
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
    title = _squeeze(_text_content(title_el)) if title_el is not None else None
    out: list[str] = []
    _render(root, out, {})
    text = "".join(out)
    lines = [_squeeze(line) if "\t" not in line else line.strip(" \r\u00a0\u3000")
             for line in text.split("\n")]
    text = "\n".join(line for line in lines if line.strip())
    return text, title or None


def docx_to_text(data: bytes) -> str:
    """Paragraphs and tables of a .docx in document order; merged cells counted once."""
    import io

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            lines.append(Paragraph(child, document).text)
        elif child.tag.endswith("}tbl"):
            for row in Table(child, document).rows:
                seen: list = []
                cells: list[str] = []
                for cell in row.cells:
                    if any(cell._tc is s for s in seen):
                        continue
                    seen.append(cell._tc)
                    cells.append(_WS.sub(" ", cell.text).strip())
                lines.append("\t".join(cells))
    return "\n".join(lines)


def _format_of(path: str | None, data: bytes) -> str:
    suffix = Path(path).suffix.lower() if path else ""
    if suffix in (".html", ".htm", ".xhtml"):
        return "html"
    if suffix == ".docx" or data[:2] == b"PK":
        return "docx"
    if suffix == ".md":
        return "md"
    head = data[:2048].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head:
        return "html"
    return "txt"


def read_bytes(data: bytes, path: str | None = None) -> Document:
    """Turn a file's bytes into a Document, or raise ReadError for what cannot be a report."""
    sha = hashlib.sha256(data).hexdigest()
    warnings: list[dict] = []
    if not data.strip():
        raise ReadError("empty", "the file is empty")
    if len(data) > MAX_BYTES:
        warnings.append({"code": "truncated_input",
                         "message": f"file of {len(data)} bytes cut to the first {MAX_BYTES}", "raw": None})
        data = data[:MAX_BYTES]
    fmt = _format_of(path, data)
    title = None
    encoding = None
    if fmt == "docx":
        try:
            text = docx_to_text(data)
        except Exception as exc:  # python-docx raises many kinds on a broken zip
            raise ReadError("unreadable", f"not a readable .docx file: {exc}") from exc
    else:
        if _looks_binary(data):
            raise ReadError("binary", "binary data, not a text, HTML or docx report")
        text, encoding, warnings_dec = decode(data)
        warnings.extend(warnings_dec)
        if fmt == "html":
            exact_utf8 = encoding == "utf-8" and not warnings_dec  # decoded without replacement
            text, title = html_to_text(text, utf8=data.removeprefix(_BOM) if exact_utf8 else None)
    return Document(text=text, format=fmt, path=path, sha256=sha, encoding=encoding, title=title,
                    warnings=warnings)


def read_file(path: str | Path) -> Document:
    """Read a report file from disk."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ReadError("unreadable", f"cannot read {p}: {exc.strerror or exc}") from exc
    return read_bytes(data, str(p))
