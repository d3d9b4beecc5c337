"""The theme codebook: labels, Chinese names and descriptions, read from JSON.

Why a module of its own: the codebook is data that annotators, the trainer and the
notebook all read; researchers swap in their own without touching the model code.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gknlp.data import MODELS_DIR, SHIPPED_THEMES_MODEL

__all__ = ["Theme", "Codebook", "load_codebook", "CODEBOOK_FILE"]

_REPO = MODELS_DIR.parent  # the source tree (models/ beside gknlp/)
CODEBOOK_FILE = "codebook.json"



@dataclass(frozen=True)
class Theme:
    label: str
    name_zh: str = ""
    description: str = ""


@dataclass(frozen=True)
class Codebook:
    themes: tuple[Theme, ...]
    version: str = ""

    @property
    def labels(self) -> list[str]:
        return [t.label for t in self.themes]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "themes": [
                {"label": t.label, "name_zh": t.name_zh, "description": t.description}
                for t in self.themes
            ],
        }


def _default_codebook() -> Path:
    """The repository's ``annotations/`` in a source tree, else the shipped model's copy."""
    in_tree = _REPO / "annotations" / CODEBOOK_FILE
    return in_tree if in_tree.is_file() else SHIPPED_THEMES_MODEL / CODEBOOK_FILE


def load_codebook(path: str | os.PathLike | Mapping | None = None) -> Codebook:
    """Read a codebook: ``{"version", "themes": [{"label", "name_zh", "description"}, ...]}``.

    ``path`` may be a file, a directory holding ``codebook.json``, or an already-parsed mapping.
    Also accepted: a bare list of themes, ``labels`` instead of ``themes``, ``name``/``zh``.
    """
    if isinstance(path, Mapping) or isinstance(path, list):
        raw: Any = path
    else:
        p = Path(path) if path is not None else _default_codebook()
        if p.is_dir():
            p = p / CODEBOOK_FILE
        raw = json.loads(p.read_text(encoding="utf-8"))
    items = raw if isinstance(raw, list) else raw.get("themes", raw.get("labels", []))
    version = "" if isinstance(raw, list) else str(raw.get("version", ""))
    themes = []
    for item in items:
        if isinstance(item, str):
            themes.append(Theme(item))
            continue
        label = item.get("label") or item.get("name") or item.get("id")
        if not label:
            raise ValueError(f"codebook entry without a label: {item!r}")
        themes.append(Theme(
            label=str(label),
            name_zh=str(item.get("name_zh") or item.get("zh") or item.get("chinese") or ""),
            description=str(item.get("description", "")),
        ))
    labels = [t.label for t in themes]
    if len(set(labels)) != len(labels) or not labels:
        raise ValueError(f"codebook labels must be unique and non-empty: {labels}")
    return Codebook(tuple(themes), version)
