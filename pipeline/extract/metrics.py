"""Metric matching: each number of a sentence bound to the counted object it measures.

``quantity_to_candidates(sentence, quantity)`` returns the candidate values one number gives,
before resolution (one document can give several candidates for one metric). A candidate keeps
the span of the number, its sentence and the rule that produced it:

- ``object_before`` / ``object_after``: the nearest phrasing left or right of the number
  ("调解矛盾纠纷12件", "开展6次学法活动");
- ``audience``: people counted at an activity named earlier in the sentence ("覆盖800余人次");
- ``rate`` / ``rate_shared``: a percent after a rate phrasing ("参考率、合格率均为100%");
- ``negation`` and ``full_rate`` come from pipeline.extract.cues.

Objects listed before 分别 pair with the numbers after it in order; objects of one metric listed
before 各 (法治讲座、执法业务培训各组织2场) give the number once for each of them.
A number ending an item of a 、 list binds only inside its item (法治进校园活动9场、普法宣传活动20场:
the 9 is not the publicity events'). After the number, the head of a 的 modifier is its object
(开展3次以宣传宪法为主题的集中学法活动: 学法, not 宣传). A venue list (法律进机关、进乡村、进社区活动) is one
modifier named by its head (法律进), like a quoted name. Each candidate records whether a total cue
(共计, 合计…) introduces it and whether its sentence calls it the whole year/township (全年, 全镇)
or a sub-part (第一季度, 宣传周期间, 在某村): resolve.py decides with them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from itertools import pairwise

import jieba

from pipeline.extract.catalog import Catalog, Metric, Phrasing
from pipeline.extract.numbers import Quantity
from pipeline.extract.sentences import Span, sentence_to_clauses, span_at
from pipeline.extract.tokenizer import WordBounds, word_bounds

# Chars between a number's measure word and an object written after it. After 等
# ("A、B等6个窗口") the number counts the object written after it: objects before it count as
# this much farther away.
RIGHT_REACH = 16
AUDIENCE_MEASURES = ("人", "人次", "名")
_APPROX_TAIL = "以上左右余多"  # what may follow a number's measure word at the end of its clause
# A clause opening with "all of them" continues the object of a number ending the clause before.
_ALL_OF_THEM_RE = re.compile(r"[,:]\s?(?:均|全部|都|均已|全部已)")
# A clause holding only the verb before a percent continues the rate of the clause before it.
_CONTINUED_RATE_RE = re.compile(
    r"(?:达到|达|为|提高到|提高至|提升到|提升至|上升到|上升至|增至|升至)\s?"
)
# 各 right after a list of objects and before its number: one count for each (讲座、培训各2场).
_EACH_RE = re.compile(r"各(?:开展|组织|举办|召开|办理|为|有)?了?\s?(?=[\d一二两三四五六七八九十])")
# What may stand between two listed objects: a joint and a short modifier (法治讲座、执法业务培训).
_LIST_JOINT_RE = re.compile(r"(?:、|和|及|与|以及)[^,;。\d、和及与]{0,6}")
_QUOTE_RE = re.compile(
    r"“[^“”\n]{1,30}”|‘[^‘’\n]{1,30}’|「[^「」\n]{1,30}」|\"[^\"\n]{1,30}\"|《[^《》\n]{1,40}》"
)


@dataclass(frozen=True)
class Hit:
    """A phrasing found in the text: a counted object (metric) or a blocker (metric None)."""

    start: int
    end: int
    phrasing: Phrasing
    metric: Metric | None


@dataclass(frozen=True)
class Candidate:
    """One value for one metric, found at one place of the text."""

    metric: str
    value: float
    approx: bool
    start: int  # span of the number as written (of the cue for negations and full rates)
    end: int
    sentence: Span
    rule: str
    rank: int = 1
    part: bool = False  # after 其中: a part of a total given before
    increment: bool = False  # after 新增: newly added, not the stock
    local_topic: bool = True  # the metric's topic is named in the number's own clause
    total: bool = False  # a total cue (共计, 合计, 两级共有…) introduces it in its clause
    scope: str = (
        ""  # "whole" (全年, 全镇…) or "sub" (第一季度, 宣传周期间…) by the nearer cue before it
    )
    sentence_index: int = 0  # the place of its sentence in the document
    paragraph: int = 0  # where the line (paragraph) of its sentence starts
    weak: bool = False  # bound by a weak phrasing (学习, 资料): the topic made it count
    measure: str = ""  # the measure word written after the number


@dataclass
class Sentence:
    """One sentence under analysis, with what is computed for it on demand."""

    text: str
    span: Span
    catalog: Catalog
    tok: jieba.Tokenizer
    quantities: list[Quantity]
    index: int = 0  # the place of the sentence in the document
    _hits: list[Hit] | None = None
    _majors: list[Span] | None = None
    _minors: list[Span] | None = None
    _bounds: dict[tuple[int, int], WordBounds] = field(default_factory=dict)
    _quotes: list[tuple[int, int]] | None = None
    _venue_lists: list[tuple[int, int, int, int]] | None = None
    strong_seen: dict[str, int] = field(default_factory=dict)  # metric -> first strong number

    @property
    def hits(self) -> list[Hit]:
        if self._hits is None:
            found = self.catalog.phrase_index.find(self.text, self.span.start, self.span.end)
            self._hits = [Hit(s, e, p, m) for s, e, p, m in found]
        return self._hits

    def quoted(self, start: int, end: int) -> tuple[int, int]:
        """Given a span, return the span of the quotation holding it (marks included), or
        the span itself: a quoted name (“法律进社区”) is one modifier, whatever is inside."""
        if self._quotes is None:
            self._quotes = [
                (m.start(), m.end())
                for m in _QUOTE_RE.finditer(self.text, self.span.start, self.span.end)
            ]
        for lo, hi in self._quotes:
            if lo < start and end < hi:
                return lo, hi
        return start, end

    def venue_list(self, h: Hit) -> tuple[int, int, bool] | None:
        """Given a hit, return (start, end, names_it) of the venue list holding it, or None.
        In 法律进机关、进乡村、进社区宣传活动 the head (法律进) and the words after the last venue
        (宣传活动) name the list; the venues (进乡村, 进社区) do not."""
        if self._venue_lists is None:
            self._venue_lists = [
                (m.start(), m.end(), m.start("venues"), self.text.rfind("进", 0, m.end()))
                for m in self.cue("venue_list").finditer(self.text, self.span.start, self.span.end)
            ]
        for lo, hi, head_end, last_venue in self._venue_lists:
            if lo <= h.start and h.end <= hi:
                tail = h.end == hi and h.start > last_venue + 1
                return lo, hi, h.end <= head_end or tail
        return None

    def paragraph(self) -> tuple[int, int]:
        """Return the span of the line (paragraph) holding the sentence."""
        lo = self.text.rfind("\n", 0, self.span.start) + 1
        hi = self.text.find("\n", self.span.end)
        return lo, hi if hi >= 0 else len(self.text)

    def major(self, offset: int) -> Span:
        if self._majors is None:
            self._majors = sentence_to_clauses(self.text, self.span)
        return span_at(self._majors, offset) or self.span

    def minor(self, offset: int) -> Span:
        if self._minors is None:
            self._minors = sentence_to_clauses(self.text, self.span, minor=True)
        return span_at(self._minors, offset) or self.span

    def bounds(self, offset: int) -> WordBounds:
        """Given an offset, return the word boundaries of the minor clause holding it."""
        clause = self.minor(offset)
        key = (clause.start, clause.end)
        if key not in self._bounds:
            self._bounds[key] = word_bounds(self.tok, self.text, clause.start, clause.end)
        return self._bounds[key]

    def has(self, pattern, start: int | None = None, end: int | None = None) -> bool:
        if pattern is None:
            return False
        start = self.span.start if start is None else start
        end = self.span.end if end is None else end
        return pattern.search(self.text[start:end]) is not None

    def cue(self, name: str):
        return self.catalog.cue(name)


def quantity_to_candidates(s: Sentence, q: Quantity) -> list[Candidate]:
    """Given a sentence and one of its numbers, return the candidates the number gives."""
    if plan_before(s, q.start):
        return []
    if _glued(s, q) or _not_a_single(s, q):
        return []
    if q.percent:
        return _bind_rate(s, q)
    return _bind_count(s, q)


def _not_a_single(s: Sentence, q: Quantity) -> bool:
    """Given a number, return True when it is the 一 of "not a single one" right after a
    negation cue (未发生一起行政诉讼案件: none, not one); the negation gives the 0."""
    if s.text[q.start] != "一" or q.value != 1:
        return False
    lo = max(s.span.start, q.start - 8)
    return any(
        m.end() == q.start
        for name in ("negation", "negation_direct")
        for m in s.cue(name).finditer(s.text, lo, q.start)
    )


def plan_before(s: Sentence, offset: int) -> bool:
    """Given an offset, return True when a plan cue stands before it in the sentence."""
    return s.has(s.cue("plan"), s.span.start, offset)


def _glued(s: Sentence, q: Quantity) -> bool:
    """Given a number, return True when jieba keeps numeral and measure inside a longer word.

    With the domain dictionary, 三项制度, 一次性, 一站式 are words: names, not counts.
    """
    if q.percent or q.start == q.measure_end or s.text[q.start].isdigit():
        return False
    b = s.bounds(q.start)
    return b.inside_word(q.start) or b.inside_word(q.measure_end)


def has_topic(s: Sentence, m: Metric) -> bool:
    """Given a metric, return True when its topic (if any) is named in the sentence, or in
    the sentence's paragraph for metrics whose topic_scope says so."""
    if m.topic is None or s.has(m.topic):
        return True
    if m.topic_scope != "paragraph":
        return False
    return m.topic.search(s.text, *s.paragraph()) is not None


