"""A scanned report page: the first page of a report drawn as an image and saved as a PDF.

A township that prints its report and scans it sends a PDF of page images with no text layer.
``scanned_page_pdf`` lays the report out as ``render.render_pdf`` does (GB/T 9704 body: 28
characters on a line, 22 lines a page, two-character first-line indent, justified lines, a
"— 1 —" page number), draws it with Pillow in Noto Sans CJK SC (shipped in the mplfonts
wheel) at 144 dpi, and saves the image as a one-page PDF. It also returns the text it drew, so
that ``render.render_pdf(drawn_text, meta)`` gives the same page with a text layer: its twin.

reportlab's STSong-Light cannot be used for this: it is not embedded, and PDFium draws it blank
on a machine without CJK fonts.
"""

from __future__ import annotations

import io
from pathlib import Path

from pipeline.samples.render import (
    BODY_SIZE,
    BODY_TOP,
    FONT,
    FOOTER_Y,
    HEADER_Y,
    LEFT,
    LINE_HEIGHT,
    MAX_CHAR_SPACE,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    TEXT_WIDTH,
    TITLE_SIZE,
    RenderMeta,
    text_to_blocks,
    wrap_line,
)

DPI = 144
FONT_FILE = "NotoSansCJKsc-Regular.otf"
BODY_LINES = 22


def noto_font_path() -> Path:
    """Return the path of Noto Sans CJK SC inside the installed mplfonts package."""
    import mplfonts

    path = Path(mplfonts.__file__).resolve().parent / "fonts" / FONT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{FONT_FILE} not found in the mplfonts package at {path.parent}")
    return path


class _Page:
    """One A4 page image; positions are in PDF points from the top-left corner."""

    def __init__(self):
        from PIL import Image, ImageDraw

        self.scale = DPI / 72
        size = (round(PAGE_WIDTH * self.scale), round(PAGE_HEIGHT * self.scale))
        self.image = Image.new("L", size, 255)
        self.draw = ImageDraw.Draw(self.image)
        self.fonts: dict[float, object] = {}

    def font(self, size_pt: float):
        from PIL import ImageFont

        if size_pt not in self.fonts:
            self.fonts[size_pt] = ImageFont.truetype(
                str(noto_font_path()), round(size_pt * self.scale)
            )
        return self.fonts[size_pt]

    def width(self, text: str, size_pt: float) -> float:
        return self.font(size_pt).getlength(text) / self.scale

    def line(
        self, text: str, x: float, top: float, size_pt: float, justify_to: float | None = None
    ):
        """Draw ``text`` from ``x`` at ``top``; stretch it to end at ``justify_to`` when given."""
        space = 0.0
        if justify_to is not None and len(text) > 1:
            space = (justify_to - x - self.width(text, size_pt)) / (len(text) - 1)
            space = space if abs(space) <= MAX_CHAR_SPACE * size_pt else 0.0
        font = self.font(size_pt)
        for ch in text:
            self.draw.text((x * self.scale, top * self.scale), ch, font=font, fill=0)
            x += self.width(ch, size_pt) + space

    def pdf_bytes(self) -> bytes:
        out = io.BytesIO()
        self.image.convert("RGB").save(out, format="PDF", resolution=DPI)
        return out.getvalue()


def _block_lines(block, page: _Page) -> list[tuple[str, float, float, float | None]]:
    """Given a block, return its lines as (text, x, size, justify_to) like render_pdf."""
    if block.kind == "table":
        return [("  ".join(row), LEFT, BODY_SIZE, None) for row in block.rows]
    if block.kind in ("title", "signoff"):
        size = TITLE_SIZE if block.kind == "title" and "报告" in block.text else BODY_SIZE
        out = []
        for text in wrap_line(block.text, TEXT_WIDTH, size):
            w = page.width(text, size)
            x = (
                LEFT + (TEXT_WIDTH - w) / 2
                if block.kind == "title"
                else LEFT + TEXT_WIDTH - 2 * size - w
            )
            out.append((text, x, size, None))
        return out
    indent = 0 if block.kind == "salutation" else 2 * BODY_SIZE
    lines = wrap_line(block.text, TEXT_WIDTH, BODY_SIZE, indent)
    return [
        (
            text,
            LEFT + (indent if i == 0 else 0),
            BODY_SIZE,
            None if i == len(lines) - 1 else LEFT + TEXT_WIDTH,
        )
        for i, text in enumerate(lines)
    ]


def scanned_page_pdf(
    text: str, meta: RenderMeta, page_number: int = 1, lines: int = BODY_LINES
) -> tuple[bytes, str]:
    """Given a report text, return (a one-page scanned PDF of its start, the text drawn).

    The page has the running header and the page number render_pdf prints. Whole blocks are
    drawn while ``lines`` body lines fit (tables are left out: they are drawn as grids in the
    text-layer PDF); the drawn text, rendered by render_pdf, is the twin. To scan a page from
    the middle of a report, pass the text from that page on and its ``page_number``.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():  # wrap_line measures in it
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    page = _Page()
    top = PAGE_HEIGHT - BODY_TOP
    used = 0
    drawn: list[str] = []
    for block in text_to_blocks(text):
        if block.kind == "table":
            continue
        block_lines = _block_lines(block, page)
        if used + len(block_lines) > lines:
            break
        for line_text, x, size, justify_to in block_lines:
            page.line(line_text, x, top, size, justify_to)
            step = LINE_HEIGHT if size <= BODY_SIZE else size * 1.6
            top += step
            used += 1
        drawn.append(block.text)
    header_top = PAGE_HEIGHT - HEADER_Y - 10.5
    page.line(meta.header, (PAGE_WIDTH - page.width(meta.header, 10.5)) / 2, header_top, 10.5)
    rule = (PAGE_HEIGHT - HEADER_Y + 6) * page.scale
    page.draw.line(
        [(LEFT * page.scale, rule), ((LEFT + TEXT_WIDTH) * page.scale, rule)], fill=0, width=1
    )
    number = f"— {page_number} —"
    page.line(number, (PAGE_WIDTH - page.width(number, 14)) / 2, PAGE_HEIGHT - FOOTER_Y - 14, 14)
    return page.pdf_bytes(), "\n\n".join(drawn) + "\n"
