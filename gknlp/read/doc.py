"""Legacy Word ``.doc`` and WPS ``.wps`` (the Word 97-2003 binary format) → text and tables.

A pure-Python reader over the document's piece table ([MS-DOC] 2.4.1), with olefile for the
compound file. It reads the main text in order, drops field codes (keeping their shown
result), and rebuilds tables from the cell and row end marks: a table cell ends with
``\\x07``; the ``\\x07`` that ends a row carries the ``fTtp`` paragraph property (sprm 0x2417)
in the paragraph properties (PAPX in the FKP pages), which is what tells an empty last cell
from a row end. Rows come out as tab-separated cells, as the other readers give them.

Why not LibreOffice: converting through ``soffice --convert-to docx`` takes one to three
seconds a file and a 300 MB install; this reader takes milliseconds and no install (figures
in the README).
"""

from __future__ import annotations

import io
import re
import struct
from bisect import bisect_right

from gknlp.read.document import ReadError

__all__ = ["doc_to_text", "pieces", "row_end_marks"]

_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_FINTABLE, _FTTP, _FINNERTTP = 0x2416, 0x2417, 0x244B
_ROW_END, _IN_TABLE = 2, 1
_SPECIAL = str.maketrans({"\x0b": "\n", "\x0c": "\n", "\x1e": "-", "\x1f": None, "\x01": None,
                          "\x08": None, "\x02": None, "\x05": None, "\x03": None, "\x04": None})


def _u16(b: bytes, o: int) -> int:
    return struct.unpack_from("<H", b, o)[0]


def _u32(b: bytes, o: int) -> int:
    return struct.unpack_from("<I", b, o)[0]