def _between_counts(s: Sentence, start: int, end: int) -> bool:
    return any(start <= q.start and q.end <= end for q in s.quantities if not q.percent)


def _bind_count(s: Sentence, q: Quantity) -> list[Candidate]:
    """Given a count, return its candidate from the nearest usable phrasing (or none)."""
    major = s.major(q.start)
    minor = s.minor(q.start)
    ends_clause = not s.text[q.measure_end : major.end].strip(_APPROX_TAIL)
    after_list = s.text[max(major.start, q.start - 2) : q.start].endswith(("等", "等共"))
    reach_end = major.end
    if ends_clause and _ALL_OF_THEM_RE.match(s.text, major.end, s.span.end):
        reach_end = s.major(major.end + 2).end  # 决策3项,均经合法性审查: the next clause says what
    elif _item_names_object(s, q, minor):
        reach_end = minor.end  # 法治进校园活动9场、普法宣传活动20场: the next item is not the 9's
    head_from = _modifier_end(s, q, reach_end)
    options = []
    for h in s.hits:
        if h.metric is not None and (h.metric.is_rate or q.measure not in h.metric.measures):
            continue
        side = h.phrasing.side
        listed = s.venue_list(h)
        if listed is not None and not listed[2]:
            continue  # a venue of 法律进机关、进社区: the list's head names it
        lo, hi = listed[:2] if listed is not None else s.quoted(h.start, h.end)
        if h.end <= q.start and side != "right":
            if h.start < major.start and (not ends_clause or _between_counts(s, h.end, q.start)):
                continue  # an object of an earlier clause, only for a number ending its clause
            options.append((q.start - hi + (RIGHT_REACH if after_list else 0), 0, h))
        elif h.start >= head_from and side != "left" and h.end <= reach_end:
            gap = lo - head_from
            if gap <= RIGHT_REACH and not _between_counts(s, q.measure_end, h.start):
                options.append((gap, 1, h))
    options.sort(key=lambda o: (o[0], o[1], -(o[2].end - o[2].start), -_priority(o[2])))
    before = [o[2] for o in options if o[2].end <= q.start]
    paired = _respective(s, q, before)
    if paired is not None:
        if paired.metric is None or not _checks_pass(s, q, paired, (paired.start, paired.end)):
            return []
        return [_candidate(s, q, paired.metric, "object_before", paired)]
    each = _each(s, q, before)
    if each and _checks_pass(s, q, before[0]):
        c = _candidate(s, q, before[0].metric, "each", before[0])
        return [replace(c, value=q.value * each)]
    for i, (dist, _side, h) in enumerate(options):
        group = [h] + [o[2] for o in options[i + 1 :] if o[0] == dist]
        for g in group:
            if g.metric is None:
                return []
            if _checks_pass(s, q, g):
                return [
                    _candidate(
                        s, q, g.metric, "object_before" if g.end <= q.start else "object_after", g
                    )
                ]
        return []
    return _audience(s, q)


