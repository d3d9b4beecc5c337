"""Word segmentation for theme features: rjieba (jieba-rs) when installed, jieba otherwise.

Why two engines: rjieba cuts the same words as jieba's ``cut(HMM=False)`` with the same
dictionary (tests/test_segment.py checks them against each other on the seeds) about 15x
faster, and loads in a tenth of the time, which is most of ``gknlp extract``'s start-up.
jieba stays as the reference and the fallback. Both get the domain dictionary
(``data/themes/userdict.txt``) on every load; jieba's cache goes to a private directory.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import logging
import os
import sys
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from gknlp.data import data_path

__all__ = ["USERDICT", "segmenter", "engine_name", "userdict_hash", "user_cache_dir"]

USERDICT = data_path("themes", "userdict.txt")
_lock = threading.Lock()


def user_cache_dir() -> Path:
    """``$GKNLP_CACHE_DIR``, else ``$XDG_CACHE_HOME/gknlp`` (``~/.cache/gknlp``); created."""
    base = os.environ.get("GKNLP_CACHE_DIR")
    if base:
        d = Path(base)
    else:
        d = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gknlp"
    d.mkdir(parents=True, exist_ok=True)
    return d


def userdict_hash() -> str | None:
    return hashlib.sha256(USERDICT.read_bytes()).hexdigest() if USERDICT.is_file() else None


def _userdict_entries() -> list[tuple[str, int | None, str | None]]:
    """``word [freq] [tag]`` lines, as jieba's ``load_userdict`` reads them."""
    if not USERDICT.is_file():
        return []
    out = []
    for line in USERDICT.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts:
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[-1] if len(parts) > 1 and not parts[-1].isdigit() else None
        out.append((parts[0], freq, tag))
    return out


def _rjieba_class() -> Any:
    """rjieba's ``Jieba`` class, from its compiled module alone where it can be found.

    Why: importing the ``rjieba`` package builds a default tokenizer (the whole dictionary,
    about 0.09 s of CPU) that gknlp never uses, before :func:`_rjieba_cut` builds its own. The
    compiled module is registered under its own name, so a later ``import rjieba`` by anyone
    reuses it (a PyO3 module is initialised once per process)."""
    name = "rjieba.rjieba"
    loaded = sys.modules.get(name) or sys.modules.get("rjieba")
    if loaded is not None:
        return loaded.Jieba
    spec = importlib.util.find_spec("rjieba")
    folder = Path(spec.submodule_search_locations[0]) if spec and spec.submodule_search_locations else None
    found = [folder / f"rjieba{suffix}" for suffix in importlib.machinery.EXTENSION_SUFFIXES] if folder else []
    path = next((f for f in found if f.is_file()), None)
    if path is None:   # another layout: the package as it is
        import rjieba

        return rjieba.Jieba
    loader = importlib.machinery.ExtensionFileLoader(name, str(path))
    module_spec = importlib.util.spec_from_loader(name, loader)
    assert module_spec is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module.Jieba


def _rjieba_cut() -> Callable[[str], list[str]]:
    tk = _rjieba_class()()
    for word, freq, tag in _userdict_entries():
        tk.add_word(word, freq, tag)
    return lambda text: tk.cut(text, False)


def _jieba_cut() -> Callable[[str], list[str]]:
    import jieba

    jieba.setLogLevel(logging.WARNING)  # jieba logs dictionary loading to stderr at INFO
    tk = jieba.Tokenizer()
    tk.tmp_dir = str(user_cache_dir())
    tk.cache_file = "jieba.cache"
    tk.initialize()
    if USERDICT.is_file():
        with USERDICT.open("rb") as fh:  # a path would be left open by jieba
            tk.load_userdict(fh)
    return lambda text: list(tk.cut(text, HMM=False))


_ENGINES = {"rjieba": _rjieba_cut, "jieba": _jieba_cut}


def engine_name() -> str:
    """``$GKNLP_SEGMENTER`` when set, else rjieba when importable, else jieba."""
    chosen = os.environ.get("GKNLP_SEGMENTER")
    if chosen:
        if chosen not in _ENGINES:
            raise ValueError(f"GKNLP_SEGMENTER={chosen!r}: expected one of {sorted(_ENGINES)}")
        return chosen
    return "rjieba" if importlib.util.find_spec("rjieba") is not None else "jieba"


@cache
def segmenter(engine: str | None = None) -> Callable[[str], list[str]]:
    """A function cutting text into words (dictionary only, no HMM), loaded once per engine."""
    with _lock:
        return _ENGINES[engine or engine_name()]()
