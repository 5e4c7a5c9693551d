"""OCR for PDF pages without a usable text layer (scanned printouts), with rapidocr.

Optional: needs the ``ocr`` extra (rapidocr-onnxruntime, whose wheel ships the PP-OCR models;
nothing is downloaded at run time). The angle classifier is off (``use_cls=False``): on upright
pages it silently drops whole lines. Pages are rendered at 144 dpi, where a test page reads at
99.9 % of characters in 1.3-3 s; a page larger than A3 is rendered smaller so that its bitmap
stays under MAX_RENDER_PIXELS (a hostile 200 x 200 inch page would need 3 GB).

Each line keeps its box, so the PDF reader can tell full lines from the last line of a
paragraph and indented first lines, as it does for a text layer.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

RENDER_SCALE = 2.0  # 72 dpi * 2 = 144 dpi
MAX_RENDER_PIXELS = 12_000_000  # A3 at 144 dpi is 4.0 million
ENABLE_HINT = "install the OCR extra: pip install '.[ocr]' (make installs it into .venv)"
# OCR reads the dashes of "— 3 —" as 一 or -: give the page number its printed form back.
_PAGE_NUMBER_RE = re.compile(r"^[一\-—–－~]{1,2}\s*(\d{1,4})\s*[一\-—–－~]{1,2}$")


@dataclass(frozen=True)
class OcrPage:
    lines: tuple[str, ...]  # text lines, top to bottom
    confidence: float  # mean recognition score of the lines, 0-1 (0 when nothing was read)
    # One box per line: (left, top, right, bottom) from the top-left corner, in pixels of the
    # image for ocr_image and in PDF points for ocr_pdf_page.
    boxes: tuple[tuple[float, float, float, float], ...] = ()


def available() -> bool:
    """Return whether the OCR engine can be imported."""
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


@functools.lru_cache(maxsize=1)
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def ocr_image(image) -> OcrPage:
    """Given a page image (numpy RGB array), return its text lines, boxes and confidence."""
    result, _elapsed = _engine()(image, use_cls=False)
    if not result:
        return OcrPage((), 0.0)
    boxes = [_Box.from_points(points, text, float(score)) for points, text, score in result]
    lines = boxes_to_lines(boxes)
    return OcrPage(
        lines=tuple(_page_number(line.text) for line in lines),
        confidence=sum(b.score for b in boxes) / len(boxes),
        boxes=tuple((line.left, line.top, line.right, line.bottom) for line in lines),
    )


def render_scale(width_pt: float, height_pt: float) -> float:
    """Given a page size in points, return the render scale: 144 dpi unless that is too big."""
    fit = math.sqrt(MAX_RENDER_PIXELS / max(width_pt * height_pt * RENDER_SCALE**2, 1.0))
    return RENDER_SCALE * min(1.0, fit)


def ocr_pdf_page(page) -> OcrPage:
    """Given a pypdfium2 page, render it at 144 dpi and return its OCR text, boxes in points."""
    import numpy as np

    scale = render_scale(*page.get_size())
    bitmap = page.render(scale=scale, grayscale=False)
    image = np.asarray(bitmap.to_pil().convert("RGB"))
    result = ocr_image(image)
    boxes = tuple(tuple(v / scale for v in box) for box in result.boxes)
    return OcrPage(result.lines, result.confidence, boxes)


@dataclass(frozen=True)
class _Box:
    """A box the engine read: its edges in pixels, text and score."""

    left: float
    top: float
    right: float
    bottom: float
    text: str
    score: float = 1.0

    @classmethod
    def from_points(cls, points, text: str, score: float) -> _Box:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        return cls(min(xs), min(ys), max(xs), max(ys), text, score)

    @property
    def height(self) -> float:
        return self.bottom - self.top


def boxes_to_lines(boxes: list[_Box]) -> list[_Box]:
    """Given the boxes read, return one box per text line, top to bottom.

    Boxes whose tops are within half a line height of each other are one line, left to right.
    """
    lines: list[list[_Box]] = []
    for box in sorted(boxes, key=lambda b: (b.top, b.left)):
        if lines and abs(box.top - lines[-1][0].top) < 0.5 * max(box.height, lines[-1][0].height):
            lines[-1].append(box)
        else:
            lines.append([box])
    return [_joined(sorted(line, key=lambda b: b.left)) for line in lines]


def _joined(line: list[_Box]) -> _Box:
    return _Box(
        min(b.left for b in line),
        min(b.top for b in line),
        max(b.right for b in line),
        max(b.bottom for b in line),
        "".join(b.text for b in line),
    )


def _page_number(line: str) -> str:
    m = _PAGE_NUMBER_RE.match(line.strip())
    return f"— {m.group(1)} —" if m else line
