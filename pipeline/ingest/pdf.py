"""PDF reader: the text layer of each page, without page furniture, with broken lines re-joined.

pypdfium2 reads the text (20-30x faster than pdfplumber); the loose boxes of the first and
last character of each line give the geometry the layout repair needs (does the line reach the
right edge of the text column, does it start indented). pdfplumber is the fallback for a file
PDFium cannot parse and for a page whose PDFium text is garbage.

A page without a usable text layer (no text but an image: scanned; or text made of unmapped
glyphs: U+FFFD, private-use characters, "(cid:123)") is listed in ``RawText.unusable_pages``.
OCR is plugged in through the ``ocr`` argument of ``read_pdf`` and runs on those pages only.
"""

from __future__ import annotations

import io
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from pipeline.config import Limits
from pipeline.errors import DocumentError
from pipeline.ingest import layout
from pipeline.ingest.model import RawText
from pipeline.ingest.text import looks_like_text


class OcrResult(Protocol):
    """What an OCR function returns for one page (pipeline.ingest.ocr.OcrPage fits).

    It may also have ``boxes``: one (left, top, right, bottom) per line, in PDF points from the
    page's top-left corner; with them the layout repair works as on a text layer.
    """

    lines: Sequence[str]  # text lines, top to bottom
    confidence: float  # 0-1


# An OCR function: given a pypdfium2 page without a usable text layer, return its text lines
# (``pipeline.ingest.ocr.ocr_pdf_page`` fits). Only those pages are given to it.
PageOcr = Callable[[pdfium.PdfPage], OcrResult]

# Characters a text layer yields for glyphs without a Unicode mapping.
_UNMAPPED_RE = re.compile("[\ufffd\ue000-\uf8ff\x00-\x08\x0b\x0e-\x1f]|\\(cid:\\d+\\)")
MAX_UNMAPPED_SHARE = 0.1  # more unmapped characters than this: the page needs OCR
_LINE_RE = re.compile(r"[^\r\n]+")
_INNER_SPACES_RE = re.compile(r"(?<=\S) +(?=\S)")

FULL_LINE_SLACK_EM = 1.5  # a line ending this close to the column's right edge is full
INDENT_EM = 1.0  # a line starting this far right of the column's left edge is indented
CELL_GAP_EM = 1.5  # a gap this wide between two words on a line separates table cells
EOF_SEARCH_BYTES = 4096  # %%EOF must be within the last bytes of a complete PDF
UNMAPPED_PROBLEM = "text layer without Unicode mapping (CID / U+FFFD / private-use glyphs)"
GARBLED_PROBLEM = "text layer is garbled (wrong character mapping)"
# What PDFium and pdfplumber raise on damaged files (programming errors are not caught).
LIBRARY_ERRORS = (pdfium.PdfiumError, OSError, ValueError, RuntimeError, LookupError, EOFError)
HEADER_SEARCH_BYTES = 1024  # readers accept junk before %PDF- within the first kilobyte
# A page holding an image over this share of its area and fewer visible characters than
# SCANNED_MAX_CHARS is a scan whose only text is a header or page number added around it.
SCANNED_IMAGE_SHARE = 0.5
SCANNED_MAX_CHARS = 50


@dataclass(frozen=True)
class PdfLine:
    """One line of a page with the geometry of its first and last character (PDF points)."""

    text: str
    left: float | None = None
    right: float | None = None
    bottom: float | None = None
    em: float | None = None  # height of the first character's loose box: about the font size


@dataclass
class PageText:
    """The text of one page as read, and whether it can be used."""

    lines: list[PdfLine] = field(default_factory=list)
    problem: str = ""  # why the page is unusable; empty when usable
    dropped: int = 0  # unmapped characters removed from a usable page
    drawn: bool = False  # no text but vector drawing (text drawn as outlines, or decoration)
    ocr_confidence: float | None = None
    unread: bool = False  # PDFium missed text on it (see _has_unread_text): read by pdfplumber

    @property
    def usable(self) -> bool:
        return not self.problem


