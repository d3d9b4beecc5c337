"""Plain text in any Chinese encoding: UTF-8 (BOM or not), UTF-16 (BOM or not), GB18030, Big5."""

from __future__ import annotations

from gknlp.types import ReportWarning

__all__ = ["decode", "looks_binary", "BOM", "utf16_of"]

# Frequent characters of these reports, in both scripts: used to choose an encoding.
_COMMON = set("的政府信息公开開年报報告工作情况況申请請行国國一二三四五六本")


def _score(text: str) -> float:
    if not text:
        return 0.0
    return sum(ch in _COMMON for ch in text) / len(text)


BOM = b"\xef\xbb\xbf"


_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}


def utf16_of(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the bytes are UTF-16 text: a byte-order mark, or (without one)
    NUL bytes in most odd (LE) or even (BE) places and almost never in the others — CJK and
    ASCII text in UTF-16 look so, binary data does not."""
    if data[:2] in _UTF16_BOMS:
        return _UTF16_BOMS[data[:2]]
    head = data[:8192]
    if len(head) < 16 or b"\x00" not in head:  # (a byte scan: most files are done here)
        return None
    half = len(head) // 2
    even = head[0::2].count(0) / half
    odd = head[1::2].count(0) / half
    for zeros, other, enc in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros > 0.05 and other < zeros / 4:
            try:
                text = data[:len(data) // 2 * 2].decode(enc)
            except UnicodeDecodeError:
                return None
            return enc if _score(text[:4000]) > 0.02 else None
    return None


def decode(data: bytes) -> tuple[str, str, list[ReportWarning]]:
    """Decode bytes as UTF-8 (BOM or not), UTF-16, GB18030 or Big5; replace bad bytes with a warning."""
    warnings: list[ReportWarning] = []
    if (enc16 := utf16_of(data)) is not None:
        body = data[2:] if data[:2] in _UTF16_BOMS else data
        text = body[:len(body) // 2 * 2].decode(enc16, errors="replace")
        if "\ufffd" in text:
            warnings.append(ReportWarning("bad_bytes", f"{text.count(chr(0xFFFD))} undecodable "
                             f"sequence(s) replaced ({enc16})", None))
        return text, enc16, warnings
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
    warnings.append(ReportWarning("bad_bytes", f"{bad} undecodable byte sequence(s) replaced ({enc})",
                     None))
    return text, enc, warnings


_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])


def looks_binary(data: bytes) -> bool:
    if utf16_of(data) is not None:
        return False
    head = data[:8192]
    if b"\x00" in head:
        return True
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return control > len(head) * 0.05

