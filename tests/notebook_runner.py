"""Run a notebook of notebooks/ top to bottom, as the tests of every notebook do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


def run_notebook(path: Path, timeout: int = 300, needs: tuple[str, ...] = ("matplotlib",)) -> list[dict[str, Any]]:
    """Execute the (stripped) notebook in its folder; its outputs, after checking that no cell
    failed and that no Chinese glyph was missing from the font (matplotlib warns "Glyph ...
    missing from font(s)" when labels would be boxes). Skips when the notebook tools are absent."""
    nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed")
    nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed")
    for module in ("ipykernel", *needs):
        pytest.importorskip(module, reason=f"{module} is not installed")
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit the notebook stripped"
    nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert not [o for o in outputs if "missing from font" in str(o.get("text", ""))]
    return outputs
