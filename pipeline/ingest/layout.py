"""Layout repair shared by the PDF reader and plain text: page furniture, broken lines.

A page-oriented text arrives as lines. Two jobs are done here:

1. remove page furniture: running headers and footers (lines repeated at the top or bottom of
   most pages) and page numbers ("— 3 —", "- 3 -", "第3页", "第3页 共10页", "3/10", a bare "3");
2. re-join what the layout broke: lines wrapped at the right edge of the text column, and a
   paragraph (or a word) broken by a page end, while keeping real paragraph breaks.

The joining rule is one function, ``lines_to_paragraphs``. A reader that knows the geometry
(the PDF reader) tells it, per line, whether the line reaches the right edge of the text column
and whether it starts indented; for plain text the same facts are estimated from the widths of
the lines (``text_to_lines``), and a text without hard wraps falls back to punctuation: a long
line cut in the middle of a sentence continues after the blank line.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.ingest.headings import CN_DIGITS, Marker, match_marker


@dataclass(frozen=True)
class Line:
    """One line of a page as laid out.

    ``full`` and ``indented`` are None when the layout is unknown (text with one paragraph per
    line); ``after_blank`` marks a blank line before this one (not a page break).
    """

    text: str
    full: bool | None = None  # reaches the right edge of the text column
    indented: bool | None = None  # starts right of the text column's left edge
    after_blank: bool = False
    size: float | None = None  # font size, when known
    centered: bool | None = None  # centered in the text column (a title line)


# --- page furniture -------------------------------------------------------------------------

_DASH = "\\-\u2010-\u2015\u2212\u2500\uff0d~\uff5e\u00b7\u2022\u30fb"  # hyphens, dashes, dots
# A line that is only a page number, decorated so that it cannot be anything else.
DECORATED_PAGE_NUMBER_RE = re.compile(
    rf"""^\s*(?:
        [{_DASH}]{{1,2}}\s*\d{{1,4}}\s*[{_DASH}]{{1,2}}     # — 3 —   - 3 -   ·3·
      | 第\s*\d{{1,4}}\s*页(?:\s*[,，/、]?\s*共\s*\d{{1,4}}\s*页)?  # 第3页  第3页 共10页
      | 共\s*\d{{1,4}}\s*页\s*[,，/、]?\s*第\s*\d{{1,4}}\s*页    # 共10页 第3页
      | \d{{1,4}}\s*/\s*\d{{1,4}}                            # 3/10
      | (?:page|p\.)\s*\d{{1,4}}(?:\s*(?:of|/)\s*\d{{1,4}})?   # Page 3 of 10
    )\s*$""",
    re.X | re.I,
)
# A bare number: a page number only at the top or bottom of a page.
BARE_PAGE_NUMBER_RE = re.compile(r"^\s*\d{1,4}\s*$")

EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be furniture
MIN_REPEAT_SHARE = 0.4  # share of pages a header/footer line must appear on (odd/even differ)
MIN_REPEAT_PAGES = 2


def is_page_number(line: str, at_edge: bool = True) -> bool:
    """Given a line, return whether it is a page number (a bare number only at a page edge)."""
    if DECORATED_PAGE_NUMBER_RE.match(line):
        return True
    return at_edge and bool(BARE_PAGE_NUMBER_RE.match(line))


def furniture_key(line: str) -> str:
    """Given a line, return the form it is compared in across pages: no spaces, digits as #."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def _edges(count: int) -> tuple[range, range]:
    """Given the number of lines of a page, return the indexes of its top and bottom lines."""
    top = range(min(EDGE_LINES, count))
    return top, range(max(len(top), count - EDGE_LINES), count)


def _edge_keys(lines: Sequence[str]) -> list[tuple[int, tuple[str, int, str]]]:
    """Given the lines of a page (top to bottom), return (index, (edge, offset, key)) of the
    lines at its edges; offset counts from the edge, so a line matches only its own place."""
    top, bottom = _edges(len(lines))
    keyed = [(i, ("top", i, furniture_key(lines[i]))) for i in top]
    keyed += [(i, ("bottom", len(lines) - 1 - i, furniture_key(lines[i]))) for i in bottom]
    return [(i, k) for i, k in keyed if k[2]]


