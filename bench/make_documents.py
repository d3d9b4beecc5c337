"""Make test documents from the development split: each report as PDF, .docx, .doc and scan.

Nothing made here is committed: the tests call :func:`make_documents` into a temporary
directory (a session fixture) and the speed bench into a cache directory.

- a development-split page of ``corpus/html/`` (report year 2022 or earlier, by its
  MANIFEST.tsv) is printed to PDF by headless Chromium, the way a browser user saves it
  (running header with date and title, footer with address and page ``n/m``);
- it is converted to ``.docx`` and ``.doc`` (Word 97) by LibreOffice, and that .docx printed to PDF
  by LibreOffice Writer (``word_pdf``: a second PDF producer, with Writer's table layout and page
  breaks);
- a seed (plain text: tab- or ``|``-separated table rows) becomes a small HTML page with ruled
  tables, rendered to PDF and ``.doc`` by LibreOffice;
- a PDF's pages are rasterised by ``pdftoppm`` and put back together as an image-only PDF
  (a scan: no text layer), for OCR.

Usage: ``python bench/make_documents.py OUT_DIR [--corpus ../shared/corpus] [--seeds DIR]``
"""

from __future__ import annotations

import argparse
import csv
import html
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_LAST_YEAR = 2022

TOOLS = {"chromium": "chromium", "soffice": "soffice", "pdftoppm": "pdftoppm"}


def missing_tools(kinds: tuple[str, ...] = ("pdf", "doc", "scan")) -> list[str]:
    """The command-line tools these kinds of document need and this machine lacks."""
    need = {"pdf": ["chromium", "soffice"], "docx": ["soffice"], "doc": ["soffice"], "scan": ["pdftoppm"]}
    return sorted({t for k in kinds for t in need[k] if shutil.which(TOOLS[t]) is None})


def dev_pages(corpus: Path) -> list[Path]:
    """The HTML pages of reports for 2022 and earlier (the development split)."""
    manifest = corpus / "html" / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    out = []
    for row in rows:
        year = row.get("year_of_report") or ""
        if year.isdigit() and int(year) <= DEV_LAST_YEAR and (corpus / "html" / row["file"]).exists():
            out.append(corpus / "html" / row["file"])
    return sorted(out)


def _cells(line: str) -> list[str] | None:
    if "\t" in line:
        return line.split("\t")
    if " | " in line or line.rstrip().endswith("|"):
        return [c.strip() for c in line.rstrip().rstrip("|").split("|")]
    return None


def seed_html(text: str, title: str, ruled: bool = True) -> str:
    """A seed's text as an HTML page: a paragraph per line, runs of table rows as tables, ruled
    or (``ruled=False``) printed without any line, their columns kept apart by padding."""
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'>",
           f"<title>{html.escape(title)}</title>",
           "<style>body{font-family:'Noto Serif CJK SC','Noto Sans CJK SC';font-size:12pt}"
           "table{border-collapse:collapse}" + ("td{border:1px solid #000;padding:2px}" if ruled else
                                                "td{border:none;padding:2px 18pt 2px 2px}") + "</style>",
           "</head><body>"]
    in_table = False
    for line in text.splitlines():
        cells = _cells(line)
        if cells is not None:
            if not in_table:
                out.append("<table border='1' cellspacing='0'>" if ruled else "<table border='0' cellspacing='0'>")
                in_table = True
            out.append("<tr>" + "".join(f"<td>{html.escape(c.strip())}</td>" for c in cells) + "</tr>")
            continue
        if in_table:
            out.append("</table>")
            in_table = False
        if line.strip():
            out.append(f"<p>{html.escape(line.strip())}</p>")
    if in_table:
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


def _run(cmd: list[str], timeout: float = 180) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)


def chromium_pdf(page: Path, out: Path) -> Path:
    """The page printed to PDF by headless Chromium (with its running header and footer)."""
    _run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          f"--print-to-pdf={out}", page.resolve().as_uri()])
    return out


