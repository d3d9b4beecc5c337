"""read.py's fast paths give what the plain forms they replace give.

HTML is parsed with plain lxml elements (and a whole page from UTF-8 bytes) instead of
``lxml.html.fromstring``; whitespace is squeezed and counted without a regex when it can be.
"""

from __future__ import annotations

import random
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from gknlp import read

REPO = Path(__file__).resolve().parents[1]

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
    assert etree.tostring(read._parse_html(html), encoding=str) == expected


def test_read_parse_html_gives_lxml_html_tree_on_pages(request: pytest.FixtureRequest) -> None:
    corpus = Path(request.config.getoption("--corpus") or REPO.parent / "shared" / "corpus")
    for html in _pages(corpus):
        root = read._parse_html(html)
        reference = lxml.html.fromstring(html)
        assert etree.tostring(root, encoding=str) == etree.tostring(reference, encoding=str)
        assert [read._text_content(el) for el in root.iter("div", "p", "a")] == \
               [el.text_content() for el in reference.iter("div", "p", "a")]
        # cells were read with itertext()
        assert [read._text_content(el) for el in root.iter("td", "th")] == \
               ["".join(el.itertext()) for el in root.iter("td", "th")]


def test_read_squeeze_and_solid_len_equal_the_regex() -> None:
    rng = random.Random(3)
    alphabet = [" ", "  ", "\t", "\r", "\n", "\u00a0", "\u3000", "\u2002", "\u200b", "\x0b", "a", "政", "\x85"]
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        assert read._squeeze(text) == read._WS.sub(" ", text).strip()
        assert read._solid_len(text) == len(read._WS.sub("", text))


def test_read_cell_text_equals_itertext() -> None:
    html = ("<html><body><table><tr><td>a<!--c-->b<?pi x?><span> s </span>t<br>u&amp;</td>"
            "<th>x\n y</th></tr></table></body></html>")
    root = read._parse_html(html)
    for cell in root.iter("td", "th"):
        assert read._cell_text(cell) == read._WS.sub(" ", "".join(cell.itertext())).strip()