def repeated_edge_keys(pages: Sequence[Sequence[str]]) -> set[tuple[str, str]]:
    """Given the lines of each page (top to bottom), return the (edge, key) of running headers
    and footers: lines repeated at the same place from the same edge on many pages."""
    if len(pages) < MIN_REPEAT_PAGES:
        return set()
    counts: Counter[tuple[str, int, str]] = Counter()
    inner: set[tuple[str, int, str]] = set()  # seen on a page that is neither first nor last
    for number, lines in enumerate(pages):
        keys = {k for _, k in _edge_keys(lines)}
        counts.update(keys)
        if 0 < number < len(pages) - 1:
            inner |= keys
    needed = max(MIN_REPEAT_PAGES, MIN_REPEAT_SHARE * len(pages))
    # A header repeats through the document; the title block of the first page and the
    # sign-off of a short last page may coincide, but only there.
    return {
        (edge, key)
        for (edge, offset, key), n in counts.items()
        if n >= needed and (len(pages) <= 2 or (edge, offset, key) in inner)
    }


def furniture_indexes(pages: Sequence[Sequence[str]]) -> list[set[int]]:
    """Given the lines of each page (top to bottom), return per page the furniture indexes."""
    repeated = repeated_edge_keys(pages)
    result = []
    for lines in pages:
        keyed = _edge_keys(lines)
        drop = {i for i, (edge, _offset, key) in keyed if (edge, key) in repeated}
        drop |= {i for i, _ in keyed if is_page_number(lines[i])}
        # a decorated page number anywhere on its own line ("— 3 —") is furniture too
        drop |= {i for i, line in enumerate(lines) if DECORATED_PAGE_NUMBER_RE.match(line)}
        result.append(drop)
    return result


# --- joining ------------------------------------------------------------------------------

# Punctuation that ends a sentence or introduces what follows on a new line, optionally
# followed by closing quotes/brackets.
_SENTENCE_END_RE = re.compile(r"[。！？!?；;：:…][”’\"'）)》」』]*$")
# Punctuation inside a sentence: a line holding one is running text, not a title (、 is not:
# titles join issuers with it, "党工委、办事处关于…的报告").
_CLAUSE_RE = re.compile(r"[，,；;。]")
# A date line or a copy-to / attachment line: a block of its own in any layout.
_BLOCK_START_RE = re.compile(
    r"""^(?:
        [0-9〇零一二三四五六七八九]{4}\s*年\s*[0-9一二三四五六七八九十]{1,3}\s*月
            \s*[0-9一二三四五六七八九十]{1,3}\s*日(?:印发)?$              # 2023年11月22日
      | (?:抄送|附件|抄报|主送|联系人)[:：]                              # 抄送：…
    )""",
    re.X,
)
# The sign-off of an issuing body, a short line without clause punctuation. Only used where
# the layout is unknown: in a laid-out page a sign-off is right-aligned, so it is indented.
_SIGN_OFF_RE = re.compile(r"^[^，,、；;。：:]{2,24}(?:委员会|人民政府|办事处|办公室|政府|党委)$")
MIN_CUT_WIDTH = 20  # a line cut by a page end is longer than a title or a sign-off
MAX_HEADING_WIDTH = 80  # a heading line: a marker, no full stop, at most this many characters


# Blocks that are wide (East Asian Width W or F) from end to end: CJK ideographs and
# punctuation, kana, Hangul, full-width forms. Counted by a regex; the few characters outside
# them and outside ASCII are looked up one by one (tests check the two ways agree).
WIDE_BLOCKS = (
    "\u1100-\u115f\u2e80-\u2e99\u2e9b-\u2ef3\u2f00-\u2fd5\u3000-\u303e\u3041-\u3096"
    "\u3099-\u30ff\u3105-\u312f\u3131-\u318e\u3190-\u31e3\u31f0-\u321e\u3220-\u3247"
    "\u3250-\u4dbf\u4e00-\ua48c\ua490-\ua4c6\ua960-\ua97c\uac00-\ud7a3\uf900-\ufaff"
    "\ufe10-\ufe19\ufe30-\ufe52\ufe54-\ufe66\ufe68-\ufe6b\uff01-\uff60\uffe0-\uffe6"
)
_WIDE_RE = re.compile(f"[{WIDE_BLOCKS}]")
_UNSURE_RE = re.compile(f"[^\x00-\x7f{WIDE_BLOCKS}]")  # neither ASCII nor a wide block


def display_width(text: str) -> float:
    """Given text, return its width in Chinese characters (Latin letters and digits count half)."""
    wide = len(text) - len(_WIDE_RE.sub("", text))
    wide += sum(unicodedata.east_asian_width(ch) in "WF" for ch in _UNSURE_RE.findall(text))
    return 0.5 * len(text) + 0.5 * wide