# --- opening --------------------------------------------------------------------------------


def check_complete(data: bytes) -> None:
    """Given the bytes of a PDF, raise DocumentError when it is empty or truncated."""
    if b"%PDF-" not in data[:HEADER_SEARCH_BYTES]:
        raise DocumentError("not a PDF: no %PDF- header at the start of the file")
    if b"%%EOF" not in data[-EOF_SEARCH_BYTES:]:
        raise DocumentError(
            "truncated or corrupt PDF: no %%EOF marker at the end of the file "
            "(the download or copy was cut short)"
        )


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    """Given the bytes of a PDF, return it opened, or raise DocumentError with the reason."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        code = getattr(e, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise DocumentError(
                "PDF is encrypted with a user password: ask the township for an unprotected copy"
            ) from None
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise DocumentError("PDF is encrypted with an unsupported security handler") from None
        raise DocumentError(f"truncated or corrupt PDF: PDFium cannot parse it ({e})") from None


# --- one page -------------------------------------------------------------------------------


def _box(textpage: pdfium.PdfTextPage, index: int) -> tuple[float, float, float, float]:
    return textpage.get_charbox(index, loose=True)


def _with_cells(textpage: pdfium.PdfTextPage, text: str, start: int, em: float) -> str | None:
    """Given a line of a page at ``start``, return it with wide gaps as TABs (None if none)."""
    found = False

    def replace(m: re.Match[str]) -> str:
        nonlocal found
        before = _box(textpage, start + m.start() - 1)
        after = _box(textpage, start + m.end())
        if after[0] - before[2] >= CELL_GAP_EM * em:
            found = True
            return "\t"
        return m.group()

    celled = _INNER_SPACES_RE.sub(replace, text)
    return celled if found else None


def _tables_from_neighbours(lines: list[PdfLine], celled: list[str | None]) -> list[PdfLine]:
    """Given lines and their TAB-split forms, return lines that are table rows TAB-split.

    A line with wide gaps is a table row only when a neighbouring line has them too: a single
    such line is a spaced-out title ("报  告") or two issuers on one line, not a table.
    """
    result = []
    for i, line in enumerate(lines):
        neighbours = celled[max(0, i - 1) : i] + celled[i + 1 : i + 2]
        if celled[i] is not None and any(n is not None for n in neighbours):
            line = PdfLine(celled[i], line.left, line.right, line.bottom, line.em)
        result.append(line)
    return result


def textpage_to_lines(textpage: pdfium.PdfTextPage, rotated: bool) -> list[PdfLine]:
    """Given a PDFium text page, return its lines with geometry (None where unknown)."""
    text = textpage.get_text_range()
    geometric = not rotated and textpage.count_chars() == len(text)
    lines: list[PdfLine] = []
    celled: list[str | None] = []
    for m in _LINE_RE.finditer(text):
        raw = m.group()
        stripped = raw.strip()
        if not stripped:
            continue
        if not geometric:
            lines.append(PdfLine(stripped))
            celled.append(None)
            continue
        first = m.start() + len(raw) - len(raw.lstrip())
        last = m.start() + len(raw.rstrip()) - 1
        left_box, right_box = _box(textpage, first), _box(textpage, last)
        em = max(left_box[3] - left_box[1], 1.0)
        celled.append(_with_cells(textpage, stripped, first, em) if " " in stripped else None)
        lines.append(PdfLine(stripped, left_box[0], right_box[2], left_box[1], em))
    return _tables_from_neighbours(lines, celled)


def _has_unread_text(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> bool:
    """Given a page and its text page, return True when a text object shows text PDFium cannot
    read. PDFium gives no text for a text object holding a single character of a non-embedded
    CJK font in a UCS-2 CMap (STSong-Light with UniGB-UCS2-H, as iText and ReportLab write):
    the last character of a paragraph wrapped alone onto its line would silently be lost."""
    page_raw, textpage_raw = page.raw, textpage.raw
    count = pdfium_c.FPDFPage_CountObjects(page_raw)
    return _unread_in(
        textpage_raw, [pdfium_c.FPDFPage_GetObject(page_raw, i) for i in range(count)]
    )


def _unread_in(textpage_raw, objects, depth: int = 0) -> bool:
    # raw calls, not page.get_objects(): this runs on every page, and the wrappers cost more
    # than the check itself
    for obj in objects:
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
            # the length in bytes of the object's text with its UTF-16 terminator: 2 means none
            if pdfium_c.FPDFTextObj_GetText(obj, textpage_raw, None, 0) <= 2:
                return True
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < 3:
            inner = [
                pdfium_c.FPDFFormObj_GetObject(obj, i)
                for i in range(pdfium_c.FPDFFormObj_CountObjects(obj))
            ]
            if _unread_in(textpage_raw, inner, depth + 1):
                return True
    return False


def _visible_chars(lines: Sequence[PdfLine]) -> int:
    """Given lines, return how many characters they show (whitespace aside)."""
    return sum(len(re.sub(r"\s", "", line.text)) for line in lines)


def _has_images(page: pdfium.PdfPage) -> bool:
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3))


def _has_objects(page: pdfium.PdfPage) -> bool:
    return any(True for _ in page.get_objects(max_depth=1))


def image_share(page: pdfium.PdfPage) -> float:
    """Given a page, return the largest share of its area one image covers."""
    width, height = page.get_size()
    best = 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        best = max(best, (right - left) * (top - bottom) / max(width * height, 1.0))
    return best


def check_text_layer(lines: list[PdfLine]) -> tuple[list[PdfLine], str, int]:
    """Given the lines of a page, return (lines, problem, dropped) after the garbage check.

    A page mostly made of unmapped glyphs or of mojibake gets a problem; a few unmapped
    characters on a readable page are dropped and counted.
    """
    text = "\n".join(line.text for line in lines)
    visible = _visible_chars(lines)
    unmapped = _UNMAPPED_RE.findall(text)
    if visible and sum(map(len, unmapped)) > MAX_UNMAPPED_SHARE * visible:
        return lines, UNMAPPED_PROBLEM, 0
    if unmapped:
        lines = [_without_unmapped(line) for line in lines]
        text = _UNMAPPED_RE.sub("", text)
    if not looks_like_text(text):
        return lines, GARBLED_PROBLEM, 0
    return lines, "", len(unmapped)


def _without_unmapped(line: PdfLine) -> PdfLine:
    return PdfLine(_UNMAPPED_RE.sub("", line.text), line.left, line.right, line.bottom, line.em)


def read_page(pdf: pdfium.PdfDocument, index: int) -> PageText:
    """Given an open PDF and a 0-based page index, return the page's text and usability."""
    page = pdf[index]
    try:
        textpage = page.get_textpage()
        try:
            lines = textpage_to_lines(textpage, rotated=page.get_rotation() % 360 != 0)
            unread = _has_unread_text(page, textpage)
        finally:
            textpage.close()
        if not lines:
            if _has_images(page):
                return PageText(problem="no text layer (scanned image)")
            return PageText(drawn=_has_objects(page))
        if _visible_chars(lines) < SCANNED_MAX_CHARS and image_share(page) >= SCANNED_IMAGE_SHARE:
            return PageText(
                lines=lines, problem="scanned image (the text layer holds only a few characters)"
            )
        lines, problem, dropped = check_text_layer(lines)
        return PageText(lines=lines, problem=problem, dropped=dropped, unread=unread)
    finally:
        page.close()


