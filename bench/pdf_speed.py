"""PDF reading speed: reports/s with tables beside PDFium's bare load + raw text of the same files.

Usage: ``python bench/pdf_speed.py [DIR] [--repeat N] [--ocr PDF]``. DIR holds the PDFs
(default: made now by bench/make_documents.py from the development split into a cache
directory). Both timings run in this one process on the same files, one core; the first
pass warms the caches and is not counted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def raw_text(data: bytes) -> int:
    """What PDFium needs at least: open the file, each page's text as one string."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    n = 0
    for i in range(len(pdf)):
        page = pdf[i]
        tp = page.get_textpage()
        n += len(tp.get_text_range())
        tp.close()
        page.close()
    pdf.close()
    return n


def with_tables(data: bytes) -> int:
    from gknlp.read.pdf import read_pdf

    return len(read_pdf(data).text)


def full_report(path: Path, data: bytes) -> int:
    from gknlp.pipeline import extract

    return len(extract(path, themes=False, counts=False, data=data).tables)


def timed(fn, items, repeat: int) -> float:
    for item in items:  # warm-up
        fn(*item)
    start = time.perf_counter()
    for _ in range(repeat):
        for item in items:
            fn(*item)
    return (time.perf_counter() - start) / (repeat * len(items))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path, nargs="?")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--ocr", type=Path, help="an image-only PDF to time OCR on (seconds per page)")
    args = ap.parse_args(argv)
    folder = args.dir
    if folder is None:
        sys.path.insert(0, str(ROOT / "bench"))
        import make_documents

        folder = Path(tempfile.gettempdir()) / "gknlp-bench-documents"
        if not any(folder.glob("**/*.pdf")):
            make_documents.make_documents(folder, ROOT.parent / "shared" / "corpus", ROOT / "gknlp" / "data" / "samples",
                                          kinds=("pdf",))
    pdfs = sorted(folder.glob("**/*.pdf"))
    pdfs = [p for p in pdfs if not p.name.endswith(".scan.pdf")]
    items = [(p.read_bytes(),) for p in pdfs]
    import pypdfium2 as pdfium

    pages = sum(len(pdfium.PdfDocument(d)) for (d,) in items)
    t_raw = timed(raw_text, items, args.repeat)
    t_pdf = timed(with_tables, items, args.repeat)
    t_full = timed(full_report, [(p, d) for p, (d,) in zip(pdfs, items)], max(1, args.repeat // 2))
    print(f"{len(pdfs)} PDFs, {pages} pages ({pages / len(pdfs):.1f} a report), one core")
    print(f"pypdfium2 load + raw text : {1000 * t_raw:7.1f} ms/report  {1 / t_raw:7.1f} reports/s")
    print(f"gknlp read_pdf (tables)   : {1000 * t_pdf:7.1f} ms/report  {1 / t_pdf:7.1f} reports/s"
          f"  ({t_pdf / t_raw:.2f}x raw text)")
    print(f"gknlp extract (no themes) : {1000 * t_full:7.1f} ms/report  {1 / t_full:7.1f} reports/s"
          f"  ({t_full / t_raw:.2f}x raw text)")
    if args.ocr:
        from gknlp.read.ocr import ocr_pdf

        data = args.ocr.read_bytes()
        n = len(pdfium.PdfDocument(data))
        start = time.perf_counter()
        ocr_pdf(data, [])
        print(f"OCR: {n} pages in {time.perf_counter() - start:.1f} s = {(time.perf_counter() - start) / n:.1f} s/page")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
