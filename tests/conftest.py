"""Shared pytest fixtures: where the evaluation corpus lives, and the seeds' paragraphs."""

from __future__ import annotations

from pathlib import Path

import pytest

_DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--corpus",
        action="store",
        default=None,
        help="path to the shared corpus directory (default: ../shared/corpus)",
    )


@pytest.fixture(scope="session")
def corpus_dir(request: pytest.FixtureRequest) -> Path:
    """The corpus directory; tests needing it are skipped when it is absent."""
    opt = request.config.getoption("--corpus")
    path = Path(opt) if opt else _DEFAULT_CORPUS
    if not (path / "raw").is_dir():
        pytest.skip(f"corpus not found at {path} (pass --corpus DIR)")
    return path


@pytest.fixture(scope="session")
def paragraphs() -> list[str]:
    """Every paragraph the pipeline finds in the bundled samples (the seeds), tables only."""
    from gknlp.pipeline import extract

    samples = sorted((Path(__file__).resolve().parents[1] / "gknlp" / "data" / "samples").glob("*.txt"))
    texts = [p["text"] for path in samples for p in extract(path, themes=False, counts=False).paragraphs]
    assert len(texts) >= 60
    return texts
