"""MHTML (.mht, and Word's 'single file web page' served as '.doc') → the HTML page inside it.

A MIME multipart/related message: the page is its first text/html part, in its own transfer
encoding (Word writes quoted-printable) and charset. The charset label is not trusted blindly:
Word labels GBK text `gb2312`, which is read as GB18030 (its superset); a missing or unknown
label, or bytes the label cannot decode, go to the text reader's detection, with its warnings.
"""

from __future__ import annotations

from gknlp.read.document import ReadError
from gknlp.types import ReportWarning

__all__ = ["mht_page", "is_mht"]

_GB = {"gb2312", "gbk", "x-gbk", "cp936", "gb_2312-80", "euc-cn", "x-euc-cn", "hz-gb-2312"}


def is_mht(head: bytes) -> bool:
    """Whether a file opens as a MIME message holding a web page."""
    top = head[:1024].lstrip().lower()
    return top.startswith((b"mime-version:", b"from:", b"content-type: multipart/related")) and (
        b"multipart/related" in head.lower() or b"text/html" in head.lower())


def mht_page(data: bytes) -> tuple[str, str, list[ReportWarning]]:
    """The HTML of the message's first text/html part, the encoding read, and any warnings."""
    from email import message_from_bytes

    from gknlp.read.text import decode

    message = message_from_bytes(data)
    part = next((p for p in message.walk() if p.get_content_type() == "text/html"), None)
    if part is None:
        raise ReadError("unreadable", "an MHTML file without a web page (no text/html part)")
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload.strip():
        raise ReadError("empty", "the MHTML file's web page is empty")
    label = (part.get_content_charset() or "").lower()
    encoding = "gb18030" if label in _GB else label
    if encoding:
        try:
            return payload.decode(encoding), encoding, []
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(payload)
