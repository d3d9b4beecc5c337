"""Plain text in any Chinese encoding: UTF-8 (BOM or not), GB18030, Big5."""

from __future__ import annotations

__all__ = ["decode", "looks_binary", "BOM"]

# Frequent characters of these reports, in both scripts: used to choose an encoding.
_COMMON = set("的政府信息公开開年报報告工作情况況申请請行国國一二三四五六本")


def _score(text: str) -> float:
    if not text:
        return 0.0
    return sum(ch in _COMMON for ch in text) / len(text)


BOM = b"\xef\xbb\xbf"


def decode(data: bytes) -> tuple[str, str, list[dict]]:
    """Decode bytes as UTF-8 (BOM or not), GB18030 or Big5; replace bad bytes with a warning."""
    warnings: list[dict] = []
    data = data.removeprefix(BOM)
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


def looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return control > len(head) * 0.05

