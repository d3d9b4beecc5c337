"""Rich Text Format (.rtf, and the many '.doc' attachments that are RTF inside) → text.

striprtf decodes the control words, the code page (``\\ansicpg936``, a font's ``\\fcharset134``) and
``\\uN`` escapes, and ends a table cell with ``|`` and a row with a line break; the row then goes out
as tab-separated cells, as the .doc reader gives it, for the one table engine.

Before striprtf runs, the source is made safe and plain in one pass (`_prepared`): a field's
instruction (a hyperlink's address) is skipped like any other hidden destination, which also keeps
striprtf's field pattern off it (that pattern is cubic in the fields on a line); a paragraph mark
inside a table cell becomes a space, so a label printed on two lines stays in its row; a font
charset Python has no codec for is read as GBK; a ``\\uN`` out of Unicode's range becomes '?'.
"""

from __future__ import annotations

import codecs
import re

from gknlp.read.document import ReadError

__all__ = ["rtf_to_text", "RTF_MAGIC"]

RTF_MAGIC = b"{\\rtf"

_CONTROL = re.compile(r"\\\\|\\(fldinst|pard|intbl|par|row|fcharset|u)(-?\d+)?(?![a-zA-Z])( ?)")
_GBK_CHARSET = "134"


def _charset_ok(number: str) -> bool:
    from striprtf.striprtf import charset_map

    try:
        codecs.lookup(charset_map.get(int(number), "cp1252"))
    except LookupError:
        return False
    return True


def _prepared(source: str) -> str:
    in_table = False

    def control(m: re.Match[str]) -> str:
        nonlocal in_table
        word, arg, space = m[1], m[2], m[3]
        if word is None:  # an escaped backslash
            return m[0]
        if word == "fldinst":
            return "\\datafield" + space  # a destination striprtf skips
        if word == "intbl":
            in_table = True
        elif word in ("pard", "row"):
            in_table = False
        elif word == "par" and in_table and arg is None:
            return " "
        elif word == "fcharset" and arg is not None and not _charset_ok(arg):
            return f"\\fcharset{_GBK_CHARSET}{space}"
        elif word == "u" and arg is not None and not -32768 <= int(arg) <= 0x10FFFF:
            return "\\u63" + space
        return m[0]

    return _CONTROL.sub(control, source)


def rtf_to_text(data: bytes) -> str:
    """The text of an RTF file; `ReadError('unreadable')` for one striprtf cannot follow."""
    from striprtf.striprtf import rtf_to_text as strip

    # RTF is 7-bit text: latin-1 keeps every byte as one character for the parser; a writer that
    # put raw GBK bytes in (not \\'hh escapes) is decoded through GBK below instead.
    raw_cjk = any(b >= 0x80 for b in data[:200_000])
    source = data.decode("gb18030", errors="replace") if raw_cjk and _mostly_gbk(data) else data.decode("latin-1")
    try:
        text = strip(_prepared(source), encoding="gbk", errors="replace")
    except (ValueError, IndexError, LookupError, OverflowError) as exc:  # broken groups or escapes
        raise ReadError("unreadable", f"not a readable RTF file: {exc}") from exc
    return "\n".join(_row(line) for line in text.replace("\xa0", " ").split("\n") if line.strip())


def _mostly_gbk(data: bytes) -> bool:
    """Whether the bytes above 0x7f read as GB18030 without a fault (raw Chinese in the file)."""
    try:
        data[:200_000].decode("gb18030")
    except UnicodeDecodeError as exc:
        return exc.start >= 199_990  # a character cut at the window's end
    return True


def _row(line: str) -> str:
    """A table row (a line whose last cell mark ends it) as tab-separated cells; other lines kept."""
    if not line.endswith("|"):
        return line
    return "\t".join(cell.strip() for cell in line[:-1].split("|"))
