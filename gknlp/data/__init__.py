"""The data files shipped with gknlp (each listed in SOURCES.md), found one way.

Every module reads its data through these helpers, so a file's place is written once.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

__all__ = ["DATA_DIR", "MODELS_DIR", "SHIPPED_THEMES_MODEL", "data_path", "load_toml", "load_json"]

DATA_DIR = Path(__file__).resolve().parent
#: The shipped models (``models/`` in the source tree, linked as ``gknlp/models``; a copy when installed).
MODELS_DIR = DATA_DIR.parent / "models"
#: The bundled theme model; ``GKNLP_THEMES_MODEL`` overrides it where a model is loaded.
SHIPPED_THEMES_MODEL = MODELS_DIR / "themes-v2"


def data_path(*parts: str) -> Path:
    """The path of a shipped data file, ``data_path("counts", "units.json")``."""
    return DATA_DIR.joinpath(*parts)


def load_toml(*parts: str) -> dict[str, Any]:
    with data_path(*parts).open("rb") as fh:
        return tomllib.load(fh)


def load_json(*parts: str) -> Any:
    with data_path(*parts).open("rb") as fh:
        return json.load(fh)
