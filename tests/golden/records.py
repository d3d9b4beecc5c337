"""Fingerprints of gknlp's output on the seeds and the corpus, per file and per record part.

The output of `gknlp extract` is JSON; a change to any part of it on any file of the seeds or the
corpus should be a decision, not an accident. `fingerprints` extracts every file and hashes each
top-level part of its record (tables, counts, ...) apart, so a difference names the file and the
part that moved. Only hashes are stored: no corpus text enters the repository, and nothing here is
a label (the evaluation split is hashed like the rest because this records what gknlp says, not
what is true).

    python tests/golden/records.py            # rewrite tests/golden/records.tsv after a deliberate change
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TSV = Path(__file__).with_name("records.tsv")
SUFFIXES = (".txt", ".html", ".md", ".docx")
PARTS = ("format", "meta", "sections", "tables", "table_info", "checks", "paragraphs", "counts", "warnings", "error")


def golden_files(corpus: Path) -> Iterator[tuple[str, Path]]:
    """(stable name, path) of the bundled samples and every report file of the corpus."""
    for path in sorted((ROOT / "gknlp" / "data" / "samples").glob("*.txt")):
        yield f"samples/{path.name}", path
    for sub in ("raw", "html", "other"):
        for path in sorted((corpus / sub).iterdir()):
            if path.suffix in SUFFIXES and path.name != "README.md":
                yield f"corpus/{sub}/{path.name}", path


def fingerprints(corpus: Path) -> dict[tuple[str, str], str]:
    """{(file, part): sha256 of that part of the file's record as written by `gknlp extract`}."""
    from gknlp.batch import dumps_line
    from gknlp.pipeline import default_pipeline, extract
    import orjson

    pipeline = default_pipeline()
    out: dict[tuple[str, str], str] = {}
    for name, path in golden_files(corpus):
        record = orjson.loads(dumps_line(extract(path, pipeline).to_dict()))
        record["format"] = record["source"]["format"]  # the reader chosen is part of the output too
        for part in PARTS:
            blob = dumps_line({"v": record.get(part)}).encode("utf-8")
            out[(name, part)] = hashlib.sha256(blob).hexdigest()[:16]
    return out


def read_tsv(path: Path = TSV) -> dict[tuple[str, str], str]:
    rows = (line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:] if line)
    return {(name, part): digest for name, part, digest in rows}


def write_tsv(prints: dict[tuple[str, str], str], path: Path = TSV) -> None:
    lines = ["file\tpart\tsha256_16"] + [f"{n}\t{p}\t{d}" for (n, p), d in sorted(prints.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus"
    write_tsv(fingerprints(corpus))
    print(f"wrote {TSV.relative_to(ROOT)}")
