"""Matplotlib figures with Chinese labels on any machine.

Matplotlib ships only DejaVu fonts, which have no Chinese glyphs, and most servers, containers and
CI machines have no CJK font installed: Chinese labels then come out as empty boxes ("tofu") with a
``Glyph ... missing from font(s)`` warning. :func:`use_chinese_font` fixes that without touching the
system and without any download at run time: the optional dependency ``pylopdf-fonts-zh-cn`` (in the
``notebook`` and ``test`` extras) carries Noto Sans SC, SIL OFL 1.1, inside its wheel. It is one
single-face ``.otf`` file, which every matplotlib from 3.8 on reads correctly (``.ttc``/``.otc``
collections are only handled face by face from matplotlib 3.11 on).

matplotlib is imported inside the function, so ``import gknlp`` stays as fast as before.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FONT_FAMILY", "FONT_PACKAGE", "CJKFontMissingError", "cjk_font_path", "use_chinese_font"]

#: The PyPI distribution that carries the font, and the module it installs.
FONT_PACKAGE = "pylopdf-fonts-zh-cn"
_FONT_MODULE = "pylopdf_fonts_zh_cn"
#: The family name matplotlib reads from that font file.
FONT_FAMILY = "Noto Sans SC"


class CJKFontMissingError(ImportError):
    """The font package is not installed (or its font file is gone)."""


def cjk_font_path() -> Path:
    """Path of the bundled Noto Sans SC file; :class:`CJKFontMissingError` if it is not installed."""
    hint = (f"Chinese plot labels need the font package {FONT_PACKAGE!r}: "
            f"pip install 'gknlp[notebook]' (or pip install {FONT_PACKAGE})")
    try:
        module = __import__(_FONT_MODULE)
    except ImportError as exc:
        raise CJKFontMissingError(hint) from exc
    path = Path(module.sans_path())
    if not path.is_file():
        raise CJKFontMissingError(f"{hint}; the installed package has no font file at {path}")
    return path


def use_chinese_font() -> str:
    """Register Noto Sans SC with matplotlib and make it the first sans-serif family.

    Sets ``font.family`` to sans-serif, puts the font first in ``font.sans-serif`` (the rest stay as
    fallbacks) and ``axes.unicode_minus = False`` (CJK fonts often lack U+2212, the minus sign
    matplotlib draws by default). Safe to call more than once. Returns the font's family name.
    Raises :class:`CJKFontMissingError` when the font package is not installed.
    """
    from matplotlib import font_manager, rcParams

    path = cjk_font_path()
    manager = font_manager.fontManager
    if not any(Path(entry.fname) == path for entry in manager.ttflist):
        manager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    rcParams["font.family"] = "sans-serif"
    rcParams["font.sans-serif"] = [family, *(f for f in rcParams["font.sans-serif"] if f != family)]
    rcParams["axes.unicode_minus"] = False
    return family
