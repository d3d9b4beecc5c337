"""Documents made at test time from the development split and the seeds (never committed)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "gknlp" / "data" / "samples"


def load_maker() -> ModuleType:
    """bench/make_documents.py, imported by path (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("make_documents", ROOT / "bench" / "make_documents.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_documents", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def maker() -> ModuleType:
    return load_maker()


def _need(maker: ModuleType, kinds: tuple[str, ...]) -> None:
    if missing := maker.missing_tools(kinds):
        pytest.skip(f"needs {', '.join(missing)} (apt: chromium fonts-noto-cjk libreoffice-writer-nogui "
                    "poppler-utils; .ci/run installs them)")


@pytest.fixture(scope="session")
def seed_documents(tmp_path_factory: pytest.TempPathFactory, maker: ModuleType) -> dict[str, dict[str, Path]]:
    """The five seeds as HTML pages, rendered to PDF and .doc by LibreOffice."""
    _need(maker, ("pdf", "doc"))
    out = tmp_path_factory.mktemp("seed-documents")
    return maker.make_documents(out, None, SAMPLES, kinds=("pdf", "doc"))


@pytest.fixture(scope="session")
def borderless_documents(tmp_path_factory: pytest.TempPathFactory, maker: ModuleType) -> dict[Path, Path]:
    """The five seeds with their tables printed without ruling lines (LibreOffice PDF): HTML → PDF."""
    _need(maker, ("pdf",))
    out = tmp_path_factory.mktemp("borderless")
    pages = []
    for seed in sorted(SAMPLES.glob("*.txt")):
        page = out / f"bare-{seed.stem}.html"
        page.write_text(maker.seed_html(seed.read_text(encoding="utf-8"), seed.stem, ruled=False), encoding="utf-8")
        pages.append(page)
    return dict(zip(pages, maker.soffice_convert(pages, "pdf", out)))


@pytest.fixture(scope="session")
def page_documents(tmp_path_factory: pytest.TempPathFactory, maker: ModuleType,
                   corpus_dir: Path) -> dict[str, dict[str, Path]]:
    """The development-split HTML pages printed by Chromium and converted by LibreOffice."""
    _need(maker, ("pdf", "docx", "doc"))
    out = tmp_path_factory.mktemp("page-documents")
    made = maker.make_documents(out, corpus_dir, None, kinds=("pdf", "docx", "doc", "word_pdf"))
    if not made:
        pytest.skip("no development-split page in corpus/html")
    return made


@pytest.fixture(scope="session")
def has_pdftoppm() -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("needs pdftoppm (apt: poppler-utils)")


@pytest.fixture(scope="session")
def word_documents(tmp_path_factory: pytest.TempPathFactory, maker: ModuleType,
                   corpus_dir: Path) -> dict[str, dict[str, Path]]:
    """The development-split pages written as Word reports by python-docx (a variant each) and
    exported by LibreOffice to PDF and .doc (and .wps), with the reference HTML of each."""
    _need(maker, ("pdf", "doc"))
    made = maker.make_word_documents(tmp_path_factory.mktemp("word-documents"), corpus_dir)
    if not made:
        pytest.skip("no development-split page in corpus/html")
    return made
