"""Chinese text in charts, on any machine: a system CJK font when there is one, else the Noto
Sans CJK SC font that the mplfonts wheel ships, registered with matplotlib by file.

``mplfonts init`` is never used: it rewrites matplotlib's configuration and leaves charts in
tofu. Charts use the Agg backend and fixed rcParams, so the same data gives the same PNG bytes.
"""

from __future__ import annotations

import functools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager

# System fonts that cover simplified Chinese, best first (Debian's fonts-noto-cjk, fonts-wqy-*).
SYSTEM_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
)
BUNDLED_FONT_FILE = "NotoSansCJKsc-Regular.otf"

# rcParams that make two runs draw the same pixels and write the same bytes.
FIXED_RC = {
    "axes.unicode_minus": False,  # the CJK font has no U+2212 minus sign
    "svg.hashsalt": "township-report",
    "path.simplify": True,
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.labelsize": 10,
    "image.interpolation": "nearest",
}


class FontError(RuntimeError):
    """No font with Chinese glyphs could be found or registered."""


def bundled_font_path() -> Path | None:
    """Return the path of the Noto Sans CJK SC file inside the mplfonts package, if installed."""
    try:
        import mplfonts
    except ImportError:
        return None
    path = Path(mplfonts.__file__).resolve().parent / "fonts" / BUNDLED_FONT_FILE
    return path if path.is_file() else None


@functools.lru_cache(maxsize=1)
def cjk_family() -> str:
    """Return the family name of a CJK font matplotlib can use, registering the bundled one if
    no system font is found; raise FontError when neither exists."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in SYSTEM_CJK_FAMILIES:
        if family in installed:
            return family
    path = bundled_font_path()
    if path is None:
        raise FontError(
            "no Chinese font: install the mplfonts package (pip) or a system CJK font "
            "(apt-get install fonts-noto-cjk)"
        )
    return register_font(path)


def register_font(path: str | Path) -> str:
    """Given a font file, register it with matplotlib and return its family name."""
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def chart_style() -> dict:
    """Return the rcParams every chart is drawn with (use with matplotlib.rc_context)."""
    return {
        **FIXED_RC,
        "font.family": "sans-serif",
        "font.sans-serif": [cjk_family(), "DejaVu Sans"],
    }
