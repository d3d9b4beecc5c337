"""The package type-checks: ``python -m mypy`` (configured in pyproject.toml) reports nothing.

Why a test: the README's test command is what CI runs, so mypy runs there too; gknlp ships
``py.typed``, so its hints are part of what users get.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_typing_mypy_is_clean() -> None:
    pytest.importorskip("mypy", reason="mypy is in the test extra: pip install -e '.[test]'")
    out = subprocess.run([sys.executable, "-m", "mypy", "gknlp"], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
