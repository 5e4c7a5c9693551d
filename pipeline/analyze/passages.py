"""Sentences, paragraphs and jieba words of the cleaned report texts, and the boilerplate they share.

The text stages (similarity, keywords, problem themes) work one county at a time on the frame
``county_sentences`` returns, so memory stays bounded however many counties a run has.
A report's own township and county names are masked before words are counted, so that two
reports differing only in whose name they carry count as the same text, and a township's own
name is never one of its distinctive keywords.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

# Where a sentence ends: after a run of Chinese full stops, ! ? or ; (full-width, or the ASCII
# forms NFKC makes); at a line end (one paragraph per line in the cleaned text); and before an
# inline enumeration 一是… 二是… that follows a comma even without a full stop.
_BOUNDARY_RE = re.compile(r"[。!?;！？；]+|\n|(?<=[,，、])(?=[一二三四五六七八九十]+是)")
# What a sentence key ignores: digits (copies change the numbers), spaces and punctuation.
_KEY_DROP_RE = re.compile(r"[\s\d.,:;!?()\[\]%、。，：；！？（）“”‘’《》〈〉·—…-]+")
# A word worth counting has a CJK ideograph or a letter, and no digit.
_WORD_RE = re.compile(r"^[^\d]*[\u4e00-\u9fffA-Za-z][^\d]*$")
# A heading number that marks an inline enumeration (一是), not a line heading.
_INLINE_NUMBER_RE = re.compile(r"^[一二三四五六七八九十]+是$")

_NEWLINE_RE = re.compile("\n")

# The suffix that a township's short name drops (柳塘镇 -> 柳塘).
_TOWNSHIP_SUFFIX_RE = re.compile(r"(?:街道办事处|街道|办事处|镇|乡)$")

OWN_TOWNSHIP = "本乡镇"
OPENING = "（开头部分）"  # the section of text before the first heading
CLOSING = "（结尾部分）"  # ... and of text after the last part (sign-off)
OWN_COUNTY = "本县"

Tokenizer = Callable[[str], list[str]]


def make_tokenizer():
    """Return a jieba tokenizer: the extraction engine's when it has one, else a quiet default.
    The whole dictionary is loaded at once: the analysis segments every sentence."""
    try:
        from pipeline.extract import make_tokenizer as extract_tokenizer
    except ImportError:
        extract_tokenizer = None
    if extract_tokenizer is not None:
        return extract_tokenizer(lazy=False)
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba.Tokenizer()


def words_of(text: str, tokenizer) -> list[str]:
    """Given text and a jieba tokenizer, return its words without spaces, punctuation and numbers."""
    return [w for w in tokenizer.lcut(text, HMM=False) if _WORD_RE.match(w)]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Given cleaned text, return the (start, end) of every sentence, in order."""
    spans = []
    start = 0
    for m in _BOUNDARY_RE.finditer(text):
        end = m.start() if m.group() == "\n" else m.end()
        a, b = _strip_span(text, start, end)
        if b > a:
            spans.append((a, b))
        start = m.end()
    a, b = _strip_span(text, start, len(text))
    if b > a:
        spans.append((a, b))
    return spans


def _strip_span(text: str, a: int, b: int) -> tuple[int, int]:
    piece = text[a:b]
    stripped = piece.strip()
    if not stripped:
        return a, a
    start = a + len(piece) - len(piece.lstrip())
    return start, start + len(stripped)


def sentence_key(sentence: str) -> str:
    """Given a (masked) sentence, return the form that decides whether two sentences are the same."""
    return _KEY_DROP_RE.sub("", sentence)


def mask_names(text: str, township: str | None, county: str | None) -> str:
    """Given text and its report's township and county, return it with those names (and the
    township's short name, 柳塘 for 柳塘镇) masked."""
    if township:
        text = text.replace(township, OWN_TOWNSHIP)
        short = _TOWNSHIP_SUFFIX_RE.sub("", township)
        if len(short) >= 2 and short != township:
            text = text.replace(short, OWN_TOWNSHIP)
    if county:
        text = text.replace(county, OWN_COUNTY)
    return text


def sentence_at(text: str, offset: int) -> tuple[int, int]:
    """Given text and an offset, return the span of the sentence holding it."""
    for start, end in sentence_spans_around(text, offset):
        if start <= offset < end:
            return start, end
    return offset, offset


def sentence_spans_around(text: str, offset: int) -> list[tuple[int, int]]:
    """Given text and an offset, return the sentence spans of the line holding it."""
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end < 0 else line_end
    return [(line_start + a, line_start + b) for a, b in sentence_spans(text[line_start:line_end])]


# ---------------------------------------------------------------- sections


