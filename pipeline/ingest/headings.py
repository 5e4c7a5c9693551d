"""Heading markers of Chinese official reports: 一、 / （一） / 1. / （1） / ① / 一是.

One verbose regex per marker style, in the order of the conventional hierarchy. Text is
normalized first (NFKC), so full-width brackets and digits are already ASCII.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_DIGITS = "一二三四五六七八九十"

# Marker styles from the conventional top of the hierarchy down. A document uses a subset;
# levels are assigned by the order of this list among the styles the document uses.
MARKER_STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "part",  # 第一部分 / 第二部分
        re.compile(rf"^第[{CN_DIGITS}]{{1,3}}部分[、.:\s]*"),
    ),
    (
        "cn",  # 一、  二、  (also 一. and 一 with a space, as web pages render them)
        re.compile(rf"^[{CN_DIGITS}]{{1,3}}(?:、|\.(?!\d)|\s)\s*"),
    ),
    (
        "cn_paren",  # (一)  (二)  — full-width brackets are ASCII after NFKC
        re.compile(rf"^\([{CN_DIGITS}]{{1,3}}\)\s*"),
    ),
    (
        "arabic",  # 1.  2、  3．  — but not 2023年 or 1.2万
        re.compile(r"^(?!(?:19|20)\d\d)\d{1,2}(?:\.(?!\d)|、)\s*"),
    ),
    (
        "arabic_paren",  # (1)  (2)  — also ① after normalization
        re.compile(r"^\(\d{1,2}\)\s*"),
    ),
)

# Inline enumeration inside a paragraph: 一是…。二是…。 (also 一要, 其一 is not used here).
INLINE_ENUM_RE = re.compile(rf"(?:^|(?<=[。;;!!?\s]))([{CN_DIGITS}]{{1,3}}是)")

# A heading line is short; a longer line starting with a marker is a numbered paragraph whose
# first sentence is its heading.
MAX_HEADING_CHARS = 60


@dataclass(frozen=True)
class Marker:
    style: str  # one of MARKER_STYLES' names
    number: str  # the marker as written, e.g. "一、", "(二)", "3."
    title: str  # the heading text after the marker (first sentence for numbered paragraphs)


def match_marker(line: str) -> Marker | None:
    """Given a normalized line, return its heading marker and title, or None."""
    for style, pattern in MARKER_STYLES:
        m = pattern.match(line)
        if m and len(line) > m.end():
            rest = line[m.end() :]
            return Marker(style, m.group().strip(), _title_of(rest))
    return None


def _title_of(rest: str) -> str:
    """Given the text after a marker, return the heading: the line, or its first sentence."""
    if len(rest) <= MAX_HEADING_CHARS and not re.search(r"[。;;]", rest[:-1]):
        return rest.rstrip("。")
    m = re.search(r"[。;;:]", rest)
    return rest[: m.start()] if m else rest[:MAX_HEADING_CHARS]


def is_heading_line(line: str) -> bool:
    """Given a normalized line, return whether it starts with a heading marker."""
    return match_marker(line) is not None
