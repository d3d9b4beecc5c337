"""read.py's fast paths give what the plain forms they replace give.

HTML is parsed with plain lxml elements (and a whole page from UTF-8 bytes) instead of
``lxml.html.fromstring``; whitespace is squeezed and counted without a regex when it can be.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from gknlp import read
from gknlp.read import html as read_html


_HTML = [
    "<html><body><p>a\x00b</p><p>c</p></body></html>",
    "<html><body><p>a\x0bb\x1f\ufffe\uffff</p>政府</body></html>",
    '<html><head><meta charset="gb2312"></head><body><p>政府信息公开</p></body></html>',
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5"></head><body>é</body></html>',
    "<!DOCTYPE html><html><body>caf\xe9 \U0001F600 政府</body></html>",
    "  \n<HTML>\r\n<body>a\r\nb<!-- note --></body></html>",
    "<html>&#0; &#x1F600; &nbsp;</html>",
    "<p>a fragment</p><p>two</p>",
    "<div>one element</div>",
    "text only",
    "<html><body>\ud800 lone surrogate</body></html>",
]


def _pages(corpus: Path) -> list[str]:
    paths = sorted((corpus / "html").glob("*.html")) if (corpus / "html").is_dir() else []
    return [read.decode(p.read_bytes())[0] for p in paths]


@pytest.mark.parametrize("html", _HTML, ids=range(len(_HTML)))
def test_read_parse_html_gives_lxml_html_tree(html: str) -> None:
    expected = etree.tostring(lxml.html.fromstring(html), encoding=str)
    assert etree.tostring(read_html._parse_html(html), encoding=str) == expected


@pytest.mark.corpus
def test_read_parse_html_gives_lxml_html_tree_on_pages(corpus_dir: Path) -> None:
    corpus = corpus_dir
    for html in _pages(corpus):
        root = read_html._parse_html(html)
        reference = lxml.html.fromstring(html)
        assert etree.tostring(root, encoding=str) == etree.tostring(reference, encoding=str)
        assert [read_html._text_content(el) for el in root.iter("div", "p", "a")] == \
               [el.text_content() for el in reference.iter("div", "p", "a")]
        # cells were read with itertext()
        assert [read_html._text_content(el) for el in root.iter("td", "th")] == \
               ["".join(el.itertext()) for el in root.iter("td", "th")]


def test_read_squeeze_and_solid_len_equal_the_regex() -> None:
    rng = random.Random(3)
    alphabet = [" ", "  ", "\t", "\r", "\n", "\u00a0", "\u3000", "\u2002", "\u200b", "\x0b", "a", "政", "\x85"]
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        assert read_html.squeeze_spaces(text) == read_html.SPACES.sub(" ", text).strip()
        assert read_html._solid_len(text) == len(read_html.SPACES.sub("", text))


def test_read_cell_text_equals_itertext() -> None:
    html = ("<html><body><table><tr><td>a<!--c-->b<?pi x?><span> s </span>t<br>u&amp;</td>"
            "<th>x\n y</th></tr></table></body></html>")
    root = read_html._parse_html(html)
    for cell in root.iter("td", "th"):
        assert read_html._cell_text(cell) == read_html.SPACES.sub(" ", "".join(cell.itertext())).strip()


# --- html_to_text against the plain recursive renderer it replaced ---------------------------

def _reference_text(el) -> str:
    return el.text_content()


def _reference_is_chrome(el, tag: str) -> bool:
    if tag not in read_html._CONTAINERS or tag == "td":
        return False
    attrs = f"{el.get('class') or ''} {el.get('id') or ''}"
    if read_html._CHROME_ATTR.search(attrs):
        return True
    links = el.findall(".//a")
    if len(links) < 3:
        return False
    solid = len(read_html.SPACES.sub("", _reference_text(el)))
    linked = sum(len(read_html.SPACES.sub("", _reference_text(a))) for a in links)
    return solid > 0 and linked / solid > 0.7 and el.find(".//table") is None


def _reference_render(el, out: list[str]) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in read_html._SKIP or _reference_is_chrome(el, tag):
        if el.tail:
            out.append(el.tail)
        return
    if tag == "table" and el.find(".//table") is None:
        out.append("\n")
        for row in el.iter("tr"):
            cells = [read_html.SPACES.sub(" ", "".join(c.itertext())).strip()
                     for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]
            out.append("\t".join(cells) + "\n")
        if el.tail:
            out.append(el.tail)
        return
    if tag in read_html._BLOCK:
        out.append("\n")
    if el.text and tag:
        out.append(el.text)
    for child in el:
        _reference_render(child, out)
    if tag in read_html._BLOCK:
        out.append("\n")
    if el.tail:
        out.append(el.tail)


def _reference_html_to_text(html: str) -> tuple[str, str | None]:
    """html_to_text as it was before its speed work: lxml.html elements, regexes, recursion."""
    html = re.sub(r"^\s*<\?xml[^>]*>", "", html)
    root = lxml.html.fromstring(html or "<html></html>")
    title_el = root.find(".//title")
    title = read_html.SPACES.sub(" ", title_el.text_content()).strip() if title_el is not None else None
    out: list[str] = []
    _reference_render(root, out)
    lines = [read_html.SPACES.sub(" ", line).strip() if "\t" not in line else line.strip(" \r\u00a0\u3000")
             for line in "".join(out).split("\n")]
    return "\n".join(line for line in lines if line.strip()), title or None


def _outcome(fn, html: str) -> object:
    """The result, or the kind and message of the error raised (both renderers must agree)."""
    try:
        return fn(html)
    except Exception as exc:  # e.g. lxml's "Document is empty"
        return type(exc).__name__, str(exc)


def _all_pages(corpus: Path) -> list[str]:
    paths = sorted(p for sub in ("html", "other", "peer") for p in (corpus / sub).glob("*.html"))
    return [read.decode(p.read_bytes())[0] for p in paths]


_TRICKY = _HTML + [
    "<html><body><a href=x>a<a href=y>b</a>c</a><div><a>1<div><a>2</a></div></a><a>3</a></div></body></html>",
    "<?xml version='1.0'?><html><head><title> t\u3000 i </title></head><body><p>x</p></body></html>",
    "",
    "<html><body><div class='menu'><a>a</a></div><div id='foot-1'>f</div><div>keep</div></body></html>",
    "<html><body><table><tr><td><div class='nav'>in cell</div><a>1</a><a>2</a><a>3</a></td></tr></table></body></html>",
]


@pytest.mark.parametrize("html", _TRICKY, ids=range(len(_TRICKY)))
def test_read_html_to_text_equals_reference(html: str) -> None:
    assert _outcome(read.html_to_text, html) == _outcome(_reference_html_to_text, html)


@pytest.mark.corpus
def test_read_html_to_text_equals_reference_on_pages(corpus_dir: Path) -> None:
    corpus = corpus_dir
    pages = _all_pages(corpus)
    for html in pages:
        assert read.html_to_text(html) == _reference_html_to_text(html)


_TAGS = ["div", "p", "span", "a", "table", "tr", "td", "th", "ul", "li", "ol", "section", "aside", "dl",
         "dd", "nav", "footer", "script", "style", "br", "h2", "center", "font", "b", "title", "head",
         "body", "option", "select", "pre", "tbody", "iframe", "noscript"]
_ATTRS = ["", " class='nav'", " id='menu3'", " class='content'", " id='footer'", " class='x-foot'",
          " class='share-bar'", " href='#'", " class=\"nav-main\"", " id=''", " class='navigation'",
          " style='a'", " class='a b menu'"]
_TEXTS = ["", " ", "政府", "信息公开", "a", "  \t", "\u3000", "\u00a0", "&nbsp;", "&amp;", "&#x1F600;",
          "&#0;", "\x00", "\n", "\r\n", "<!-- c -->", "<!--", "-->", "<?pi x?>", "<", ">", "&", "1 2",
          "<br>", "<hr/>", "</td>", "</div>", "</a>", "</tr>", "</table>", "附件", "\t"]


def _random_html(rng: random.Random, depth: int = 0) -> str:
    parts: list[str] = []
    for _ in range(rng.randint(0, 5)):
        r = rng.random()
        if r < 0.45 and depth < 6:
            tag = rng.choice(_TAGS)
            close = "" if rng.random() < 0.1 else f"</{tag}>"
            parts.append(f"<{tag}{rng.choice(_ATTRS)}>{_random_html(rng, depth + 1)}{close}")
        elif r < 0.55 and depth < 5:
            rows = "".join("<tr>" + "".join(f"<td>{_random_html(rng, depth + 2)}</td>"
                                            for _ in range(rng.randint(0, 3))) + "</tr>"
                           for _ in range(rng.randint(0, 3)))
            parts.append(f"<table>{rows}</table>")
        elif r < 0.7:
            parts.append("".join(f"<a href='/{i}'>{rng.choice(_TEXTS)}链接</a>" for i in range(rng.randint(1, 5))))
        else:
            parts.append(rng.choice(_TEXTS))
    return "".join(parts)


def test_read_html_to_text_equals_reference_on_random_html() -> None:
    rng = random.Random(11)
    for i in range(1500):
        body = _random_html(rng)
        html = f"<html><head><title>{rng.choice(_TEXTS)}t</title></head><body>{body}</body></html>" \
            if i % 3 else body
        assert _outcome(read.html_to_text, html) == _outcome(_reference_html_to_text, html), html


@pytest.mark.parametrize("data", [
    "<html><head><title>标题</title></head><body><p>政府信息公开</p></body></html>".encode(),
    "\ufeff<!DOCTYPE html><html><body><p>带BOM</p></body></html>".encode(),
    "<?xml version='1.0' encoding='utf-8'?><html><body><p>XHTML</p></body></html>".encode(),
    "<html><body><p>政府</p></body></html>".encode("gb18030"),
    b"<html><body><p>\xff\xfe bad bytes</p></body></html>",
    "<p>fragment 政府</p>".encode(),
], ids=["utf8", "bom", "xml-decl", "gb18030", "bad-bytes", "fragment"])
def test_read_bytes_html_parses_the_file_bytes_as_the_decoded_text(data: bytes) -> None:
    """read_bytes hands UTF-8 bytes to the parser as they are: the same as the decoded text."""
    doc = read.read_bytes(data, "page.html")
    assert (doc.text, doc.title) == _reference_html_to_text(read.decode(data)[0])
