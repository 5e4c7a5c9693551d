"""Practices: present when the text says they are done, with the sentence that decides.

A mention counts as done unless it is in the plans part, after a plan cue in its sentence
(下一步将建立…), or after a not-done cue in its clause (尚未建立…, 有待…). The first done mention
decides ``present = True``; otherwise the first mention (planned or negated) is the evidence of
``present = False``; a practice never mentioned has no evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.extract.catalog import Catalog, Practice
from pipeline.extract.sentences import Span, sentence_to_clauses, span_at

# Between two venues of a list: 、/和/及/与 or nothing, and quote marks (法律“进机关、进乡村”).
_LIST_SEP_RE = re.compile(r"(?:[、和及与]|以及)?[”\"’]?[“\"‘]?")


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    sentence: Span
    status: str  # done | planned | negated
    rule: str  # mention | all_of | list_of


@dataclass(frozen=True)
class PracticeResult:
    practice: Practice
    present: bool
    mention: Mention | None


def text_to_practices(
    text: str,
    sentences: list[Span],
    catalog: Catalog,
    in_plans: Callable[[int], bool],
) -> list[PracticeResult]:
    """Given normalized text and its sentences, return one result per catalog practice."""
    out = []
    for practice in catalog.practices:
        mentions = sorted(
            _mentions(text, sentences, catalog, practice, in_plans), key=lambda m: m.start
        )
        done = [m for m in mentions if m.status == "done"]
        if done:
            out.append(PracticeResult(practice, True, done[0]))
        else:
            out.append(PracticeResult(practice, False, mentions[0] if mentions else None))
    return out


def _mentions(text, sentences, catalog, practice: Practice, in_plans) -> list[Mention]:
    spans: list[tuple[int, int, str, object]] = []
    for phrasing in practice.phrasings:
        for m in phrasing.regex.finditer(text):
            spans.append((m.start(), m.end(), "mention", phrasing))
    if practice.all_of:
        spans += [(*span, None) for span in _all_of_spans(text, practice)]
    if practice.list_head is not None:
        spans += [(*span, None) for span in _list_spans(text, practice)]
    out = []
    for start, end, rule, phrasing in spans:
        sentence = span_at(sentences, start) or Span(0, len(text))
        chunk = text[sentence.start : sentence.end]
        if practice.requires is not None and not practice.requires.search(chunk):
            continue
        if phrasing is not None and not _phrasing_holds(phrasing, chunk):
            continue
        clause = span_at(sentence_to_clauses(text, sentence), start) or sentence
        if practice.excludes is not None and practice.excludes.search(
            text[clause.start : clause.end]
        ):
            continue
        out.append(
            Mention(
                start,
                end,
                sentence,
                _status(text, sentence, clause, start, end, catalog, in_plans),
                rule,
            )
        )
    return out


def _phrasing_holds(phrasing, chunk: str) -> bool:
    """Given a phrasing and its sentence, return True when its own conditions hold."""
    if phrasing.requires is not None and not phrasing.requires.search(chunk):
        return False
    return phrasing.excludes is None or not phrasing.excludes.search(chunk)


def _status(text, sentence: Span, clause: Span, start: int, end: int, catalog, in_plans) -> str:
    """Given a mention, return done, planned (plans part, 下一步将…) or negated (尚未建立…)."""
    if in_plans(start) or catalog.cue("plan").search(text, sentence.start, start):
        return "planned"
    not_done = catalog.cue("not_done")
    if not_done.search(text[clause.start : clause.end]):
        return "negated"  # 尚未建立法律顾问制度, 法律顾问制度仍未建立
    following = _next_clause_start(text, clause, sentence)
    if following is not None and not_done.match(text[following : sentence.end]):
        return "negated"  # 权责清单已初步梳理,待县里审核后再公布
    return "done"


def _next_clause_start(text: str, clause: Span, sentence: Span) -> int | None:
    clauses = sentence_to_clauses(text, sentence)
    later = [c.start for c in clauses if c.start >= clause.end]
    return later[0] if later else None


def _all_of_spans(text: str, practice: Practice) -> list[tuple[int, int, str]]:
    """Given text, return a span for each paragraph naming every group of ``all_of``."""
    out = []
    pos = 0
    for line in text.split("\n"):
        found = [g.search(line) for g in practice.all_of]
        if all(found):
            first = min(found, key=lambda m: m.start())
            out.append((pos + first.start(), pos + first.end(), "all_of"))
        pos += len(line) + 1
    return out


def _list_spans(text: str, practice: Practice) -> list[tuple[int, int, str]]:
    """Given text, return a span for each head followed by at least ``list_min`` different
    venues, one right after the other (法律进机关、进乡村、进学校; 进机关进乡村进学校)."""
    out = []
    for head in practice.list_head.finditer(text):
        pos = head.end() - 1  # the 进 the head ends with
        venues = set()
        while (item := practice.list_item.match(text, pos)) is not None:
            venues.add(item.group())
            pos = _LIST_SEP_RE.match(text, item.end()).end()
        if len(venues) >= practice.list_min:
            out.append((head.start(), head.end(), "list_of"))
    return out
