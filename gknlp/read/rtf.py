"""Rich Text Format (.rtf, and the many '.doc' attachments that are RTF inside) → text.

striprtf decodes the control words, the code page (``\\ansicpg936``, a font's ``\\fcharset134``) and
``\\uN`` escapes, and ends a table cell with ``|`` and a row with a line break; the row then goes out
as tab-separated cells, as the .doc reader gives it, for the one table engine.
"""

from __future__ import annotations

from gknlp.read.document import ReadError

__all__ = ["rtf_to_text", "RTF_MAGIC"]

RTF_MAGIC = b"{\\rtf"


def rtf_to_text(data: bytes) -> str:
    """The text of an RTF file; `ReadError('unreadable')` for one striprtf cannot follow."""
    from striprtf.striprtf import rtf_to_text as strip

    # RTF is 7-bit text: latin-1 keeps every byte as one character for striprtf's parser, and a
    # writer that put raw GBK bytes in (not \\'hh escapes) is decoded through its code page below.
    source = data.decode("latin-1")
    try:
        text = strip(source, encoding="gbk", errors="replace")
    except Exception as exc:  # striprtf raises IndexError/ValueError on broken groups
        raise ReadError("unreadable", f"not a readable RTF file: {exc}") from exc
    if not any(ord(c) > 0x2e7f for c in text[:200_000]) and any(b >= 0x80 for b in data[:200_000]):
        try:
            text = strip(data.decode("gbk"), encoding="gbk", errors="replace")
        except Exception:
            pass
    return "\n".join(_row(line) for line in text.replace("\xa0", " ").split("\n") if line.strip())


def _row(line: str) -> str:
    """A table row (a line whose last cell mark ends it) as tab-separated cells; other lines kept."""
    if not line.endswith("|"):
        return line
    return "\t".join(cell.strip() for cell in line[:-1].split("|"))