def pieces(word: bytes, table: bytes) -> list[tuple[int, int, int, bool]]:
    """The piece table: (first cp, end cp, file offset, 8-bit) for each piece of text."""
    fc_clx, lcb_clx = _u32(word, 0x1A2), _u32(word, 0x1A6)
    clx = table[fc_clx:fc_clx + lcb_clx]
    i = 0
    while i < len(clx) and clx[i] == 0x01:  # Prc: property modifiers, skipped
        i += 3 + _u16(clx, i + 1)
    if i >= len(clx) or clx[i] != 0x02:
        raise ReadError("unreadable", "not a readable .doc file: no piece table")
    lcb = _u32(clx, i + 1)
    plc = clx[i + 5:i + 5 + lcb]
    n = (lcb - 4) // 12
    cps = struct.unpack_from(f"<{n + 1}I", plc, 0)
    out = []
    for k in range(n):
        fc = _u32(plc, 4 * (n + 1) + 8 * k + 2)
        compressed = bool(fc & 0x40000000)
        fc &= 0x3FFFFFFF
        out.append((cps[k], cps[k + 1], fc // 2 if compressed else fc, compressed))
    return out


def _sprms(grpprl: bytes) -> dict[int, bytes]:
    """A paragraph's property modifiers (sprm → operand); only the simple sizes are needed."""
    out: dict[int, bytes] = {}
    i = 0
    while i + 2 <= len(grpprl):
        op = _u16(grpprl, i)
        i += 2
        spra = op >> 13
        if spra in (0, 1):
            size = 1
        elif spra in (2, 4, 5):
            size = 2
        elif spra == 3:
            size = 4
        elif spra == 7:
            size = 3
        else:  # variable: a size byte first (sprmTDefTable and sprmPChgTabs have 2-byte sizes)
            if i >= len(grpprl):
                break
            if op in (0xD608, 0xD606):  # sprmTDefTable(10): a 2-byte size, one more than the operand
                size = _u16(grpprl, i) - 1
                i += 2
            else:
                size = grpprl[i]
                i += 1
        out[op] = grpprl[i:i + size]
        i += size
    return out


def row_end_marks(word: bytes, table: bytes, data: bytes = b"") -> tuple[list[int], list[int]]:
    """Paragraph runs by file offset from the PAPX FKPs: their start offsets and whether each
    ends a table row (``fTtp``: 2), lies in a table (1) or not (0)."""
    fc_plc, lcb_plc = _u32(word, 0x102), _u32(word, 0x106)
    plc = table[fc_plc:fc_plc + lcb_plc]
    n = (lcb_plc - 4) // 8
    runs: list[tuple[int, int]] = []
    for k in range(n):
        pn = _u32(plc, 4 * (n + 1) + 4 * k) & 0x3FFFFF
        page = word[pn * 512:pn * 512 + 512]
        if len(page) < 512:
            continue
        crun = page[511]
        for j in range(crun):
            fc = _u32(page, 4 * j)
            b_off = page[4 * (crun + 1) + 13 * j] * 2
            ttp = 0
            if b_off:
                cb = page[b_off]
                if cb == 0:
                    size, start = page[b_off + 1] * 2, b_off + 2
                else:
                    size, start = cb * 2 - 1, b_off + 1
                sprms = _sprms(page[start + 2:start + size])  # after the 2-byte style index
                if 0x6646 in sprms and len(sprms[0x6646]) == 4:  # sprmPHugePapx: the rest in the Data stream
                    at = _u32(sprms[0x6646], 0)
                    if at + 2 <= len(data):
                        sprms.update(_sprms(data[at + 2:at + 2 + _u16(data, at)]))
                if sprms.get(_FTTP, b"\x00")[:1] == b"\x01" or sprms.get(_FINNERTTP, b"\x00")[:1] == b"\x01":
                    ttp = _ROW_END
                elif sprms.get(_FINTABLE, b"\x00")[:1] == b"\x01":
                    ttp = _IN_TABLE
            runs.append((fc, ttp))
    runs.sort()
    return [fc for fc, _ in runs], [t for _, t in runs]


def _drop_field_codes(text: str) -> str:
    """Field codes (between \\x13 and \\x14) dropped; a field's shown result kept."""
    out: list[str] = []
    depth_code: list[bool] = []  # for each open field: still in its code part
    for ch in text:
        if ch == "\x13":
            depth_code.append(True)
        elif ch == "\x14":
            if depth_code:
                depth_code[-1] = False
        elif ch == "\x15":
            if depth_code:
                depth_code.pop()
        elif not any(depth_code):
            out.append(ch)
    return "".join(out)


def _clean(text: str) -> str:
    return _SPACES.sub(" ", _drop_field_codes(text).translate(_SPECIAL).replace("\n", " ")).strip()


def doc_to_text(data: bytes) -> str:
    """The main text of a .doc/.wps in order, table rows as tab-separated cells."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # olefile raises OSError and others on a broken file
        raise ReadError("unreadable", f"not a readable .doc file: {exc}") from exc
    try:
        if not ole.exists("WordDocument"):
            raise ReadError("unreadable", "an OLE file without a Word document (not a .doc/.wps)")
        word = ole.openstream("WordDocument").read()
        if len(word) < 0x1AA or _u16(word, 0) not in (0xA5EC, 0xA5DC):
            raise ReadError("unreadable", "not a Word 97-2003 document (too old or damaged)")
        flags = _u16(word, 0x0A)
        if flags & 0x0100:
            raise ReadError("encrypted", "the .doc file is encrypted (password protected)")
        name = "1Table" if flags & 0x0200 else "0Table"
        if not ole.exists(name):
            raise ReadError("unreadable", f"not a readable .doc file: no {name} stream")
        table = ole.openstream(name).read()
        data_stream = ole.openstream("Data").read() if ole.exists("Data") else b""
    finally:
        ole.close()
    try:
        return _text(word, table, data_stream)
    except (struct.error, IndexError, UnicodeDecodeError) as exc:
        raise ReadError("unreadable", f"not a readable .doc file: {exc}") from exc


def _text(word: bytes, table: bytes, data: bytes) -> str:
    ccp_text = _u32(word, 0x4C)
    run_fcs, run_ttp = row_end_marks(word, table, data)
    lines: list[str] = []
    cells: list[str] = []
    para: list[str] = []
    for cp0, cp1, fc, compressed in pieces(word, table):
        if cp0 >= ccp_text:
            break
        cp1 = min(cp1, ccp_text)
        width = 1 if compressed else 2
        raw = word[fc:fc + (cp1 - cp0) * width]
        chunk = raw.decode("cp1252", errors="replace") if compressed else raw.decode("utf-16-le", errors="replace")
        for i, ch in enumerate(chunk):
            if ch == "\r":
                k = bisect_right(run_fcs, fc + i * width) - 1
                if k >= 0 and run_ttp[k] == _IN_TABLE:  # a paragraph inside a cell
                    para.append(" ")
                else:
                    lines.append(_clean("".join(para)))
                    para = []
            elif ch == "\x07":
                k = bisect_right(run_fcs, fc + i * width) - 1
                if k >= 0 and run_ttp[k] == _ROW_END:
                    if cells or para:
                        lines.append("\t".join(cells))
                    cells, para = [], []
                else:
                    cells.append(_clean("".join(para)))
                    para = []
            else:
                para.append(ch)
    if para:
        lines.append(_clean("".join(para)))
    return "\n".join(line for line in lines if line.strip())

