"""Word .docx → text: paragraphs and tables (tab-separated cells) in document order."""

from __future__ import annotations

from gknlp.read.html import SPACES

__all__ = ["docx_to_text", "MAX_UNZIPPED"]

MAX_UNZIPPED = 200 * 1024 * 1024
"""A .docx whose parts would unzip to more than this is refused (a zip bomb): a real report's
parts are a few MB."""


class DocxTooLarge(ValueError):
    """The parts of a .docx unzip to more than :data:`MAX_UNZIPPED`."""


def check_unzipped_size(data: bytes) -> None:
    """Refuse a zip whose parts' declared sizes add up beyond :data:`MAX_UNZIPPED` (zipfile
    stops reading a part at its declared size and checks its CRC, so the declaration holds)."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        total = sum(info.file_size for info in zf.infolist())
    if total > MAX_UNZIPPED:
        raise DocxTooLarge(f"its parts unzip to {total:,} bytes, over the limit of {MAX_UNZIPPED:,}")


def docx_to_text(data: bytes) -> str:
    """Paragraphs and tables of a .docx in document order; merged cells counted once."""
    import io

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_unzipped_size(data)
    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            lines.append(Paragraph(child, document).text)
        elif child.tag.endswith("}tbl"):
            for row in Table(child, document).rows:
                seen: list = []
                cells: list[str] = []
                for cell in row.cells:
                    if any(cell._tc is s for s in seen):
                        continue
                    seen.append(cell._tc)
                    cells.append(SPACES.sub(" ", cell.text).strip())
                lines.append("\t".join(cells))
    return "\n".join(lines)