def _item_names_object(s: Sentence, q: Quantity, minor: Span) -> bool:
    """Given a number ending an item of a 、 list, return True when the item names a counted
    object before it (法治进校园活动9场、…); in 对重大行政决策10项、镇村合同42份开展合法性审查 the
    10 has none, and the words after the list say what it counts."""
    if s.text[q.measure_end : minor.end].strip(_APPROX_TAIL):
        return False
    return any(
        minor.start <= h.start
        and h.end <= q.start
        and h.phrasing.side != "right"
        and (h.metric is None or (not h.metric.is_rate and q.measure in h.metric.measures))
        for h in s.hits
    )


def _modifier_end(s: Sentence, q: Quantity, reach_end: int) -> int:
    """Given a number and the end of its right-side reach, return where the object after it
    may start: after the last 的 followed by a phrasing (开展3次以宣传宪法为主题的集中学法活动: the
    words before 的 modify the head after it), else right after the measure word."""
    de = s.text.rfind("的", q.measure_end, reach_end)
    while de >= 0:
        if any(h.start > de and h.end <= reach_end for h in s.hits):
            if not _between_counts(s, q.measure_end, de):
                return de + 1
            break
        de = s.text.rfind("的", q.measure_end, de)
    return q.measure_end


def _priority(h: Hit) -> int:
    return h.metric.priority if h.metric is not None else 0