# --- fallbacks ------------------------------------------------------------------------------


def _pdfplumber_pages(data: bytes, indexes: Sequence[int] | None) -> dict[int, PageText]:
    """Given PDF bytes, return pdfplumber's text of the given pages (all when None)."""
    import pdfplumber  # lazy: only a damaged file or page gets here

    result = {}
    with pdfplumber.open(io.BytesIO(data)) as pl:
        wanted = range(len(pl.pages)) if indexes is None else indexes
        for i in wanted:
            lines, problem, dropped = check_text_layer(_pdfplumber_lines(pl.pages[i]))
            if not lines:
                problem = "no text layer"
            result[i] = PageText(lines=lines, problem=problem, dropped=dropped)
    return result


def _pdfplumber_lines(page) -> list[PdfLine]:
    """Given a pdfplumber page, return its lines, with geometry (PDF points, origin at the
    bottom left, as PDFium gives it) when the page is not rotated."""
    rotated = (page.rotation or 0) % 360 != 0
    lines = []
    for line in page.extract_text_lines(return_chars=True, strip=True):
        text = line["text"].strip()
        if not text:
            continue
        chars = line["chars"]
        if rotated or not chars:
            lines.append(PdfLine(text))
            continue
        first, last = chars[0], chars[-1]
        em = max(first["bottom"] - first["top"], 1.0)
        lines.append(PdfLine(text, first["x0"], last["x1"], page.height - first["bottom"], em))
    return lines


