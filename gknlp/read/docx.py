"""Word .docx → text: paragraphs and tables (tab-separated cells) in document order."""

from __future__ import annotations

from gknlp.read.html import SPACES

__all__ = ["docx_to_text"]


def docx_to_text(data: bytes) -> str:
    """Paragraphs and tables of a .docx in document order; merged cells counted once."""
    import io

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

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

