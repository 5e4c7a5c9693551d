"""Values written without a number: negations (未发生群体性事件 -> 0) and full rates (全员通过 -> 100).

A negation sets 0 for exactly what it names. The words after the cue, up to the end of the
clause (before it, for 行政复议、行政诉讼案件均为零), are split into items at 、/和/及/与/或; each item gives the metric whose phrasing ends
last in it (Chinese puts the head last: in 行政应诉败诉案件 the head is 败诉). When the last item
carries a distributive head (败诉), the whole list is one item: 未发生行政复议、行政应诉败诉案件
names lost cases only.
"""

from __future__ import annotations

import re

from pipeline.extract.metrics import Candidate, Hit, Sentence, has_topic, plan_before

_ITEM_SEP_RE = re.compile(r"以及|[、和及与或/]")
DIRECT_REACH = 1  # chars between 无/零 and the object it negates


def negation_candidates(s: Sentence) -> list[Candidate]:
    """Given a sentence, return a 0 for every metric a negation in it names."""
    out: list[Candidate] = []
    seen: set[str] = set()
    for name in ("negation", "negation_direct", "negation_after"):
        for cue in s.cue(name).finditer(s.text, s.span.start, s.span.end):
            if plan_before(s, cue.start()):
                continue
            if name == "negation_after":
                lo, hi, direct = s.major(cue.start()).start, cue.start(), False
            else:
                lo, hi, direct = cue.end(), s.major(cue.end()).end, name == "negation_direct"
            for metric_id in _negated_metrics(s, lo, hi, direct):
                if metric_id in seen:
                    continue
                seen.add(metric_id)
                out.append(
                    Candidate(
                        metric=metric_id,
                        value=0.0,
                        approx=False,
                        start=cue.start(),
                        end=cue.end(),
                        sentence=s.span,
                        rule="negation",
                        sentence_index=s.index,
                    )
                )
    return out


def _negated_metrics(s: Sentence, start: int, end: int, direct: bool) -> list[str]:
    """Given the words a negation cue governs, return the metric ids of the items they name."""
    items = _items(s, start, end)
    hits = [h for h in s.hits if start <= h.start and h.end <= end and _negatable(s, h)]
    out = []
    for lo, hi in items:
        # an item naming what its metric excludes names something else (行政复议被纠错案件)
        inside = [
            h
            for h in hits
            if lo <= h.start and h.end <= hi and not s.has(h.metric.excludes, lo, hi)
        ]
        if not inside:
            if direct:
                break
            continue
        if direct and min(h.start for h in inside) - lo > DIRECT_REACH:
            break  # 无 governs a list only while every item starts with what it negates
        strong = [h for h in inside if not h.phrasing.weak]
        head = max(strong or inside, key=_head_key)
        out.append(head.metric.id)
    return out


def _negatable(s: Sentence, h: Hit) -> bool:
    """Given a hit after a negation cue, return True when it can name a negated metric."""
    m, p = h.metric, h.phrasing
    if m is None or not m.negatable:
        return False
    if p.requires is not None and not s.has(p.requires):
        return False
    return not (p.weak and not has_topic(s, m))


def _head_key(h: Hit) -> tuple[int, int]:
    return (h.end, h.end - h.start)


def _items(s: Sentence, start: int, end: int) -> list[tuple[int, int]]:
    """Given the words after a negation cue, return the spans of its listed items."""
    items = []
    pos = start
    for m in _ITEM_SEP_RE.finditer(s.text, start, end):
        items.append((pos, m.start()))
        pos = m.end()
    items.append((pos, end))
    last_lo, last_hi = items[-1]
    if len(items) > 1 and s.has(s.cue("negation_distributive"), last_lo, last_hi):
        return [(start, end)]
    return items


def full_rate_candidates(s: Sentence) -> list[Candidate]:
    """Given a sentence, return 100 for every rate a 'full' wording names (全员通过, 全员参加考试)."""
    out = []
    for metric in s.catalog.metrics:
        for pattern in metric.full:
            m = pattern.search(s.text, s.span.start, s.span.end)
            if m is None or plan_before(s, m.start()):
                continue
            if not has_topic(s, metric):
                continue
            if s.has(metric.excludes) or s.has(metric.sentence_excludes):
                continue
            out.append(
                Candidate(
                    metric=metric.id,
                    value=100.0,
                    approx=False,
                    start=m.start(),
                    end=m.end(),
                    sentence=s.span,
                    rule="full_rate",
                    sentence_index=s.index,
                )
            )
            break
    return out