def soffice_convert(files: list[Path], target: str, out_dir: Path) -> list[Path]:
    """Files converted by LibreOffice in one run (its own profile, so runs do not collide).

    `target` is ``pdf``, ``docx`` or ``doc``; HTML is opened in Writer (not Writer/Web)."""
    filters = {"pdf": "pdf:writer_pdf_Export", "docx": "docx:MS Word 2007 XML", "doc": "doc:MS Word 97"}
    html = all(f.suffix.lower() in (".html", ".htm") for f in files)
    with tempfile.TemporaryDirectory(prefix="gknlp-lo-") as profile:
        _run(["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
              *(["--infilter=HTML (StarWriter)"] if html else []), "--convert-to", filters[target],
              "--outdir", str(out_dir), *map(str, files)], timeout=600)
    return [out_dir / f"{f.stem}.{target}" for f in files]


def scan_pdf(pdf: Path, out: Path, dpi: int = 150, pages: tuple[int, int] | None = None) -> Path:
    """An image-only copy of a PDF (pages rasterised by pdftoppm, joined by Pillow)."""
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="gknlp-scan-") as tmp:
        cmd = ["pdftoppm", "-r", str(dpi), "-gray", "-png"]
        if pages:
            cmd += ["-f", str(pages[0]), "-l", str(pages[1])]
        _run([*cmd, str(pdf), f"{tmp}/p"])
        images = [Image.open(p).convert("L") for p in sorted(Path(tmp).glob("p*.png"))]
        images[0].save(out, save_all=True, append_images=images[1:], resolution=dpi)
    return out


def make_documents(out: Path, corpus: Path | None, seeds: Path | None,
                   kinds: tuple[str, ...] = ("pdf", "docx", "doc")) -> dict[str, dict[str, Path]]:
    """Every development-split page and seed in the `kinds` asked for, under `out`.

    Returns ``{name: {"source": html page, kind: file}}``; a seed's source is the HTML page
    made from it (``<name>.html`` in `out`)."""
    out.mkdir(parents=True, exist_ok=True)
    made: dict[str, dict[str, Path]] = {}
    pages = dev_pages(corpus) if corpus else []
    for page in pages:
        made[page.stem] = {"source": page}
        if "pdf" in kinds:
            made[page.stem]["pdf"] = chromium_pdf(page, out / f"{page.stem}.pdf")
    seed_pages = []
    for seed in sorted(seeds.glob("*.txt")) if seeds else []:
        p = out / f"seed-{seed.stem}.html"
        p.write_text(seed_html(seed.read_text(encoding="utf-8"), seed.stem), encoding="utf-8")
        seed_pages.append(p)
        made[p.stem] = {"source": p}
    lo_dir = out / "lo"
    lo_dir.mkdir(exist_ok=True)
    for target in ("docx", "doc"):
        if target in kinds and pages:
            for f in soffice_convert(pages, target, lo_dir):
                made[f.stem][target] = f
    if "word_pdf" in kinds and pages:  # a second producer: the .docx laid out and printed by Writer
        word_dir = out / "word-pdf"
        word_dir.mkdir(exist_ok=True)
        docx = [made[p.stem]["docx"] for p in pages]
        for f in soffice_convert(docx, "pdf", word_dir):
            made[f.stem]["word_pdf"] = f
    for target in ("pdf", "doc"):
        if target in kinds and seed_pages:
            for f in soffice_convert(seed_pages, target, lo_dir):
                made[f.stem][target] = f
    return made


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--seeds", type=Path, default=ROOT / "gknlp" / "data" / "samples")
    ap.add_argument("--scan", action="store_true", help="also image-only copies of the PDFs")
    args = ap.parse_args(argv)
    if missing := missing_tools():
        print(f"missing tools: {', '.join(missing)}", file=sys.stderr)
        return 1
    made = make_documents(args.out, args.corpus, args.seeds)
    if args.scan:
        for name, files in made.items():
            if "pdf" in files:
                files["scan"] = scan_pdf(files["pdf"], args.out / f"{name}.scan.pdf")
    for name, files in sorted(made.items()):
        print(name, " ".join(f"{k}={os.path.relpath(v)}" for k, v in sorted(files.items()) if k != "source"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
