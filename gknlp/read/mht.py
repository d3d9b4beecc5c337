"""MHTML (.mht, and Word's 'single file web page' served as '.doc') → the HTML page inside it.

A MIME multipart/related message: the page is its first text/html part, in its own charset and
transfer encoding (Word writes gb2312 and quoted-printable), which the standard email parser decodes.
"""

from __future__ import annotations

from gknlp.read.document import ReadError

__all__ = ["mht_to_html", "is_mht"]


def is_mht(head: bytes) -> bool:
    """Whether a file opens as a MIME message holding a web page."""
    top = head[:1024].lstrip().lower()
    return top.startswith((b"mime-version:", b"from:", b"content-type: multipart/related")) and (
        b"multipart/related" in head.lower() or b"text/html" in head.lower())


def mht_to_html(data: bytes) -> str:
    """The HTML of the message's first text/html part."""
    from email import policy
    from email.parser import BytesParser

    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
        for part in message.walk():
            if part.get_content_type() == "text/html":
                html = part.get_content()  # type: ignore[attr-defined]
                if isinstance(html, str):
                    return html
    except (LookupError, ValueError, UnicodeError) as exc:
        raise ReadError("unreadable", f"not a readable MHTML file: {exc}") from exc
    raise ReadError("unreadable", "an MHTML file without a web page (no text/html part)")