def is_table_row(text: str) -> bool:
    """Given a line, return whether it is a table row (cells separated by tabs)."""
    return "\t" in text.strip()


def ends_sentence(text: str) -> bool:
    """Given a line, return whether it ends with sentence-final punctuation."""
    return bool(_SENTENCE_END_RE.search(text.rstrip()))


# The ideographs a heading marker can begin with (第一部分, 一、, 一是); a line beginning with
# any other ideograph has no marker in any normalization, and is not normalized to find out.
_MARKER_FIRST_HAN = frozenset("第" + CN_DIGITS)


def _marker(text: str) -> tuple[str, Marker | None]:
    """Given a stripped line, return (its NFKC form, its heading marker or None); a body line
    starting with an ideograph comes back as it is, with None."""
    if "\u4e00" <= text[:1] <= "\u9fff" and text[0] not in _MARKER_FIRST_HAN:
        return text, None
    text = unicodedata.normalize("NFKC", text)
    return text, match_marker(text)


def starts_block(text: str) -> bool:
    """Given a line, return whether it starts a block: a heading marker, a date, a copy-to."""
    text = text.strip()
    return _marker(text)[1] is not None or bool(_BLOCK_START_RE.match(text))


def is_sign_off(text: str) -> bool:
    """Given a line, return whether it is the name of an issuing body signing the report."""
    return bool(_SIGN_OFF_RE.match(text.strip()))


def is_short_heading(text: str) -> bool:
    """Given a line, return whether it is a heading on a line of its own (marker, no full stop)."""
    text, marker = _marker(text.strip())
    if marker is None:
        return False
    return display_width(text) <= MAX_HEADING_WIDTH and "。" not in text[:-1]


def looks_cut(text: str) -> bool:
    """Given a line of a text without hard wraps, return whether it reads as a cut sentence."""
    text = text.strip()
    return (
        display_width(text) >= MIN_CUT_WIDTH
        and bool(_CLAUSE_RE.search(text))
        and not ends_sentence(text)
    )


SIZE_TOLERANCE = 0.1  # lines whose font sizes differ more than this are different blocks


def _sizes_differ(a: Line, b: Line) -> bool:
    if a.size is None or b.size is None:
        return False
    return abs(a.size - b.size) > SIZE_TOLERANCE * max(a.size, b.size)


def continues(a: Line, b: Line) -> bool:
    """Given two consecutive lines, return whether ``b`` continues the paragraph of ``a``."""
    if is_table_row(a.text) or is_table_row(b.text) or _sizes_differ(a, b):
        return False
    if a.full is not None:  # the layout is known: a full line goes on
        if b.centered and a.full and not ends_sentence(a.text):
            return not starts_block(b.text)  # the second line of a wrapped centered title
        if b.indented or starts_block(b.text):
            return False
        return a.full and not (b.after_blank and ends_sentence(a.text))
    if b.indented or starts_block(b.text) or is_sign_off(b.text):
        return False
    return not is_short_heading(a.text) and looks_cut(a.text)


_LATIN_END_RE = re.compile(r"[A-Za-z0-9]$")
_LATIN_START_RE = re.compile(r"^[A-Za-z0-9]")
_SOFT_HYPHENS = "\x02\u00ad"


def join_two(a: str, b: str) -> str:
    """Given the text of a line and of its continuation, return them joined.

    Chinese joins with no space; two Latin words or numbers join with one space; a soft hyphen
    at the end of the first line is dropped.
    """
    a, b = a.rstrip(), b.lstrip()
    if a and a[-1] in _SOFT_HYPHENS:
        return a[:-1] + b
    if _LATIN_END_RE.search(a) and _LATIN_START_RE.match(b):
        return a + " " + b
    return a + b


def lines_to_paragraphs(lines: Iterable[Line]) -> list[str]:
    """Given the lines of a document in reading order, return its paragraphs."""
    paragraphs: list[str] = []
    previous: Line | None = None
    for line in lines:
        if not line.text.strip():
            continue
        if previous is not None and continues(previous, line):
            paragraphs[-1] = join_two(paragraphs[-1], line.text)
        else:
            paragraphs.append(line.text.strip() if not is_table_row(line.text) else line.text)
        previous = line
    return paragraphs


# --- plain text -------------------------------------------------------------------------------

