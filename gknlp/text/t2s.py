"""Which texts OpenCC's ``t2s`` may change: an exact test that lets simplified text skip it.

Why: the pipeline has already converted traditional reports, so nearly every paragraph the
theme model sees comes back from OpenCC unchanged, and the call is most of
:func:`gknlp.themes.features.normalize_text`. OpenCC replaces each dictionary match by the
entry's first value and passes every other character through, so a text holding no
character of a changing entry's key (:func:`changing_characters`) is returned as it is.
The characters are data (``data/themes/t2s_changes.txt``), built from the dictionaries of
the installed OpenCC with ``python -m gknlp.text.t2s``; tests/themes/test_features.py
rebuilds them and checks the test against OpenCC itself. Another OpenCC version may have
other dictionaries, so when the installed one is not the one the file names, the test is
not trusted: a warning is given once and every text goes to OpenCC (slower, still exact).
The file's second line says when every entry's value is as long as its key (:func:`keeps_length`):
OpenCC then changes at most the flagged characters of a text, in place, which bounds how much of a
text it can change without running it (gknlp.text.normalize.detect_script).
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from gknlp.data import data_path

__all__ = ["T2S_CHANGES", "t2s", "may_change", "changing_characters", "opencc_t2s_entries", "build",
           "built_with", "installed_opencc_version", "keeps_length", "flagged"]

T2S_CHANGES = data_path("themes", "t2s_changes.txt")

#: Also sent to OpenCC: lone surrogates (it raises on them, its input being UTF-8) and every
#: character beyond the BMP, so that the class stays a bitmap (a class holding some of those
#: is a list scanned per character, two hundred times slower).
_ALWAYS = "\ud800-\udfff\U00010000-\U0010ffff"


def changing_characters(entries: Iterable[tuple[str, str]]) -> set[str]:
    """One or more characters of every ``(key, first value)`` entry that changes its text.

    A key can only match where all its characters are, so any one of them flags the entry;
    for equal lengths the characters that differ, else all of the key's.
    """
    out: set[str] = set()
    for key, value in entries:
        if key == value:
            continue
        if len(key) == len(value):
            out.update(k for k, v in zip(key, value) if k != v)
        else:
            out.update(key)
    return out


_HEADER = re.compile(r"^# Characters of OpenCC (\S+) t2s")
_KEEPS_LENGTH = "# Every entry's value is as long as its key."
"""The characters file's second line when it is so: t2s then changes no character's place."""


def built_with() -> str | None:
    """The OpenCC version the characters file was built from (its first line names it)."""
    with T2S_CHANGES.open(encoding="utf-8") as fh:
        m = _HEADER.match(fh.readline())
    return m.group(1) if m else None


def installed_opencc_version() -> str | None:
    """The installed OpenCC's version: its compiled library's ``__version__`` (importing it costs
    about 5 ms of CPU, where ``importlib.metadata`` and the email parser it imports cost about 30,
    a tenth of a batch's start-up), else its package metadata."""
    try:
        import opencc

        version = getattr(opencc, "__version__", None)
    except Exception:   # (any failure to load it: fall back to the metadata, as before)
        version = None
    if isinstance(version, str):
        return version
    import importlib.metadata  # here: it imports zipfile, email and csv, unneeded otherwise

    try:
        return importlib.metadata.version("opencc")
    except importlib.metadata.PackageNotFoundError:
        return None


@cache
def _pattern() -> re.Pattern[str]:
    """A character class of the characters file; when the file was built from another OpenCC
    than the installed one, the empty pattern, which finds a match in every text."""
    built, installed = built_with(), installed_opencc_version()
    if built != installed:
        warnings.warn(f"{T2S_CHANGES.name} was built from OpenCC {built}, but OpenCC {installed} is installed: "
                      "every text goes through OpenCC t2s (correct, slower); rebuild the file with "
                      "`python -m gknlp.text.t2s`", RuntimeWarning, stacklevel=3)
        return re.compile("")
    lines = T2S_CHANGES.read_text(encoding="utf-8").splitlines()
    chars = "".join(ch for line in lines if not line.startswith("#") for ch in line
                    if ord(ch) < 0x10000)
    return re.compile("[" + re.escape(chars) + _ALWAYS + "]")


@cache
def keeps_length() -> bool:
    """Whether OpenCC ``t2s`` keeps every character's place, replacing each character it changes
    by one (the file's dictionaries have no entry of another length, and the file is trusted):
    then only flagged characters (:func:`flagged`) can differ in its output."""
    if _pattern().pattern == "":
        return False
    with T2S_CHANGES.open(encoding="utf-8") as fh:
        fh.readline()
        return fh.readline().rstrip("\n") == _KEEPS_LENGTH


@cache
def t2s() -> Any:
    """The one OpenCC traditional-to-simplified converter of the process (loaded once)."""
    import opencc

    try:
        return opencc.OpenCC("t2s")
    except Exception:  # older builds want the file name
        return opencc.OpenCC("t2s.json")


def may_change(text: str) -> bool:
    """False when OpenCC ``t2s`` certainly returns ``text`` unchanged (always True when the
    characters file is not from the installed OpenCC)."""
    return _pattern().search(text) is not None


def flagged(text: str) -> Iterator[re.Match[str]]:
    """The characters of ``text`` OpenCC ``t2s`` might change, in order (with :func:`keeps_length`,
    at most these differ in its output; the first is :func:`may_change`'s answer)."""
    return _pattern().finditer(text)


# ------------------------------------------------------------------ build (not at run time)


def _config_dicts(node: object) -> Iterator[str]:
    """The ``.ocd2`` file names an OpenCC config (or part of one) reads."""
    if isinstance(node, dict):
        if node.get("type") == "ocd2":
            yield node["file"]
        for value in node.values():
            yield from _config_dicts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _config_dicts(value)


def opencc_t2s_entries() -> Iterator[tuple[str, str]]:
    """``(key, first value)`` of every dictionary the installed OpenCC's ``t2s`` uses
    (normalisation and conversion), dumped to text by the ``opencc_dict`` tool it ships."""
    import subprocess
    import tempfile

    import opencc

    share = Path(opencc.__file__).parent / "clib" / "share" / "opencc"
    tool = Path(opencc.__file__).parent / "clib" / "bin" / "opencc_dict"
    config = json.loads((share / "t2s.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        for name in dict.fromkeys(_config_dicts(config)):
            out = Path(tmp) / (name + ".txt")
            subprocess.run([str(tool), "-i", str(share / name), "-o", str(out),
                            "-f", "ocd2", "-t", "text"], check=True, capture_output=True)
            for line in out.read_text(encoding="utf-8").splitlines():
                key, _, values = line.partition("\t")
                yield key, values.split(" ")[0]


def build() -> str:
    """The text of ``data/themes/t2s_changes.txt`` for the installed OpenCC."""
    import opencc

    entries = list(opencc_t2s_entries())
    chars = "".join(sorted(changing_characters(entries)))
    lines = [chars[i:i + 64] for i in range(0, len(chars), 64)]
    header = (f"# Characters of OpenCC {opencc.__version__} t2s dictionary keys whose entries "
              "change text; built by `python -m gknlp.text.t2s`.")
    same_length = all(len(key) == len(value) for key, value in entries)
    return "\n".join([header, *([_KEEPS_LENGTH] if same_length else []), *lines]) + "\n"


if __name__ == "__main__":
    T2S_CHANGES.write_text(build(), encoding="utf-8")