def retry_garbled(data: bytes, pages: list[PageText]) -> list[PageText]:
    """Given the pages read by PDFium, return them with garbled pages, and pages where PDFium
    missed text, re-read by pdfplumber."""
    again = [
        i
        for i, p in enumerate(pages)
        if p.unread or p.problem in (UNMAPPED_PROBLEM, GARBLED_PROBLEM)
    ]
    if not again:
        return pages
    try:
        retried = _pdfplumber_pages(data, again)
    except Exception:  # pdfplumber failing here changes nothing: the page stays unusable
        return pages
    return [
        retried[i] if i in retried and _reads_more(retried[i], p) else p
        for i, p in enumerate(pages)
    ]


def _reads_more(retried: PageText, page: PageText) -> bool:
    """Given a page re-read by pdfplumber and as PDFium read it, return True when the re-read
    is the better text: usable, and for a usable page, holding at least as many characters."""
    if not retried.usable:
        return False
    if not page.usable:
        return True
    return _visible_chars(retried.lines) >= _visible_chars(page.lines)


# OCR boxes of one body size differ in height by up to 15 %; within this share of the page's
# median they are one size, so that the layout repair does not split paragraphs at them.
OCR_SIZE_TOLERANCE = 0.25


def ocr_to_lines(result: OcrResult, page_height: float) -> list[PdfLine]:
    """Given an OCR result and the page height, return its lines, with geometry when boxed."""
    texts = [s.strip() for s in result.lines]
    boxes = list(getattr(result, "boxes", ()) or ())
    if len(boxes) != len(texts):
        return [PdfLine(s) for s in texts if s]
    heights = [bottom - top for _left, top, _right, bottom in boxes]
    body = statistics.median(heights) if heights else 0.0
    lines = []
    for text, (left, _top, right, bottom), height in zip(texts, boxes, heights, strict=True):
        if text:
            em = body if abs(height - body) <= OCR_SIZE_TOLERANCE * body else height
            lines.append(PdfLine(text, left, right, page_height - bottom, max(em, 1.0)))
    return lines


