"""The output on the seeds and the whole corpus stays byte-identical unless a change means it to move.

A refactor or a speed-up must leave every record as it was; a deliberate change rewrites
tests/golden/records.tsv (`python tests/golden/records.py`) in the same commit, so the diff shows
which files and parts moved.
"""

from __future__ import annotations

from pathlib import Path

from golden.records import PARTS, fingerprints, read_tsv


def test_output_matches_the_recorded_fingerprints(corpus_dir: Path) -> None:
    recorded = read_tsv()
    now = fingerprints(corpus_dir)
    assert len({name for name, _ in recorded}) >= 120
    assert set(now) == set(recorded), "files added or removed: rerun tests/golden/records.py"
    moved = sorted(f"{name} [{part}]" for key in now if now[key] != recorded[key] for name, part in [key])
    assert not moved, f"{len(moved)} record parts changed:\n" + "\n".join(moved[:40])


def test_every_part_of_a_record_is_fingerprinted(corpus_dir: Path) -> None:
    from gknlp.pipeline import extract

    sample = next((Path(__file__).resolve().parents[1] / "gknlp" / "data" / "samples").glob("*.txt"))
    parts = set(extract(sample).to_dict()) - {"source", "gknlp_version", "model_version"} | {"format"}
    assert parts <= set(PARTS)
