"""The segmenter: rjieba loaded with one dictionary, its package left as anyone expects it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_segment_rjieba_loads_one_dictionary_and_leaves_the_package_usable() -> None:
    """gknlp's tokenizer has the domain dictionary; rjieba's own default (built only when
    someone imports the package) does not, and both share the one compiled module."""
    pytest.importorskip("rjieba")
    code = ("import sys\n"
            "from gknlp.text.segment import segmenter\n"
            "cut = segmenter('rjieba')\n"
            "print('rjieba' in sys.modules, '|'.join(cut('本年度依申请公开办理情况')))\n"
            "import rjieba\n"
            "print(rjieba.Jieba is sys.modules['rjieba.rjieba'].Jieba, '|'.join(rjieba.cut('依申请公开')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split("\n")[:2] == ["False 本年度|依申请公开|办理|情况", "True 依|申请|公开"]