def ocr_unusable(pdf: pdfium.PdfDocument, pages: list[PageText], ocr: PageOcr) -> list[str]:
    """Given the pages and an OCR function, fill the unusable pages in place; return warnings,
    one of them naming every page read by OCR with its confidence."""
    warnings, read = [], []
    for i, p in enumerate(pages):
        if p.usable:
            continue
        page = pdf[i]
        try:
            result = ocr(page)
            lines = ocr_to_lines(result, page.get_height())
        except Exception as e:  # an OCR failure leaves the page unusable, never the whole file
            warnings.append(f"page {i + 1}: OCR failed ({type(e).__name__}: {e})")
            continue
        finally:
            page.close()
        if not lines:  # blank, or nothing OCR can read: the page stays unusable
            p.problem = f"{p.problem}; OCR found no text"
            continue
        pages[i] = PageText(lines=lines, ocr_confidence=float(result.confidence))
        read.append(f"page {i + 1} ({float(result.confidence):.2f})")
    if read:
        warnings.append("read by OCR, confidence per page: " + ", ".join(read))
    return warnings


# --- layout ---------------------------------------------------------------------------------


def _edge_order(lines: Sequence[PdfLine]) -> list[int]:
    """Given the lines of a page, return their indexes from the top of the page down."""
    if any(line.bottom is None for line in lines):
        return list(range(len(lines)))
    return sorted(range(len(lines)), key=lambda i: -lines[i].bottom)


def drop_furniture(pages: Sequence[PageText]) -> list[list[PdfLine]]:
    """Given the pages, return each page's lines without running headers, footers, numbers."""
    texts, orders = [], []
    for p in pages:
        order = _edge_order(p.lines)
        orders.append(order)
        texts.append([p.lines[i].text for i in order])  # top to bottom, for the edge test
    drops = layout.furniture_indexes(texts)
    return [
        [line for i, line in enumerate(p.lines) if i not in {order[j] for j in drop}]
        for p, order, drop in zip(pages, orders, drops, strict=True)
    ]


@dataclass(frozen=True)
class Column:
    """The text column of a document: left and right edges and the body font size."""

    left: float
    right: float
    em: float


