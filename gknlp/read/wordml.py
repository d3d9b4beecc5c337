"""Word XML documents (Word 2003 XML and Word 2007 flat XML, often served as '.doc') → text.

Both are WordprocessingML in one XML file: paragraphs (`w:p`) and tables (`w:tbl`/`w:tr`/`w:tc`)
under `w:body`. Paragraphs go out one to a line and a table row as tab-separated cells, as the
.doc reader gives them, so the one table engine reads the rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gknlp.read.document import ReadError

__all__ = ["wordml_to_text", "is_wordml"]

_MARKS = (b"<w:wordDocument", b'progid="Word.Document"', b"<pkg:package")
_BREAKS = {"tab", "br", "cr"}
_SKIP = {"instrText", "delText", "fldData", "binData", "pict", "drawing", "object"}


def is_wordml(head: bytes) -> bool:
    """Whether an XML file's first bytes announce a Word document."""
    return any(mark in head for mark in _MARKS)


def _local(el: Any) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(el: Any) -> str:
    """The shown text under an element: its `w:t` runs, a tab or break as a space."""
    out: list[str] = []
    for node in el.iter():
        name = _local(node)
        if name == "t" and node.text:
            out.append(node.text)
        elif name in _BREAKS or name == "p":
            out.append(" ")
    return " ".join("".join(out).split())


def _blocks(el: Any) -> Iterator[str]:
    for child in el:
        name = _local(child)
        if name == "p":
            yield _text(child)
        elif name == "tbl":
            yield from _rows(child)
        elif name not in _SKIP:
            yield from _blocks(child)


def _rows(table: Any) -> Iterator[str]:
    """A table's own rows (not those of a table nested in a cell) as tab-separated cells; a cell
    that holds a table (a layout table around the report) gives its blocks instead."""
    for row in _own(table, "tr"):
        cells = list(_own(row, "tc"))
        if any(_local(el) == "tbl" for cell in cells for el in cell.iter()):
            for cell in cells:
                yield from _blocks(cell)
        else:
            yield "\t".join(_text(cell) for cell in cells)


def _own(el: Any, name: str) -> Iterator[Any]:
    """Children named `name`, also through the wrappers Word puts around them (content controls,
    custom XML), but not into a nested table."""
    for child in el:
        local = _local(child)
        if local == name:
            yield child
        elif local in ("sdt", "sdtContent", "customXml", "smartTag"):
            yield from _own(child, name)


def wordml_to_text(data: bytes) -> str:
    """The text of a Word XML file, table rows as tab-separated cells."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True,
                             remove_pis=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ReadError("unreadable", f"not a readable Word XML file: {exc}") from exc
    body = next((el for el in root.iter() if _local(el) == "body"), None)
    if body is None:
        raise ReadError("unreadable", "an XML file without a Word document body")
    return "\n".join(line for line in _blocks(body) if line.strip())
