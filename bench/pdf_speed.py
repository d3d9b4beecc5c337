"""PDF reading speed: reports/s with tables beside PDFium's bare load + raw text of the same files.

Usage: ``python bench/pdf_speed.py [DIR] [--repeat N] [--against REV] [--ocr PDF]``. DIR holds
the PDFs (default: made now by bench/make_documents.py from the development split into a cache
directory). All timings run in this one process on the same files, one core, interleaved
round by round (a shared machine slows every one of them alike); each figure is the fastest
round, after a first pass that warms the caches. ``--against REV`` also times ``gknlp/read/pdf.py`` as it was at
git revision REV, for a before/after in the same run.
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


def module_at(rev: str):
    """gknlp/read/pdf.py as it was at a git revision, imported under another name."""
    import importlib.util
    import subprocess

    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:gknlp/read/pdf.py"], check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp(prefix="gknlp-pdf-")) / "pdf_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("pdf_before", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["pdf_before"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def full_report(path: Path, data: bytes) -> int:
    from gknlp.pipeline import extract

    return len(extract(path, themes=False, counts=False, data=data).tables)


def timed(fns: dict[str, tuple], repeat: int) -> dict[str, float]:
    """Seconds per item of each (fn, items): the fastest of `repeat` rounds, run round-robin
    after a warm-up (the fastest round is the one least disturbed by other work on the machine)."""
    best = dict.fromkeys(fns, float("inf"))
    for fn, items in fns.values():  # warm-up
        for item in items:
            fn(*item)
    for _ in range(repeat):
        for name, (fn, items) in fns.items():
            start = time.perf_counter()
            for item in items:
                fn(*item)
            best[name] = min(best[name], (time.perf_counter() - start) / len(items))
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path, nargs="?")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--against", metavar="REV", help="also time gknlp/read/pdf.py at this git revision")
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
    fns: dict[str, tuple] = {"raw": (raw_text, items), "tables": (with_tables, items),
                             "extract": (full_report, [(p, d) for p, (d,) in zip(pdfs, items)])}
    if args.against:
        before = module_at(args.against)
        fns["before"] = (lambda data: len(before.read_pdf(data).text), items)
    t = timed(fns, args.repeat)
    t_raw = t["raw"]
    print(f"{len(pdfs)} PDFs, {pages} pages ({pages / len(pdfs):.1f} a report), one core, {args.repeat} rounds")
    print(f"pypdfium2 load + raw text : {1000 * t_raw:7.1f} ms/report  {1 / t_raw:7.1f} reports/s")
    if args.against:
        tb = t["before"]
        print(f"read_pdf at {args.against:<14}: {1000 * tb:7.1f} ms/report  {1 / tb:7.1f} reports/s"
              f"  ({tb / t_raw:.2f}x raw text)")
    print(f"gknlp read_pdf (tables)   : {1000 * t['tables']:7.1f} ms/report  {1 / t['tables']:7.1f} reports/s"
          f"  ({t['tables'] / t_raw:.2f}x raw text)")
    print(f"gknlp extract (no themes) : {1000 * t['extract']:7.1f} ms/report  {1 / t['extract']:7.1f} reports/s"
          f"  ({t['extract'] / t_raw:.2f}x raw text)")
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
