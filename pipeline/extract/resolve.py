"""One value per document and metric, from the candidates the matcher found.

The rules, in order, for the candidates of one metric:
1. parts (after 其中) go when a figure that is not a part is there, except that a general total
   whose parts name the metric's topic (中心组学习11次, 其中专题学习法律法规4次) gives way to them;
2. increments (新增 …) go when a stock figure is there, always for metrics that say ``drop``;
3. a negation (0) goes when a number is there; a higher-ranked phrasing loses to a lower one;
4. a total written after its parts (…村居法律顾问11名,镇村两级共有法律顾问12名), introduced by a
   total cue, replaces the values before it in its sentence when it is at least their sum (or a
   rounded figure holding it: 累计学法20余次 after 4+12+6); a total that is also a whole figure
   (全年累计…) reaches the sentence before it too, and two before it in its paragraph; a whole-year or whole-township figure (全年, 全镇) replaces sub-parts (第一季度,
   宣传周期间, 在某村);
5. rates take the first value written;
6. counts: in one sentence, a value equal to the sum of the others is their total and wins,
   otherwise the values are separate activities and are summed; across sentences, a value
   repeated is counted once (an exact figure within a rounded one, 20余场 and 23场, is the same
   figure), a total of the others wins, and separate values are summed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pipeline.extract.catalog import Catalog, Metric
from pipeline.extract.metrics import Candidate


@dataclass(frozen=True)
class Resolved:
    """The value of one metric for one document and the candidates it comes from."""

    metric: Metric
    value: float
    approx: bool
    sources: tuple[Candidate, ...]
    rule: str
    note: str = ""


def candidates_to_values(candidates: list[Candidate], catalog: Catalog) -> list[Resolved]:
    """Given every candidate of one document, return one Resolved per metric, in catalog order."""
    by_metric: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_metric.setdefault(c.metric, []).append(c)
    out = []
    for metric in catalog.metrics:
        cands = by_metric.get(metric.id)
        if cands:
            resolved = _resolve_metric(metric, sorted(cands, key=lambda c: c.start))
            if resolved is not None:
                out.append(resolved)
    return out


def _resolve_metric(metric: Metric, cands: list[Candidate]) -> Resolved | None:
    cands = _drop_general_totals(cands)
    cands = _prefer(cands, lambda c: not c.part)
    if metric.increments == "drop":
        cands = [c for c in cands if not c.increment]
    else:
        cands = _prefer(cands, lambda c: not c.increment)
    cands = _prefer(cands, lambda c: c.rule != "negation")
    if not cands:
        return None
    best_rank = min(c.rank for c in cands)
    cands = [c for c in cands if c.rank == best_rank]
    cands = _totals_over_parts(cands)
    if any(c.scope == "whole" for c in cands):
        cands = [c for c in cands if c.scope != "sub"]
    if metric.is_rate:
        numbers = _prefer(cands, lambda c: c.rule != "full_rate")
        first = numbers[0]
        return Resolved(metric, first.value, first.approx, (first,), first.rule)
    groups = _by_sentence(cands)
    sentence_values = [_sentence_value(g) for g in groups]
    return _across_sentences(metric, sentence_values)


def _drop_general_totals(cands: list[Candidate]) -> list[Candidate]:
    """Given candidates, drop a total whose parts name the topic it lacks: in 中心组学习11次,
    其中专题学习法律法规4次 only the 4 are law study, so the 11 go and the part stays. Only a
    total bound by a weak phrasing (学习, not 宣传资料) is general, and only parts counted in its
    measure word are its subset on the topic (资料4500份, 其中民法典手册1000本: the total stays)."""
    out = []
    for c in cands:
        specific_parts = [
            p
            for p in cands
            if p.part
            and p.local_topic
            and p.sentence == c.sentence
            and p.start > c.start
            and p.measure == c.measure
        ]
        if not c.part and not c.local_topic and c.weak and specific_parts:
            continue
        out.append(c)
    if len(out) < len(cands):
        return [replace(c, part=False) if c.part and c.local_topic else c for c in out]
    return cands


def _totals_over_parts(cands: list[Candidate]) -> list[Candidate]:
    """Given candidates in text order, drop the values a later total sums up: a candidate
    introduced by a total cue, close before it (``_near_before``), at least their sum. Two
    totals (累计发放宣传资料500份。累计发放普法读本3000册) are separate figures."""
    dropped: set[int] = set()
    for c in cands:
        if not c.total or id(c) in dropped:
            continue
        before = [d for d in cands if id(d) not in dropped and _near_before(d, c)]
        if not before or any(d.total for d in before):
            continue
        parts = sum(d.value for d in before)
        if c.value >= parts - 1e-6 or (c.approx and _rounded_holds(c.value, parts)):
            dropped.update(id(d) for d in before)
    return [c for c in cands if id(c) not in dropped]


def _near_before(d: Candidate, c: Candidate) -> bool:
    """Given two candidates, return True when d is written before c in c's sentence or, for a
    whole figure c (全年累计…), in the sentence just before it or two before in its paragraph."""
    if d.start >= c.start:
        return False
    back = c.sentence_index - d.sentence_index
    if back == 0:
        return True
    return c.scope == "whole" and (back <= 1 or (back <= 2 and d.paragraph == c.paragraph))


def _prefer(cands: list[Candidate], good) -> list[Candidate]:
    """Given candidates and a test, return those passing it when there are any, else all."""
    kept = [c for c in cands if good(c)]
    return kept or cands


def _by_sentence(cands: list[Candidate]) -> list[list[Candidate]]:
    groups: dict[tuple[int, int], list[Candidate]] = {}
    for c in cands:
        key = (c.sentence.start, c.sentence.end)
        if all(c.start != d.start for d in groups.get(key, [])):
            groups.setdefault(key, []).append(c)
    return list(groups.values())


def _sentence_value(group: list[Candidate]) -> tuple[float, list[Candidate], str]:
    """Given one sentence's candidates, return (value, contributing candidates, how)."""
    if len(group) == 1:
        return group[0].value, group, ""
    total = _total_of_others(group)
    if total is not None:
        return total.value, [total], "total of the listed parts"
    return sum(c.value for c in group), group, "sum"