def _phrasing_holds(s: Sentence, p: Phrasing) -> bool:
    """Given a phrasing, return True when its own requires/excludes hold in the sentence."""
    if p.requires is not None and not s.has(p.requires):
        return False
    return p.excludes is None or not s.has(p.excludes)


def _checks_pass(s: Sentence, q: Quantity, h: Hit, region: tuple[int, int] | None = None) -> bool:
    """Given a number and a hit, return True when the metric's conditions hold; the metric's
    excludes are looked for from the start of the number's clause (or the hit) to the number,
    to the end of the clause for an object after the number (对18起案件免予处罚: what is said of
    the object follows it), or in ``region`` when given."""
    m, p = h.metric, h.phrasing
    if not _phrasing_holds(s, p):
        return False
    minor = s.minor(q.start)
    after = h.start >= q.measure_end
    lo, hi = region or (
        min(h.start, minor.start),
        max(h.end, minor.end if after else q.measure_end),
    )
    if s.has(m.excludes, lo, hi) or s.has(s.cue("uncertain"), minor.start, minor.end):
        return False
    if s.has(m.sentence_excludes) or s.has(m.paragraph_excludes, *s.paragraph()):
        return False
    if p.weak:
        if not has_topic(s, m):
            return False
        if m.weak_yields and s.strong_seen.get(m.id, q.start) < q.start:
            return False  # 学法31次, 集中学习13次: the plain 学习 is not law study
    elif m.id not in s.strong_seen:
        s.strong_seen[m.id] = q.start
    return True


def _audience(s: Sentence, q: Quantity) -> list[Candidate]:
    """Given a people count with no object, return it as the audience of an earlier activity."""
    if q.measure not in AUDIENCE_MEASURES:
        return []
    minor = s.minor(q.start)
    cue = s.catalog.audience
    if not s.has(cue, minor.start, minor.end) and s.text[minor.start : q.start].strip():
        return []
    activities = [
        h
        for h in s.hits
        if h.metric is not None and h.end <= q.start and _phrasing_holds(s, h.phrasing)
    ]
    for h in sorted(activities, key=lambda h: -h.end):
        owners = [m for m in s.catalog.metrics if h.metric.id in m.audience_of]
        if not owners:
            continue
        owner = owners[0]
        if s.has(owner.excludes, minor.start, minor.end):
            return []
        if not has_topic(s, owner):
            return []
        return [_candidate(s, q, owner, "audience", h)]
    return []


def _bind_rate(s: Sentence, q: Quantity) -> list[Candidate]:
    """Given a percent, return the rate(s) it measures: the nearest rate phrasing before it,
    and every rate listed before that one when 均/都 stands between ("参考率、合格率均为100%")."""
    major = s.major(q.start)
    lo = major.start
    if _CONTINUED_RATE_RE.fullmatch(s.text, major.start, q.start):
        lo = s.major(max(s.span.start, major.start - 2)).start  # 合格率较上年提高2个百分点,达到100%
    rates = [
        h
        for h in s.hits
        if h.metric is not None and h.metric.is_rate and lo <= h.start and h.end <= q.start
    ]
    rates = sorted(rates, key=lambda h: (-h.end, h.start))
    if not rates:
        return []
    nearest = _respective(s, q, rates) or rates[0]
    chosen = [nearest]
    if nearest is rates[0] and s.has(s.cue("shared_rate"), nearest.end, q.start):
        chosen += [h for h in rates[1:] if h.end <= nearest.start]
    out, seen = [], set()
    for h in chosen:
        m = h.metric
        if m.id in seen or not has_topic(s, m):
            continue
        if s.has(m.excludes, h.start, q.end):
            continue
        seen.add(m.id)
        rule = "rate" if h is nearest else "rate_shared"
        out.append(_candidate(s, q, m, rule, h))
    return out


