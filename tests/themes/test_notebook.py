"""notebooks/03_labelling.ipynb runs top to bottom on bundled data (the labelling loop, issue 18)."""

from __future__ import annotations

from pathlib import Path

from notebook_runner import run_notebook

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "03_labelling.ipynb"


def test_notebook_labelling_loop_runs():
    outputs = run_notebook(NOTEBOOK, timeout=600, needs=())
    text = "".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "'labelled': 12" in text and "28 -> 40 labelled paragraphs" in text
