"""Readers: one module per source format, each giving the same Document.

Tables are rendered as one row per line with cells separated by a tab, so that every
layout reaches the table engine as text and one engine handles them all.
"""

from gknlp.read.document import MAX_BYTES, Document, ReadError
from gknlp.read.docx import docx_to_text
from gknlp.read.files import format_of, read_bytes, read_file
from gknlp.read.html import html_to_text
from gknlp.read.text import decode

__all__ = ["Document", "ReadError", "MAX_BYTES", "read_file", "read_bytes", "format_of", "decode", "html_to_text", "docx_to_text"]