@dataclass(frozen=True)
class SectionIndex:
    """The headings of every report, to name the section an offset belongs to."""

    by_doc: dict[str, list[tuple[int, int, int, str, str]]]  # start, end, level, label, kind

    @classmethod
    def from_table(cls, sections: pd.DataFrame) -> SectionIndex:
        """Given the sections table, return the index."""
        by_doc: dict[str, list] = {}
        if len(sections):
            ordered = sections.sort_values(["doc_id", "start", "level"], kind="stable")
            columns = [
                ordered[c].tolist()
                for c in ("doc_id", "start", "end", "level", "number", "title", "kind")
            ]
            for doc_id, start, end, level, number, title, kind in zip(*columns, strict=True):
                number = "" if number is None or number is pd.NA else str(number)
                inline = bool(_INLINE_NUMBER_RE.match(number))
                by_doc.setdefault(doc_id, []).append(
                    (int(start), int(end), -1 if inline else int(level), f"{number}{title}", kind)
                )
        return cls(by_doc)

    def path_at(self, doc_id: str, offset: int, depth: int = 2) -> str:
        """Given a report and an offset, return the headings holding it ("一、… / （二）…")."""
        headings = self.by_doc.get(doc_id, ())
        held = [h for h in headings if h[0] <= offset < h[1] and h[2] > 0]
        if not held:
            before = not any(h[0] <= offset for h in headings if h[2] > 0)
            return OPENING if before else CLOSING
        held.sort(key=lambda h: h[2])
        return " / ".join(h[3] for h in held[:depth])

    def kind_spans(self, doc_id: str, kind: str) -> list[tuple[int, int]]:
        """Given a report and a section kind, return the spans of its top-level parts of that kind."""
        return [(h[0], h[1]) for h in self.by_doc.get(doc_id, ()) if h[2] == 1 and h[4] == kind]


# ---------------------------------------------------------------- the sentences of a batch of reports

SENTENCE_COLUMNS = [
    "doc_id",
    "county",
    "year",
    "township",
    "para",
    "start",
    "end",
    "key",
    "words",
    "boilerplate",
]


def text_to_sentences(
    text: str, township: str | None, county: str | None, tokenizer, seen: dict | None = None
) -> list[tuple[int, int, int, str, str]]:
    """Given one report's cleaned text, its own names and a tokenizer, return per sentence
    (para, start, end, key, words): para is the line number, key the form that decides whether
    two sentences are the same, words the space-joined jieba words of the name-masked sentence.
    ``seen`` (masked sentence -> words) lets repeated sentences be segmented once.

    Pure and per document, so it can run where the document is read (e.g. extraction workers)."""
    seen = {} if seen is None else seen
    line_starts = [0, *(m.end() for m in _NEWLINE_RE.finditer(text))]
    out = []
    for start, end in sentence_spans(text):
        masked = mask_names(text[start:end], township, county)
        words = seen.get(masked)
        if words is None:
            words = seen[masked] = " ".join(words_of(masked, tokenizer))
        para = bisect.bisect_right(line_starts, start) - 1
        out.append((para, start, end, sentence_key(masked), words))
    return out


def corpus_sentences(
    docs: pd.DataFrame, texts: dict[str, str], tokenizer, settings: dict
) -> pd.DataFrame:
    """Given comparable reports (doc_id, county, year, township), their texts, a tokenizer and the
    similarity settings, return one row per sentence: doc_id, county, year, township, para,
    start, end, key, words (see text_to_sentences) and boilerplate."""
    rows = []
    seen: dict[str, str] = {}
    for doc in docs.itertuples(index=False):
        township = None if pd.isna(doc.township) else doc.township
        county = None if pd.isna(doc.county) else doc.county
        for sentence in text_to_sentences(
            texts.get(doc.doc_id) or "", township, county, tokenizer, seen
        ):
            rows.append((doc.doc_id, doc.county, int(doc.year), doc.township, *sentence))
    frame = pd.DataFrame(rows, columns=SENTENCE_COLUMNS[:-1])
    frame["boilerplate"] = boilerplate_mask(frame, settings).to_numpy(dtype=bool)
    return frame


def boilerplate_mask(sentences: pd.DataFrame, settings: dict) -> pd.Series:
    """Given sentence rows, return True for sentences that a large share of the reports of the
    same county-year contain (slogans, the 纲要's phrases)."""
    if sentences.empty:
        return pd.Series([], dtype=bool)
    share = float(settings.get("boilerplate_share", 0.5))
    min_reports = int(settings.get("boilerplate_min_reports", 4))
    min_chars = int(settings.get("min_sentence_chars", 8))
    reports = sentences.groupby(["county", "year"])["doc_id"].transform("nunique")
    holders = sentences.groupby(["county", "year", "key"])["doc_id"].transform("nunique")
    return (
        (reports >= min_reports)
        & (holders >= share * reports)
        & (holders >= 2)
        & (sentences["key"].str.len() >= min_chars)
    )