def _respective(s: Sentence, q: Quantity, hits: list[Hit]) -> Hit | None:
    """Given a number after 分别 and the usable hits before it, return the hit in the same
    place of its list ("参考率、合格率分别为100%、98%": the 98% is the 合格率), or None."""
    major = s.major(q.start)
    cue = s.cue("respective").search(s.text, major.start, q.start)
    if cue is None:
        return None
    listed = _listed_objects(s, hits, major.start, cue.start())
    numbers = [
        n for n in s.quantities if cue.end() <= n.start < major.end and n.percent == q.percent
    ]
    if len(listed) < 2 or len(listed) != len(numbers):
        return None
    return listed[numbers.index(q)] if q in numbers else None


def _listed_objects(s: Sentence, hits: list[Hit], start: int, end: int) -> list[Hit]:
    """Given usable hits and a span, return the objects listed in it, one hit per object (the
    longest phrasing over the same words), in order."""
    listed: list[Hit] = []
    usable = (
        h for h in hits if start <= h.start and h.end <= end and _phrasing_holds(s, h.phrasing)
    )
    for h in sorted(usable, key=lambda h: h.start):
        if h.metric is not None and (not listed or listed[-1].end <= h.start):
            listed.append(h)
        elif (
            listed and h.metric is not None and h.end - h.start > listed[-1].end - listed[-1].start
        ):
            listed[-1] = h  # a longer phrasing over the same words
    return listed


def _each(s: Sentence, q: Quantity, hits: list[Hit]) -> int:
    """Given a number after 各 and the usable hits before it, return how many objects of one
    metric the list before 各 names (法治讲座、执法业务培训各组织2场: 2 trainings of 2 each), or
    0 when the number does not count each of listed objects of one metric."""
    major = s.major(q.start)
    cue = _EACH_RE.search(s.text, major.start, q.end)
    if cue is None:
        return 0
    listed = _listed_objects(s, hits, major.start, cue.start())
    if len(listed) < 2 or listed[-1].end != cue.start():
        return 0
    if len({h.metric.id for h in listed}) != 1:
        return 0
    between = [s.text[a.end : b.start] for a, b in pairwise(listed)]
    if any(not _LIST_JOINT_RE.fullmatch(gap) for gap in between):
        return 0
    return len(listed)


def _candidate(s: Sentence, q: Quantity, m: Metric, rule: str, h: Hit) -> Candidate:
    minor = s.minor(q.start)
    before_minor = s.text[minor.start : q.start]
    return Candidate(
        metric=m.id,
        value=q.value,
        approx=q.approx,
        start=q.start,
        end=q.end,
        sentence=s.span,
        rule=rule,
        rank=h.phrasing.rank,
        part=s.has(s.cue("part"), s.span.start, q.start),
        local_topic=m.topic is None or s.has(m.topic, minor.start, max(minor.end, h.end)),
        increment=s.cue("increment").search(before_minor) is not None,
        total=s.has(s.cue("total"), s.major(q.start).start, q.start),
        scope=_scope(s, q.start),
        sentence_index=s.index,
        paragraph=s.paragraph()[0],
        weak=h.phrasing.weak,
        measure=q.measure,
    )


def _scope(s: Sentence, offset: int) -> str:
    """Given an offset, return "whole" or "sub" by the nearer whole (全年, 全镇) or sub-part
    (第一季度, 宣传周期间) cue before it in the sentence, or "" when there is none."""
    nearest = {}
    for name in ("whole", "sub_part"):
        ends = [m.end() for m in s.cue(name).finditer(s.text, s.span.start, offset)]
        if ends:
            nearest[name] = ends[-1]
    if not nearest:
        return ""
    return "whole" if max(nearest, key=nearest.get) == "whole" else "sub"
