"""meta.py's crawler-header separator finds what the ^-anchored form finds."""

from __future__ import annotations

import random
import re

from gknlp.report import meta


def test_meta_header_separator_equals_the_anchored_form() -> None:
    anchored = re.compile(r"^=+\s*正文\s*=+\s*$", re.M)
    rng = random.Random(11)
    pieces = ["=", "==", "=====", " ", "\n", "正文", "标题: x", "a", "\t", "\u3000"]
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        assert [m.span() for m in meta._HEADER_SEP.finditer(text)] == \
               [m.span() for m in anchored.finditer(text)], text
