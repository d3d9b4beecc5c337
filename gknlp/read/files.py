"""A file's bytes → a Document, dispatched to the reader of its format."""

from __future__ import annotations

import hashlib
from pathlib import Path

from gknlp.read.document import MAX_BYTES, Document, ReadError
from gknlp.read.docx import docx_to_text
from gknlp.read.html import html_to_text
from gknlp.read.text import BOM, decode, looks_binary

__all__ = ["read_bytes", "read_file", "format_of"]


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
    sha = hashlib.sha256(data).hexdigest()
    warnings: list[dict] = []
    if not data.strip():
        raise ReadError("empty", "the file is empty")
    if len(data) > MAX_BYTES:
        warnings.append({"code": "truncated_input",
                         "message": f"file of {len(data)} bytes cut to the first {MAX_BYTES}", "raw": None})
        data = data[:MAX_BYTES]
    fmt = format_of(path, data)
    title = None
    encoding = None
    if fmt == "docx":
        try:
            text = docx_to_text(data)
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


def read_file(path: str | Path) -> Document:
    """Read a report file from disk."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ReadError("unreadable", f"cannot read {p}: {exc.strerror or exc}") from exc
    return read_bytes(data, str(p))
