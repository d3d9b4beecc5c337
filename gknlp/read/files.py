"""A file's bytes → a Document, dispatched to the reader of its format."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from gknlp.read.document import MAX_BYTES, Document, ReadError
from gknlp.read.docx import DocxTooLarge, docx_to_text
from gknlp.read.html import html_to_text
from gknlp.read.text import BOM, decode, looks_binary
from gknlp.types import ReportWarning

__all__ = ["read_bytes", "read_file", "read_capped", "format_of"]


def format_of(path: str | None, data: bytes) -> str:
    suffix = Path(path).suffix.lower() if path else ""
    if suffix in (".html", ".htm", ".xhtml"):
        return "html"
    if suffix == ".docx" or data[:2] == b"PK":
        return "docx"
    if suffix == ".md":
        return "md"
    head = data[:2048].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head:
        return "html"
    return "txt"


def read_bytes(data: bytes, path: str | None = None) -> Document:
    """Turn a file's bytes into a Document, or raise ReadError for what cannot be a report."""
    warnings: list[ReportWarning | dict] = []
    if len(data) > MAX_BYTES:
        warnings.append(_truncated(len(data)))
        data = data[:MAX_BYTES]
    sha = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise ReadError("empty", "the file is empty")
    fmt = format_of(path, data)
    title = None
    encoding = None
    if fmt == "docx":
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
        if fmt == "html":
            exact_utf8 = encoding == "utf-8" and not warnings_dec  # decoded without replacement
            text, title = html_to_text(text, utf8=data.removeprefix(BOM) if exact_utf8 else None)
    return Document(text=text, format=fmt, path=path, sha256=sha, encoding=encoding, title=title,
                    warnings=warnings)


def read_capped(path: str | Path) -> tuple[bytes, int]:
    """At most ``MAX_BYTES + 1`` bytes of a regular file (never the whole of a huge one), and its
    size. A FIFO, device or socket is refused before it is read (reading one can block or never
    end)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ReadError("not_a_file", f"{path} is not a regular file: not read")
        os.set_blocking(fd, True)
        chunks, want = [], MAX_BYTES + 1
        while want > 0:
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
