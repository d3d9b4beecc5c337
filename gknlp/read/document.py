"""The shape every reader gives: a Document (text before normalisation) or a ReadError."""

from __future__ import annotations

from dataclasses import dataclass, field

from gknlp.text.unwrap import Unwrapped
from gknlp.types import ReportWarning

__all__ = ["Document", "ReadError", "MAX_BYTES"]

MAX_BYTES = 20 * 1024 * 1024
"""Larger inputs are cut to this size with a warning: a real report is well under 1 MB."""


class ReadError(Exception):
    """A file that cannot be read as a report (empty, binary, unreadable)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Document:
    """A file read into text, before normalisation."""

    text: str
    format: str
    path: str | None = None
    sha256: str | None = None
    encoding: str | None = None
    title: str | None = None
    layout: str | None = None
    """How the tables were read when the format says it (pdf_lines, pdf_text, ocr, doc); else the pipeline's default."""
    unwrapped: Unwrapped | None = None
    """Set when hard-wrapped lines were joined: ``unwrapped.to_source(i)`` is where character i
    of `text` stands in the decoded file."""
    warnings: list[ReportWarning | dict] = field(default_factory=list)  # dicts from older readers

