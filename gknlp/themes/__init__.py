"""Themes of narrative paragraphs: codebook, labelled paragraphs, features, the model, its scorer.

The public names of :mod:`gknlp.themes.model` are re-exported here.
"""

from gknlp.themes.model import *  # noqa: F403
from gknlp.themes.model import __all__ as __all__
