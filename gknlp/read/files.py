"""A file's bytes → a Document, dispatched to the reader of its format."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Any, Callable, NamedTuple

from gknlp.read.document import MAX_BYTES, Document, ReadError
from gknlp.read.docx import DocxTooLarge, docx_to_text
from gknlp.read.html import html_to_text
from gknlp.read.rtf import RTF_MAGIC
from gknlp.read.mht import is_mht, mht_page
from gknlp.read.wordml import is_wordml
from gknlp.read.text import BOM, decode, looks_binary
from gknlp.text.unwrap import unwrap_text
from gknlp.types import ReportWarning

__all__ = ["read_bytes", "read_file", "read_capped", "format_of", "sniffed_format", "SUFFIX_FORMATS", "BINARY_READERS", "Read", "MAX_BINARY_BYTES"]

MAX_BINARY_BYTES = 200 * 1024 * 1024
"""PDF, .doc and image files up to this size are read whole (a cut one cannot be read at all);
larger ones are refused as too_large."""

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM", b"GIF8", b"RIFF")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp")


class Read(NamedTuple):
    """What a binary format's reader gives: text, how its tables were read, warnings."""

    text: str
    layout: str | None
    warnings: list[Any]  # ReportWarning or legacy dicts


def _ocr_page(page: Any, page_no: int, warnings: list[ReportWarning]) -> tuple[list[Any], list[Any]]:
    from gknlp.read.ocr import ocr_page  # onnxruntime and OpenCV load only for a page that needs them

    return ocr_page(page, page_no, warnings)


def _read_pdf(data: bytes) -> Read:
    from gknlp.read.pdf import read_pdf

    got = read_pdf(data, _ocr_page)
    if got.needs_ocr:
        from gknlp.read.ocr import ocr_pdf

        return ocr_pdf(data, got.warnings)
    return Read(got.text, got.layout, got.warnings)


def _read_doc(data: bytes) -> Read:
    from gknlp.read.doc import doc_to_text

    return Read(doc_to_text(data), "doc", [])


def _read_rtf(data: bytes) -> Read:
    from gknlp.read.rtf import rtf_to_text

    return Read(rtf_to_text(data), None, [])


def _read_wordml(data: bytes) -> Read:
    from gknlp.read.wordml import wordml_to_text

    return Read(wordml_to_text(data), None, [])


def _read_image(data: bytes) -> Read:
    from gknlp.read.ocr import ocr_image

    return ocr_image(data)


BINARY_READERS: dict[str, Callable[[bytes], Read]] = {
    "pdf": _read_pdf, "doc": _read_doc, "wps": _read_doc, "rtf": _read_rtf, "wordml": _read_wordml,
    "image": _read_image}
"""Formats read from their bytes (not decoded as text), by `format_of`'s name."""


SUFFIX_FORMATS = {".txt": "txt", ".pdf": "pdf", ".doc": "doc", ".wps": "wps", ".rtf": "rtf", ".html": "html",
                  ".htm": "html", ".xhtml": "html", ".docx": "docx", ".md": "md", ".mht": "mht", ".mhtml": "mht",
                  ".xml": "wordml", **{s: "image" for s in IMAGE_SUFFIXES}}
"""The reader a file's suffix names (what its first bytes prove comes first: `format_of`); a folder
run reads the files with these suffixes."""


def sniffed_format(data: bytes) -> str | None:
    """The format the first bytes prove, whatever the file is called (None: plain text or unknown).

    Crawled attachments are often misnamed: a '.doc' that is an HTML page, MHTML, RTF or Word XML, a
    '.pdf' that is the server's HTML error page, a '.doc' that is really a .docx."""
    if data[:1024].lstrip()[:5] == b"%PDF-":
        return "pdf"
    if data[:8] == _OLE:
        return "doc"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(RTF_MAGIC):
        return "rtf"
    if data[:4] == b"PK\x03\x04":
        return "docx"
    if data.startswith(_IMAGE_MAGIC):
        return "image"
    if is_mht(head):
        return "mht"
    if head.startswith(b"<?xml") and is_wordml(head):
        return "wordml"
    lower = head.lower()
    if lower.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in lower:
        return "html"
    return None


def format_of(path: str | None, data: bytes) -> str:
    """The reader to use: what the bytes prove first, then the file's suffix, else text."""
    suffix = Path(path).suffix.lower() if path else ""
    named = SUFFIX_FORMATS.get(suffix)
    sniffed = sniffed_format(data)
    if sniffed == "doc" and named == "wps":
        return "wps"
    if sniffed == "html" and named == "md":
        return "md"  # markdown may hold HTML blocks
    return sniffed or named or "txt"