def text_column(pages: Sequence[Sequence[PdfLine]]) -> Column | None:
    """Given the body lines of all pages, return the text column, or None without geometry."""
    body = [
        line
        for lines in pages
        for line in lines
        if line.left is not None and not layout.is_table_row(line.text)
    ]
    if not body:
        return None
    lefts = sorted(line.left for line in body)
    rights = sorted(line.right for line in body)
    return Column(
        left=lefts[len(lefts) // 10],
        right=rights[(len(rights) * 9) // 10],
        em=statistics.median(line.em for line in body),
    )


def to_layout_line(line: PdfLine, column: Column | None) -> layout.Line:
    """Given a PDF line and the text column, return the line with its layout facts."""
    if column is None or line.left is None:
        return layout.Line(line.text)
    left_margin, right_margin = line.left - column.left, column.right - line.right
    return layout.Line(
        line.text,
        full=right_margin <= FULL_LINE_SLACK_EM * column.em,
        indented=left_margin >= INDENT_EM * column.em,
        size=line.em,
        centered=left_margin >= column.em and abs(left_margin - right_margin) <= column.em,
    )


def mark_drawn_pages(pages: list[PageText]) -> None:
    """Given the pages, mark drawn pages unusable when no page has text: outlined text."""
    if not any(p.lines for p in pages):
        for p in pages:
            if p.drawn and p.usable:
                p.problem = "no text layer (text drawn as outlines)"


def pages_to_text(pages: Sequence[PageText]) -> str:
    """Given the pages read, return the document text: one paragraph per line.

    Paragraphs are not joined across an unusable page: what it held is unknown.
    """
    bodies = drop_furniture(pages)
    column = text_column(bodies)
    paragraphs: list[str] = []
    run: list[layout.Line] = []
    for page, lines in zip(pages, bodies, strict=True):
        if not page.usable:
            paragraphs += layout.lines_to_paragraphs(run)
            run = []
            continue
        run += [to_layout_line(line, column) for line in lines]
    paragraphs += layout.lines_to_paragraphs(run)
    return "\n".join(paragraphs)


# --- the reader -----------------------------------------------------------------------------


def _page_list(numbers: Sequence[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def _problems_to_warnings(pages: Sequence[PageText]) -> list[str]:
    """Given the pages, return one warning per kind of problem, naming the pages."""
    by_problem: dict[str, list[int]] = {}
    for i, p in enumerate(pages):
        if p.problem:
            by_problem.setdefault(p.problem, []).append(i + 1)
    warnings = [f"page {_page_list(n)}: {problem}" for problem, n in by_problem.items()]
    dropped = [(i + 1, p.dropped) for i, p in enumerate(pages) if p.dropped]
    if dropped:
        total = sum(n for _, n in dropped)
        warnings.append(
            f"{total} characters without a Unicode mapping dropped on page "
            f"{_page_list([i for i, _ in dropped])}"
        )
    return warnings


def _read_pages(
    data: bytes, limits: Limits, ocr: PageOcr | None
) -> tuple[list[PageText], list[str]]:
    """Given PDF bytes, return the pages read and the warnings."""
    try:
        pdf = open_pdf(data)
    except DocumentError as e:
        if "encrypted" in e.reason:
            raise
        return _read_pages_pdfplumber(data, limits, e)
    try:
        check_page_count(len(pdf), limits)
        pages = [read_page(pdf, i) for i in range(len(pdf))]
        pages = retry_garbled(data, pages)
        mark_drawn_pages(pages)
        warnings = ocr_unusable(pdf, pages, ocr) if ocr is not None else []
        return pages, warnings
    finally:
        pdf.close()


def _read_pages_pdfplumber(
    data: bytes, limits: Limits, pdfium_error: DocumentError
) -> tuple[list[PageText], list[str]]:
    """Given PDF bytes PDFium rejected, return pdfplumber's pages, or raise PDFium's error."""
    try:
        import pdfplumber

        with pdfplumber.open(io.BytesIO(data)) as pl:
            count = len(pl.pages)
        check_page_count(count, limits)
        pages = _pdfplumber_pages(data, None)
    except DocumentError:
        raise
    except Exception:
        raise pdfium_error from None
    if not any(p.usable and p.lines for p in pages.values()):
        raise pdfium_error
    return [pages[i] for i in range(count)], ["PDFium could not parse the file; read by pdfplumber"]


def check_page_count(count: int, limits: Limits) -> None:
    """Given the page count of a PDF, raise DocumentError when it is none or over the limit."""
    if count == 0:
        raise DocumentError("PDF has no pages")
    if count > limits.max_pdf_pages:
        raise DocumentError(
            f"PDF has {count} pages, over the limit max_pdf_pages={limits.max_pdf_pages}"
        )


def read_pdf(data: bytes, limits: Limits, ocr: PageOcr | None = None) -> RawText:
    """Given the bytes of a PDF, return its text; raise DocumentError when it cannot be read.

    ``ocr``, when given, reads the pages without a usable text layer; otherwise they are listed
    in ``unusable_pages`` (the document needs OCR).
    """
    check_complete(data)
    try:
        pages, warnings = _read_pages(data, limits, ocr)
        text = pages_to_text(pages)
    except DocumentError:
        raise
    except LIBRARY_ERRORS as e:  # a library failure on a damaged file: a failed row, not a crash
        raise DocumentError(f"truncated or corrupt PDF: {type(e).__name__}: {e}") from None
    unusable = tuple(i + 1 for i, p in enumerate(pages) if not p.usable)
    if not text.strip() and not unusable:
        raise DocumentError("PDF has no text: every page is blank")
    ocr_scores = [p.ocr_confidence for p in pages if p.ocr_confidence is not None]
    return RawText(
        text=text,
        pages=len(pages),
        unusable_pages=unusable,
        warnings=tuple(warnings + _problems_to_warnings(pages)),
        ocr_pages=len(ocr_scores) or None,
        ocr_confidence=statistics.fmean(ocr_scores) if ocr_scores else None,
    )