def _total_of_others(group: list[Candidate]) -> Candidate | None:
    """Given candidates, return the one whose value is the sum of all the others, if any."""
    values = [c.value for c in group]
    whole = sum(values)
    for c in group:
        if abs(2 * c.value - whole) < 1e-6 and len(group) > 2:
            return c
    return None


def _across_sentences(metric: Metric, values: list[tuple[float, list[Candidate], str]]) -> Resolved:
    kept: list[tuple[float, list[Candidate], str]] = []
    for value, cands, how in values:
        if any(_same_figure(value, cands, k) for k in kept):
            continue  # the same figure written again
        kept.append((value, cands, how))
    if len(kept) > 2:
        for value, cands, how in kept:
            others = sum(k[0] for k in kept) - value
            if abs(value - others) < 1e-6:
                kept = [(value, cands, how)]
                break
    sources = tuple(c for _v, cands, _h in kept for c in cands)
    value = sum(k[0] for k in kept)
    approx = any(c.approx for c in sources)
    first = sources[0]
    rule = first.rule
    note = ""
    if len(sources) > 1 or any(k[2] for k in kept):
        parts = [_fmt(c.value) for c in sources]
        if len(kept) == 1 and kept[0][2] != "sum":
            note = kept[0][2]
        else:
            rule += "+sum"
            note = "sum of " + " + ".join(parts)
    return Resolved(metric, value, approx, sources, rule, note)


def _same_figure(value: float, cands: list[Candidate], kept: tuple) -> bool:
    """Given a sentence's value and a value kept before, return True when they are one figure:
    equal, or one a single rounded figure (20余场) whose range holds the other (23场)."""
    if abs(value - kept[0]) < 1e-6:
        return True
    if len(cands) != 1 or len(kept[1]) != 1:
        return False
    a, b = cands[0], kept[1][0]
    return (a.approx and _rounded_holds(a.value, b.value)) or (
        b.approx and _rounded_holds(b.value, a.value)
    )


def _rounded_holds(rounded: float, exact: float) -> bool:
    """Given a rounded figure (20余 -> 20) and an exact one, return True when the exact one is
    in the rounded one's range: 20余 covers 20 to 29, 5000余 covers 5000 to 5999."""
    if rounded <= 0 or not float(rounded).is_integer():
        return False
    step = 1
    n = int(rounded)
    while n % 10 == 0:
        n //= 10
        step *= 10
    return step > 1 and rounded <= exact < rounded + step


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
