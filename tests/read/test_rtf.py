"""RTF reports and misnamed attachments: the content decides the reader, not the file's name."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

from gknlp.pipeline import extract
from gknlp.read import read_bytes
from gknlp.read.document import ReadError
from gknlp.read.files import format_of
from gknlp.read.rtf import rtf_to_text
from gknlp.report.sections import SECTION_KEYS

SAMPLES = Path(__file__).resolve().parents[2] / "gknlp" / "data" / "samples"
SEED = SAMPLES / "002_a5e157a962f88d8f.txt"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.mark.parametrize(("name", "head", "fmt"), [
    ("a.doc", b"<html><body><p>x</p></body></html>", "html"),
    ("a.doc", b"{\\rtf1\\ansi\\ansicpg936 x}", "rtf"),
    ("a.rtf", b"\xef\xbb\xbf{\\rtf1 x}", "rtf"),
    ("a.pdf", b"<!DOCTYPE html><html><title>404</title>", "html"),
    ("a.doc", b"PK\x03\x04" + bytes(20), "docx"),
    ("a.wps", _OLE + bytes(8), "wps"),
    ("a.doc", _OLE + bytes(8), "doc"),
    ("a.md", b"<html>x</html>", "md"),
    ("a.txt", "PK大学".encode(), "txt"),
    ("a.doc", b"garbage", "doc"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_format_is_what_the_bytes_prove_before_the_name(name: str, head: bytes, fmt: str) -> None:
    assert format_of(name, head) == fmt


def test_a_misnamed_file_is_read_by_its_content_with_a_warning() -> None:
    page = "<html><body>" + "".join(f"<p>{line}</p>" for line in SEED.read_text(encoding="utf-8").splitlines())
    doc = read_bytes(page.encode("utf-8"), "report.doc")
    assert doc.format == "html"
    assert [(w.code, w.message) for w in doc.warnings] == [
        ("format_mismatch", "named .doc but the content is html: read as html")]
    report = extract("report.doc", data=page.encode("utf-8"), themes=False, counts=False)
    assert report.error is None and report.source["format"] == "html"
    assert report.tables == extract(SEED, themes=False, counts=False).tables


def test_rtf_escapes_and_code_page_decode() -> None:
    # \'hh bytes in the document's code page (GBK: 政 = d5fe, 府 = b8ae), \uN with its fallback.
    rtf = b"{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0\\fcharset134 SimSun;}}" \
          b"\\f0 \\'d5\\'fe\\'b8\\'ae\\u20449?\\u24687?\\par " \
          b"\\trowd\\cellx1000\\cellx2000 \\intbl \\u35268?\\u31456?\\cell 12\\cell\\row }"
    assert rtf_to_text(rtf) == "政府信息\n规章\t12"


def test_a_broken_rtf_is_an_error_or_text_never_a_traceback() -> None:
    for data in (b"{\\rtf1 " + b"{" * 50_000, b"{\\rtf1 }}}}}}" + b"\\u99999999999999?" * 10, b"{\\rtf1\\bin5 abc"):
        try:
            doc = read_bytes(data, "x.rtf")
        except ReadError as exc:
            assert exc.kind in ("unreadable", "empty")
        else:
            assert doc.format == "rtf"


@pytest.fixture(scope="module")
def seed_rtfs(maker: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The five seeds as HTML pages converted to RTF by LibreOffice (as a 'Save as RTF' gives)."""
    if shutil.which("soffice") is None:
        pytest.skip("needs soffice (apt: libreoffice-writer-nogui; .ci/run installs it)")
    out = tmp_path_factory.mktemp("rtf")
    pages = []
    for seed in sorted(SAMPLES.glob("*.txt")):
        page = out / f"{seed.stem}.html"
        page.write_text(maker.seed_html(seed.read_text(encoding="utf-8"), seed.stem), encoding="utf-8")
        pages.append(page)
    with tempfile.TemporaryDirectory(prefix="gknlp-lo-") as profile:
        subprocess.run(["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                        "--infilter=HTML (StarWriter)", "--convert-to", "rtf:Rich Text Format",
                        "--outdir", str(out), *map(str, pages)], check=True, capture_output=True, timeout=300)
    return {p.stem: out / f"{p.stem}.rtf" for p in pages}


@pytest.mark.parametrize("seed", sorted(p.stem for p in SAMPLES.glob("*.txt")))
def test_seed_as_rtf_gives_every_cell_of_its_text(seed: str, seed_rtfs: dict[str, Path]) -> None:
    want = extract(SAMPLES / f"{seed}.txt", themes=False, counts=False)
    # Saved as '.doc', as sites often serve RTF: the content decides.
    got = extract(seed_rtfs[seed].with_suffix(".doc"), data=seed_rtfs[seed].read_bytes(), themes=False, counts=False)
    assert got.error is None and got.source["format"] == "rtf"
    assert got.tables == want.tables
    assert sum(v is not None for rows in got.tables.values() for cols in (rows or {}).values()
               for v in cols.values()) >= 150
    assert [k for k in SECTION_KEYS if got.sections.get(k) is None] == []
