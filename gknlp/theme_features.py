"""Import shim: the shipped theme model (models/themes-v1/model.skops) names its analyzers
by this module path. New code imports :mod:`gknlp.themes.features`."""

from gknlp.themes.features import jieba_words, theme_cues

__all__ = ["jieba_words", "theme_cues"]
