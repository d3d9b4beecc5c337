"""Chinese plot labels render with a real CJK font (no tofu boxes, no missing-glyph warnings)."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

from gknlp import plotting

# Theme, level and outcome names the notebook puts on its axes and legends, plus full-width punctuation.
CHINESE = "平台建设 政策解读 考核/评估/督查/监督/问责 重点领域信息公开 省级 市级 县级 乡镇 部门 予以公开（件）：−1"


def test_chinese_labels_render_without_missing_glyphs() -> None:
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    pytest.importorskip(plotting._FONT_MODULE, reason=f"{plotting.FONT_PACKAGE} is not installed")
    from matplotlib import font_manager, rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with rc_context():  # leave the other tests' rcParams as they were
        family = plotting.use_chinese_font()
        assert family == plotting.FONT_FAMILY
        assert plotting.use_chinese_font() == family  # twice is harmless
        path = plotting.cjk_font_path()
        assert sum(e.fname == str(path) for e in font_manager.fontManager.ttflist) == 1
        # The family the default text properties resolve to is the bundled CJK font file.
        assert font_manager.findfont(font_manager.FontProperties()) == str(path)

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig = Figure(figsize=(4, 3))
            canvas = FigureCanvasAgg(fig)
            ax = fig.add_subplot()
            ax.bar(["省级", "县级"], [3, -1], label="予以公开")
            ax.set_title(CHINESE, fontsize=6)
            ax.set_ylabel("段落占比")
            ax.legend()
            canvas.draw()
        missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
        assert not missing, missing
        assert ax.title.get_fontname() == family
        # Real glyphs, not one box drawn for every character: two characters give two pictures.
        assert _picture("政") != _picture("府")
        assert _picture("政") != _picture("")


def _picture(text: str, family: str | None = None) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1, 1), dpi=50)
    canvas = FigureCanvasAgg(fig)
    fig.text(0.1, 0.1, text, fontsize=30, **({"family": family} if family else {}))
    canvas.draw()
    return bytes(canvas.buffer_rgba())


def test_the_missing_glyph_check_does_catch_tofu() -> None:
    """Without the CJK font (DejaVu Sans only) matplotlib warns and draws identical boxes."""
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    from matplotlib import rc_context

    with rc_context({"font.family": "DejaVu Sans"}), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        boxes = _picture("政", "DejaVu Sans"), _picture("府", "DejaVu Sans")
    assert any("missing from font" in str(w.message) for w in caught)
    assert boxes[0] == boxes[1]


def test_without_the_font_package_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, plotting._FONT_MODULE, None)  # import now raises ImportError
    with pytest.raises(plotting.CJKFontMissingError, match=plotting.FONT_PACKAGE):
        plotting.use_chinese_font()


def test_importing_gknlp_plotting_does_not_import_matplotlib() -> None:
    code = "import sys, gknlp, gknlp.plotting; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