def misnamed(path: str | None, fmt: str) -> ReportWarning | None:
    """A warning when the content's format is not the one the file's name says."""
    suffix = Path(path).suffix.lower() if path else ""
    named = SUFFIX_FORMATS.get(suffix)
    if named is None or named == fmt or {named, fmt} <= {"doc", "wps"}:
        return None
    return ReportWarning("format_mismatch", f"named {suffix} but the content is {fmt}: read as {fmt}", suffix)


def read_bytes(data: bytes, path: str | None = None) -> Document:
    """Turn a file's bytes into a Document, or raise ReadError for what cannot be a report."""
    warnings: list[ReportWarning | dict] = []
    fmt = format_of(path, data[:4096])
    if (mismatch := misnamed(path, fmt)) is not None:
        warnings.append(mismatch)
    if fmt in BINARY_READERS:
        if len(data) > MAX_BINARY_BYTES:  # a cut PDF or .doc cannot be read at all
            raise ReadError("too_large", f"a {fmt} file over {MAX_BINARY_BYTES} bytes: not read")
    elif len(data) > MAX_BYTES:
        warnings.append(_truncated(len(data)))
        data = data[:MAX_BYTES]
    sha = hashlib.sha256(data).hexdigest()
    if not data or data.isspace():  # `not data.strip()`, without copying the file
        raise ReadError("empty", "the file is empty")
    title = None
    encoding = None
    layout = None
    unwrapped = None
    if fmt in BINARY_READERS:
        text, layout, more = BINARY_READERS[fmt](data)
        warnings.extend(more)
    elif fmt == "mht":
        page, encoding, more = mht_page(data)
        warnings.extend(more)
        text, title = html_to_text(page)
        layout = "html"  # the page's table cells are its markup's, as for an HTML file
    elif fmt == "docx":
        try:
            text = docx_to_text(data)
        except DocxTooLarge as exc:
            raise ReadError("too_large", f"a .docx too large to read: {exc}") from exc
        except Exception as exc:  # python-docx raises many kinds on a broken zip
            raise ReadError("unreadable", f"not a readable .docx file: {exc}") from exc
    else:
        if looks_binary(data):
            raise ReadError("binary", "binary data, not a text, HTML or docx report")
        text, encoding, warnings_dec = decode(data)
        warnings.extend(warnings_dec)
        if fmt in ("txt", "md") and (unwrapped := unwrap_text(text)) is not None:  # made from a PDF
            text = unwrapped.text
            warnings.append(ReportWarning("lines_joined", "hard-wrapped lines joined into paragraphs",
                             None))
        if fmt == "html":
            exact_utf8 = encoding == "utf-8" and not warnings_dec  # decoded without replacement
            text, title = html_to_text(text, utf8=data.removeprefix(BOM) if exact_utf8 else None)
    return Document(text=text, format=fmt, path=path, sha256=sha, encoding=encoding, title=title,
                    layout=layout, unwrapped=unwrapped, warnings=warnings)


def read_capped(path: str | Path) -> tuple[bytes, int]:
    """At most ``MAX_BYTES + 1`` bytes of a regular file (``MAX_BINARY_BYTES + 1`` for a PDF, .doc
    or image, which cannot be read cut), never the whole of a huge one, and its size. A FIFO,
    device or socket is refused before it is read (reading one can block or never end)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ReadError("not_a_file", f"{path} is not a regular file: not read")
        os.set_blocking(fd, True)
        head = os.read(fd, 4096)
        limit = MAX_BINARY_BYTES if format_of(str(path), head) in BINARY_READERS else MAX_BYTES
        chunks, want = [head], limit + 1 - len(head)
        while want > 0 and head:
            block = os.read(fd, min(want, 1 << 20))
            if not block:
                break
            chunks.append(block)
            want -= len(block)
        return b"".join(chunks), st.st_size
    finally:
        os.close(fd)


def read_file(path: str | Path) -> Document:
    """Read a report file from disk (a file over ``MAX_BYTES`` is cut, never read whole)."""
    try:
        data, size = read_capped(path)
    except OSError as exc:
        raise ReadError("unreadable", f"cannot read {path}: {exc.strerror or exc}") from exc
    doc = read_bytes(data, str(path))
    if size > len(data):  # the warning gives the file's size, not the bytes read
        doc.warnings = [_truncated(size) if isinstance(w, ReportWarning) and w.code == "truncated_input" else w
                        for w in doc.warnings]
    return doc


def _truncated(size: int) -> ReportWarning:
    return ReportWarning("truncated_input", f"file of {size} bytes cut to the first {MAX_BYTES} (sha256 is of those)")
