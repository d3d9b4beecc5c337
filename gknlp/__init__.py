"""gknlp: Chinese government information disclosure annual reports → clean, tagged, validated data.

Importing gknlp loads no model, no dictionary and no spaCy: heavy parts load lazily.
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"
__all__ = ["extract", "extract_text", "tag", "Report", "__version__"]

logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name: str):
    if name in ("extract", "extract_text"):
        from gknlp import pipeline as _pipeline

        return getattr(_pipeline, name)
    if name == "Report":
        from gknlp.types import Report

        return Report
    if name == "tag":
        from gknlp.pipeline import tag

        return tag
    raise AttributeError(f"module 'gknlp' has no attribute {name!r}")
