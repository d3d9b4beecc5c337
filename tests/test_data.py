"""The shipped data files: each one has its provenance entry in gknlp/data/SOURCES.md."""

from __future__ import annotations

import re

from gknlp.data import DATA_DIR


def test_data_every_file_has_a_sources_entry() -> None:
    sources = (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([^`\s]+)`", sources))
    files = [p for p in DATA_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert len(files) >= 20
    missing = [str(p.relative_to(DATA_DIR)) for p in files
               if p.name not in named and str(p.relative_to(DATA_DIR)) not in named]
    assert missing == []