MIN_WRAPPED_LINES = 8  # fewer lines cannot show a wrap width
MAX_WIDER_SHARE = 0.05  # share of lines longer than the wrap width (URLs, unbreakable runs)
MIN_WRAPPED_SHARE = 0.35  # share of lines at the wrap width in a hard-wrapped text
WRAP_TOLERANCE = 1.5  # characters short of the wrap width that still count as a full line
MAX_WRAPPED_SENTENCE_ENDS = 0.5  # share of full lines ending a sentence in a wrapped text
_INDENT_RE = re.compile(r"^[ \u3000\u00a0]+")


def wrap_width(lines: Sequence[str]) -> float | None:
    """Given the lines of a text, return the width it is hard-wrapped at, or None.

    A hard-wrapped text has many lines of (nearly) the same, largest width, and those lines
    mostly end in the middle of a sentence; a text with one paragraph per line has neither.
    """
    body = [s.strip() for s in lines if s.strip() and not is_table_row(s)]
    widths = [display_width(s) for s in body]
    if len(widths) < MIN_WRAPPED_LINES:
        return None
    common = Counter(round(w) for w in widths if w >= 10).most_common(1)
    if not common:
        return None
    width = max(w for w in widths if abs(w - common[0][0]) <= WRAP_TOLERANCE)
    near = [s for s, w in zip(body, widths, strict=True) if width - WRAP_TOLERANCE <= w <= width]
    if len(near) < MIN_WRAPPED_SHARE * len(widths):
        return None
    if sum(w > width + WRAP_TOLERANCE for w in widths) > MAX_WIDER_SHARE * len(widths):
        return None  # lines run past the supposed wrap width: paragraphs on one line each
    if sum(ends_sentence(s) for s in near) > MAX_WRAPPED_SENTENCE_ENDS * len(near):
        return None
    return width


def _indent_width(line: str) -> float:
    m = _INDENT_RE.match(line)
    return display_width(m.group().replace("\u00a0", " ")) if m else 0.0


def text_to_lines(page_lines: Sequence[Sequence[str]]) -> list[Line]:
    """Given the raw lines of each page of a plain text, return Lines with estimated layout."""
    all_lines = [s for page in page_lines for s in page]
    width = wrap_width(all_lines)
    body = [s for s in all_lines if s.strip()]
    base_indent = min((_indent_width(s) for s in body), default=0.0)
    result: list[Line] = []
    for page in page_lines:
        blank = False
        for raw in page:
            if not raw.strip():
                blank = True
                continue
            indent = _indent_width(raw) - base_indent
            text = raw.strip(" \u3000\u00a0")
            full = None
            if width is not None:
                full = display_width(raw.strip()) + indent >= width - WRAP_TOLERANCE
            result.append(Line(text, full=full, indented=indent >= 1.0, after_blank=blank))
            blank = False
    return result


def drop_furniture(pages: Sequence[Sequence[str]]) -> list[list[str]]:
    """Given the lines of each page, return them without headers, footers and page numbers."""
    drops = furniture_indexes(pages)
    return [
        [s for i, s in enumerate(lines) if i not in drop]
        for lines, drop in zip(pages, drops, strict=True)
    ]


def repair_breaks(text: str) -> str:
    """Given decoded text of a page-oriented document, return it with layout breaks repaired.

    Form feeds separate pages; on each page the running header/footer and page numbers are
    removed. Lines wrapped at a fixed width and paragraphs broken by a page end are re-joined.
    The result has one paragraph per line.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    pages = [page.split("\n") for page in text.split("\f")]
    if len(pages) > 1:
        pages = _drop_furniture_keep_blanks(pages)
    else:
        pages = [[s for s in pages[0] if not DECORATED_PAGE_NUMBER_RE.match(s)]]
    return "\n".join(lines_to_paragraphs(text_to_lines(pages)))


def _drop_furniture_keep_blanks(pages: Sequence[Sequence[str]]) -> list[list[str]]:
    """Given page lines with blank lines, return them without furniture, blanks kept in place."""
    nonblank = [[i for i, s in enumerate(lines) if s.strip()] for lines in pages]
    drops = furniture_indexes(
        [[lines[i] for i in idx] for lines, idx in zip(pages, nonblank, strict=True)]
    )
    result = []
    for lines, idx, drop in zip(pages, nonblank, drops, strict=True):
        gone = {idx[j] for j in drop}
        result.append([s for i, s in enumerate(lines) if i not in gone])
    return result
