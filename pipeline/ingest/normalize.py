"""Normalize decoded text: one form for digits, letters, punctuation and spacing.

Every offset the pipeline reports (sections, metric spans) is an offset into the text this module
returns, so it runs once, at ingestion, and nothing later changes the text.
"""

from __future__ import annotations

import re
import unicodedata

# Circled and parenthesized numbers would become bare digits under NFKC ("①" -> "1"), which
# would look like counts; they become "(1)" first so they stay list markers.
_CIRCLED = {chr(0x2460 + i): f"({i + 1})" for i in range(20)}  # ①..⑳
_CIRCLED.update({chr(0x2776 + i): f"({i + 1})" for i in range(10)})  # ❶..❿
_CIRCLED_RE = re.compile("[" + "".join(_CIRCLED) + "]")

# Characters with no visible meaning: zero-width space/joiners, BOM, soft hyphen, bidi marks.
_INVISIBLE_RE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad\u202a-\u202e]")

# C0/C1 control characters other than tab and newline (form feed marks a page: a newline).
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")

# "Chinese text" for spacing purposes: ideographs and CJK punctuation, plus the ASCII
# punctuation NFKC produces from full-width forms.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\u2018-\u201f\u2026\u2014\u00b7"
_TIGHT = _CJK + r"0-9%.,:;!?()\[\]"
# A run of spaces with Chinese on one side and Chinese, a digit or punctuation on the other.
_STRAY_SPACE_RE = re.compile(rf"(?<=[{_CJK}]) +(?=[{_TIGHT}])|(?<=[{_TIGHT}]) +(?=[{_CJK}])")
_SPACES_RE = re.compile(r"[ \u00a0]{2,}")
_TABS_RE = re.compile(r"\s*\t\s*")

# Dashes that NFKC leaves alone but writers use interchangeably inside ranges and page numbers.
_DASHES = str.maketrans({"\u2012": "-", "\u2013": "-", "\u2212": "-", "\u2500": "\u2014"})


# Runs of text between CJK unified ideographs. An ideograph is a stable code point (NFKC leaves
# it, and nothing composes with it), so NFKC of a text is NFKC of each run with the
# ideographs left in between: the same string, in half the time for a Chinese report.
_BETWEEN_IDEOGRAPHS_RE = re.compile("[^\u4e00-\u9fff]+")


def _nfkc(match: re.Match) -> str:
    return unicodedata.normalize("NFKC", match.group())


def normalize_char_forms(text: str) -> str:
    """Given decoded text, return it in NFKC with circled numbers kept as list markers."""
    text = _CIRCLED_RE.sub(lambda m: _CIRCLED[m.group()], text)
    text = _BETWEEN_IDEOGRAPHS_RE.sub(_nfkc, text)
    return text.translate(_DASHES)


def normalize_line(line: str) -> str:
    """Given one line, return it without stray spaces; tabs (table cells) become one tab."""
    line = _SPACES_RE.sub(" ", line.replace("\u3000", " ")).strip(" ")
    if "\t" in line:
        line = _TABS_RE.sub("\t", line).strip("\t")
    return _STRAY_SPACE_RE.sub("", line)


def normalize_text(text: str) -> str:
    """Given decoded text, return normalized text with one paragraph per line, no blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = _INVISIBLE_RE.sub("", text)
    text = _CONTROL_RE.sub("", text)
    text = normalize_char_forms(text)
    lines = (normalize_line(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def fold_whitespace(text: str) -> str:
    """Given text, return it with all whitespace removed (to compare texts across formats)."""
    return re.sub(r"\s+", "", text)
