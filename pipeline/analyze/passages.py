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
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

# A sentence ends at a Chinese full stop, ! ? or ; (full-width or the ASCII forms NFKC makes),
# or at the end of a line (one paragraph per line in the cleaned text).
_SENTENCE_RE = re.compile(r"[^。!?;！？；\n]+[。!?;！？；]*")
# Inline enumerations 一是… 二是… start a new sentence even without a full stop before them.
_ENUMERATION_RE = re.compile(r"(?<=[,，、])(?=[一二三四五六七八九十]+是)")
# What a sentence key ignores: digits (copies change the numbers), spaces and punctuation.
_KEY_DROP_RE = re.compile(r"[\s\d.,:;!?()\[\]%、。，：；！？（）“”‘’《》〈〉·—…-]+")
# A word worth counting has a CJK ideograph or a letter, and no digit.
_WORD_RE = re.compile(r"^[^\d]*[\u4e00-\u9fffA-Za-z][^\d]*$")
# A heading number that marks an inline enumeration (一是), not a line heading.
_INLINE_NUMBER_RE = re.compile(r"^[一二三四五六七八九十]+是$")

_NEWLINE_RE = re.compile("\n")

OWN_TOWNSHIP = "本乡镇"
OWN_COUNTY = "本县"

Tokenizer = Callable[[str], list[str]]


def make_tokenizer():
    """Return a jieba tokenizer: the extraction engine's when it has one, else a quiet default."""
    try:
        from pipeline.extract import make_tokenizer as extract_tokenizer
    except ImportError:
        extract_tokenizer = None
    if extract_tokenizer is not None:
        return extract_tokenizer()
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba.Tokenizer()


def words_of(text: str, tokenizer) -> list[str]:
    """Given text and a jieba tokenizer, return its words without spaces, punctuation and numbers."""
    return [w for w in tokenizer.lcut(text, HMM=False) if _WORD_RE.match(w)]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Given cleaned text, return the (start, end) of every sentence, in order."""
    spans = []
    for m in _SENTENCE_RE.finditer(text):
        start, end = m.start(), m.end()
        cuts = [c.start() for c in _ENUMERATION_RE.finditer(text, start, end)]
        for a, b in zip([start, *cuts], [*cuts, end], strict=True):
            a, b = _strip_span(text, a, b)
            if b > a:
                spans.append((a, b))
    return spans


def _strip_span(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def sentence_key(sentence: str) -> str:
    """Given a (masked) sentence, return the form that decides whether two sentences are the same."""
    return _KEY_DROP_RE.sub("", sentence)


def mask_names(text: str, township: str | None, county: str | None) -> str:
    """Given text and its report's township and county, return it with those names masked."""
    if township:
        text = text.replace(township, OWN_TOWNSHIP)
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
            for row in ordered.itertuples(index=False):
                number = "" if pd.isna(row.number) else str(row.number)
                label = f"{number}{row.title}"
                inline = bool(_INLINE_NUMBER_RE.match(number))
                by_doc.setdefault(row.doc_id, []).append(
                    (
                        int(row.start),
                        int(row.end),
                        -1 if inline else int(row.level),
                        label,
                        row.kind,
                    )
                )
        return cls(by_doc)

    def path_at(self, doc_id: str, offset: int, depth: int = 2) -> str:
        """Given a report and an offset, return the headings holding it ("一、… / （二）…")."""
        held = [h for h in self.by_doc.get(doc_id, ()) if h[0] <= offset < h[1] and h[2] > 0]
        held.sort(key=lambda h: h[2])
        return " / ".join(h[3] for h in held[:depth])

    def kind_spans(self, doc_id: str, kind: str) -> list[tuple[int, int]]:
        """Given a report and a section kind, return the spans of its top-level parts of that kind."""
        return [(h[0], h[1]) for h in self.by_doc.get(doc_id, ()) if h[2] == 1 and h[4] == kind]


# ---------------------------------------------------------------- one county's sentences


def county_sentences(
    docs: pd.DataFrame, texts: dict[str, str], tokenizer, settings: dict
) -> pd.DataFrame:
    """Given one county's comparable documents, their texts and the similarity settings, return
    one row per sentence: doc_id, year, para, start, end, key, words (space-joined), boilerplate."""
    rows = []
    for doc in docs.itertuples(index=False):
        text = texts.get(doc.doc_id) or ""
        township = None if pd.isna(doc.township) else doc.township
        county = None if pd.isna(doc.county) else doc.county
        line_starts = [0, *(m.end() for m in _NEWLINE_RE.finditer(text))]
        for start, end in sentence_spans(text):
            para = bisect.bisect_right(line_starts, start) - 1
            masked = mask_names(text[start:end], township, county)
            rows.append(
                (
                    doc.doc_id,
                    int(doc.year),
                    para,
                    start,
                    end,
                    sentence_key(masked),
                    " ".join(words_of(masked, tokenizer)),
                )
            )
    frame = pd.DataFrame(rows, columns=["doc_id", "year", "para", "start", "end", "key", "words"])
    frame["boilerplate"] = boilerplate_mask(frame, settings)
    return frame


def boilerplate_mask(sentences: pd.DataFrame, settings: dict) -> pd.Series:
    """Given sentence rows of one county, return True for sentences that a large share of the
    same year's reports contain (slogans, the 纲要's phrases)."""
    if sentences.empty:
        return pd.Series([], dtype=bool)
    share = float(settings.get("boilerplate_share", 0.5))
    min_reports = int(settings.get("boilerplate_min_reports", 4))
    min_chars = int(settings.get("min_sentence_chars", 8))
    reports = sentences.groupby("year")["doc_id"].transform("nunique")
    holders = sentences.groupby(["year", "key"])["doc_id"].transform("nunique")
    return (
        (reports >= min_reports)
        & (holders >= share * reports)
        & (holders >= 2)
        & (sentences["key"].str.len() >= min_chars)
    )


def joined_words(sentences: pd.DataFrame, by: Iterable[str]) -> pd.Series:
    """Given sentence rows, return their words joined per group (space-separated)."""
    return sentences.groupby(list(by), sort=True)["words"].agg(
        lambda w: " ".join(x for x in w if x)
    )
