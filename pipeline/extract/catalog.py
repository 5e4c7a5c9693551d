"""The metric catalog: a YAML file loaded and checked into frozen dataclasses.

``load_catalog(path)`` reads the file (default ``pipeline/data/catalog.yaml``), checks every entry
and compiles every phrasing once. A bad file raises ConfigError naming the file, the entry and
the field, and what was expected.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pipeline.config import DEFAULT_CATALOG, load_yaml
from pipeline.errors import ConfigError

SIDES = ("left", "right", "both")
KINDS = ("count", "rate")
INCREMENT_POLICIES = ("fallback", "drop")
TOPIC_SCOPES = ("sentence", "paragraph")
REQUIRED_CUES = (
    "plan", "plan_headings", "negation", "negation_after", "negation_direct", "negation_distributive", "part",
    "increment", "change_by", "change_from", "uncertain", "shared_rate", "respective", "not_done", "total", "whole", "sub_part",
    "venue_list",
)  # fmt: skip
_METRIC_KEYS = {
    "id", "dimension", "label", "unit", "kind", "measures", "phrasings", "weak_phrasings",
    "topic", "topic_scope", "excludes", "sentence_excludes", "paragraph_excludes", "weak_yields", "negatable",
    "increments", "full",
    "audience_of", "priority",
}  # fmt: skip
_PRACTICE_KEYS = {"id", "dimension", "label", "phrasings", "requires", "excludes", "all_of",
                  "list_of"}  # fmt: skip
_PHRASING_KEYS = {"phrase", "side", "rank", "requires", "excludes"}


@dataclass(frozen=True)
class Phrasing:
    """One way a report names a counted object, compiled."""

    source: str  # as written in the catalog
    regex: re.Pattern
    literal: str | None = None  # the text itself when the phrasing is not a regular expression
    side: str = "both"  # the object stands left of the number, right of it, or either
    rank: int = 1  # a higher rank loses to a lower one for the same document and metric
    weak: bool = False  # needs the metric's topic in the sentence
    requires: re.Pattern | None = None  # must appear in the sentence
    excludes: re.Pattern | None = None  # must not appear in the sentence


@dataclass(frozen=True)
class Metric:
    id: str
    dimension: str
    label: str
    unit: str
    kind: str  # count | rate
    measures: tuple[str, ...]
    phrasings: tuple[Phrasing, ...]
    topic: re.Pattern | None = None  # weak phrasings need it in the sentence
    topic_scope: str = "sentence"  # or "paragraph": the topic may be in the sentence's line
    excludes: re.Pattern | None = None  # must not appear in the number's clause
    sentence_excludes: re.Pattern | None = None  # must not appear in the number's sentence
    paragraph_excludes: re.Pattern | None = None  # must not appear in the number's paragraph
    weak_yields: bool = False  # a weak phrasing loses to an earlier strong one in the sentence
    negatable: bool = False  # "未发生 …" sets 0
    increments: str = "fallback"  # newly added counts: used only alone, or never (drop)
    full: tuple[re.Pattern, ...] = ()  # rates: wordings that mean 100 (全员通过)
    audience_of: tuple[str, ...] = ()  # people counted at these metrics' activities
    priority: int = 0  # wins ties between equally near phrasings

    @property
    def is_rate(self) -> bool:
        return self.kind == "rate"


@dataclass(frozen=True)
class Practice:
    id: str
    dimension: str
    label: str
    phrasings: tuple[Phrasing, ...]
    requires: re.Pattern | None = None
    excludes: re.Pattern | None = None
    all_of: tuple[re.Pattern, ...] = ()  # every group named in one paragraph also counts
    list_head: re.Pattern | None = None  # a list of venues after this head also counts
    list_item: re.Pattern | None = None
    list_min: int = 0


@dataclass(frozen=True)
class Catalog:
    path: str
    dimensions: tuple[tuple[str, str], ...]
    metrics: tuple[Metric, ...]
    practices: tuple[Practice, ...]
    cues: tuple[tuple[str, re.Pattern], ...]
    blockers: tuple[Phrasing, ...]
    audience: re.Pattern

    def metric(self, metric_id: str) -> Metric:
        """Given a metric id, return the Metric (KeyError when unknown)."""
        return self._metric_index[metric_id]

    def cue(self, name: str) -> re.Pattern:
        """Given a cue name, return its compiled pattern."""
        return self._cue_index[name]

    @cached_property
    def measures(self) -> tuple[str, ...]:
        """Every measure word of every metric, percent excluded, longest first."""
        seen = {m for metric in self.metrics for m in metric.measures if m != "%"}
        return tuple(sorted(seen, key=lambda m: (-len(m), m)))

    @cached_property
    def phrase_index(self) -> PhraseIndex:
        """Every metric phrasing and blocker, indexed for fast lookup (built once)."""
        entries = [(p, m) for m in self.metrics for p in m.phrasings]
        entries += [(p, None) for p in self.blockers]
        return PhraseIndex(entries)

    @cached_property
    def _metric_index(self) -> dict[str, Metric]:
        return {m.id: m for m in self.metrics}

    @cached_property
    def _cue_index(self) -> dict[str, re.Pattern]:
        return dict(self.cues)


class PhraseIndex:
    """Every phrasing, ready to be found fast: the literal ones as one prefix-tree regex (run
    in a lookahead, so matches starting at every position are found), the others one by one."""

    def __init__(self, entries: list[tuple[Phrasing, Metric | None]]):
        self.literals: dict[str, list[tuple[Phrasing, Metric | None]]] = {}
        self.regexes: list[tuple[Phrasing, Metric | None]] = []
        for phrasing, metric in entries:
            if phrasing.literal:
                self.literals.setdefault(phrasing.literal, []).append((phrasing, metric))
            else:
                self.regexes.append((phrasing, metric))
        self.trie = re.compile(f"(?=({_trie_pattern(list(self.literals))}))")
        self._text: str | None = None  # the text _present_regexes was last asked about
        self._present: list[tuple[Phrasing, Metric | None]] = []
        # Regexes always tried: those that depend on their context, and those opening with a
        # negated class (looking for them in a whole text costs more than it saves).
        self._always = [
            _depends_on_context(p.regex.pattern) or p.regex.pattern.startswith("[^")
            for p, _m in self.regexes
        ]

    def _present_regexes(self, text: str) -> list[tuple[Phrasing, Metric | None]]:
        """Given a document's text, return the regex phrasings that may match in a span of it:
        those found somewhere in the text, and those whose matches depend on what is around
        them (lookarounds, anchors). A context-free regex that matches in a span matches the
        same characters in the whole text, so one not found in the text matches in no span."""
        if text is not self._text:
            self._text = text
            self._present = [
                (p, m)
                for (p, m), always in zip(self.regexes, self._always, strict=True)
                if always or p.regex.search(text)
            ]
        return self._present

    def find(
        self, text: str, start: int, end: int
    ) -> list[tuple[int, int, Phrasing, Metric | None]]:
        """Given a span of text, return every phrasing match in it as (start, end, phrasing,
        metric); at one position the longest literal and every shorter one it begins with."""
        out = []
        literals = self.literals
        for m in self.trie.finditer(text, start, end):
            i, word = m.start(1), m.group(1)
            for k in range(len(word), 0, -1):
                for phrasing, metric in literals.get(word[:k], ()):
                    out.append((i, i + k, phrasing, metric))
        for phrasing, metric in self._present_regexes(text):
            for m in phrasing.regex.finditer(text, start, end):
                if m.end() > m.start():
                    out.append((m.start(), m.end(), phrasing, metric))
        return out


_CLASS_RE = re.compile(r"\[\^?\]?(?:\\.|[^\]\\])*\]")  # a character class, escapes included
_CONTEXT_RE = re.compile(r"\(\?<?[=!]|[\^$]|\\[bBAZ]")  # lookarounds, anchors, word bounds


def _depends_on_context(pattern: str) -> bool:
    """Given a regex source, return True when a match may depend on the text around it."""
    return _CONTEXT_RE.search(_CLASS_RE.sub("", pattern)) is not None


def _trie_pattern(words: list[str]) -> str:
    """Given words, return a regex matching the longest of them at a position (a prefix tree)."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie) or "(?!)"


def load_catalog(path: str | os.PathLike | None = None) -> Catalog:
    """Given a catalog YAML path (default: the shipped one), return the checked Catalog."""
    path = Path(path) if path is not None else DEFAULT_CATALOG
    data = load_yaml(path)
    return _build(data, _Where(str(path)))


class _Where:
    """Names the place of a value in the file, for error messages."""

    def __init__(self, file: str, entry: str = "", field: str = ""):
        self.file, self.entry, self.field = file, entry, field

    def at(self, entry: str = "", field: str = "") -> _Where:
        return _Where(self.file, entry or self.entry, field or self.field)

    def fail(self, problem: str) -> ConfigError:
        where = ", ".join(
            p for p in (self.entry, f"field {self.field!r}" if self.field else "") if p
        )
        return ConfigError(f"{self.file}: {where + ': ' if where else ''}{problem}")


_TOP_KEYS = {"version", "dimensions", "cues", "blockers", "metrics", "practices", "audience"}


def _build(data: Any, where: _Where) -> Catalog:
    if not isinstance(data, dict):
        raise where.fail("expected a mapping with dimensions, cues, metrics and practices")
    _check_keys(data, _TOP_KEYS, where)
    dimensions = _mapping_of_str(data.get("dimensions"), where.at("dimensions"))
    raw_cues = data.get("cues")
    if not isinstance(raw_cues, dict):
        raise where.at("cues").fail("expected a mapping of cue name -> list of phrasings")
    missing = [c for c in REQUIRED_CUES if c not in raw_cues]
    if missing:
        raise where.at("cues").fail(f"missing cue lists {missing}")
    cues = {
        name: _alternation(items, where.at(f"cue {name!r}"), refs={})
        for name, items in raw_cues.items()
    }
    blockers = tuple(
        _phrasing(p, where.at("blockers"), cues)
        for p in _list(data.get("blockers"), where.at("blockers"))
    )
    metrics = _metrics(data.get("metrics"), where, dimensions, cues)
    practices = _practices(data.get("practices"), where, dimensions, cues)
    audience = _alternation(data.get("audience") or [], where.at("audience"), cues)
    return Catalog(
        path=where.file,
        dimensions=tuple(dimensions.items()),
        metrics=metrics,
        practices=practices,
        cues=tuple(cues.items()),
        blockers=blockers,
        audience=audience,
    )


def _metrics(raw: Any, where: _Where, dimensions: dict, cues: dict) -> tuple[Metric, ...]:
    entries = _list(raw, where.at("metrics"))
    if not entries:
        raise where.at("metrics").fail("the catalog has no metrics")
    out: list[Metric] = []
    for i, entry in enumerate(entries):
        w = where.at(f"metrics[{i}]")
        if not isinstance(entry, dict):
            raise w.fail("expected a mapping")
        mid = _str(entry.get("id"), w.at(field="id"))
        w = where.at(f"metric {mid!r}")
        _check_keys(entry, _METRIC_KEYS, w)
        kind = entry.get("kind", "count")
        if kind not in KINDS:
            raise w.at(field="kind").fail(f"expected one of {list(KINDS)}, got {kind!r}")
        increments = entry.get("increments", "fallback")
        if increments not in INCREMENT_POLICIES:
            raise w.at(field="increments").fail(
                f"expected one of {list(INCREMENT_POLICIES)}, got {increments!r}"
            )
        strong = [
            _phrasing(p, w.at(field="phrasings"), cues)
            for p in _list(entry.get("phrasings") or [], w.at(field="phrasings"))
        ]
        weak = [
            _phrasing(p, w.at(field="weak_phrasings"), cues, weak=True)
            for p in _list(entry.get("weak_phrasings") or [], w.at(field="weak_phrasings"))
        ]
        if not strong and not weak:
            raise w.at(field="phrasings").fail("a metric needs at least one phrasing")
        measures = tuple(
            _str(m, w.at(field="measures"))
            for m in _list(entry.get("measures"), w.at(field="measures"))
        )
        if not measures:
            raise w.at(field="measures").fail("a metric needs at least one measure word")
        topic = entry.get("topic")
        topic_scope = entry.get("topic_scope", "sentence")
        if topic_scope not in TOPIC_SCOPES:
            raise w.at(field="topic_scope").fail(
                f"expected one of {list(TOPIC_SCOPES)}, got {topic_scope!r}"
            )
        out.append(
            Metric(
                id=mid,
                dimension=_dimension(entry.get("dimension"), w, dimensions),
                label=_str(entry.get("label"), w.at(field="label")),
                unit=_str(entry.get("unit"), w.at(field="unit")),
                kind=kind,
                measures=measures,
                phrasings=tuple(strong + weak),
                topic=_alternation(topic, w.at(field="topic"), cues) if topic else None,
                topic_scope=topic_scope,
                excludes=_optional_alternation(entry.get("excludes"), w.at(field="excludes"), cues),
                sentence_excludes=_optional_alternation(
                    entry.get("sentence_excludes"), w.at(field="sentence_excludes"), cues
                ),
                paragraph_excludes=_optional_alternation(
                    entry.get("paragraph_excludes"), w.at(field="paragraph_excludes"), cues
                ),
                weak_yields=_bool(entry.get("weak_yields", False), w.at(field="weak_yields")),
                negatable=_bool(entry.get("negatable", False), w.at(field="negatable")),
                increments=increments,
                full=tuple(
                    _compile(p, w.at(field="full"), cues)
                    for p in _list(entry.get("full") or [], w.at(field="full"))
                ),
                audience_of=tuple(_list(entry.get("audience_of") or [], w.at(field="audience_of"))),
                priority=_int(entry.get("priority", 0), w.at(field="priority")),
            )
        )
    _check_unique([m.id for m in out], where.at("metrics"))
    known = {m.id for m in out}
    for m in out:
        unknown = [a for a in m.audience_of if a not in known]
        if unknown:
            raise where.at(f"metric {m.id!r}", "audience_of").fail(f"unknown metric ids {unknown}")
    return tuple(out)


def _practices(raw: Any, where: _Where, dimensions: dict, cues: dict) -> tuple[Practice, ...]:
    out: list[Practice] = []
    for i, entry in enumerate(_list(raw or [], where.at("practices"))):
        w = where.at(f"practices[{i}]")
        if not isinstance(entry, dict):
            raise w.fail("expected a mapping")
        pid = _str(entry.get("id"), w.at(field="id"))
        w = where.at(f"practice {pid!r}")
        _check_keys(entry, _PRACTICE_KEYS, w)
        list_of = entry.get("list_of")
        head = item = None
        minimum = 0
        if list_of is not None:
            lw = w.at(field="list_of")
            if not isinstance(list_of, dict) or set(list_of) != {"head", "item", "min"}:
                raise lw.fail("expected a mapping with head, item and min")
            head = _compile(list_of["head"], lw, cues)
            item = _compile(list_of["item"], lw, cues)
            minimum = _int(list_of["min"], lw)
        out.append(
            Practice(
                id=pid,
                dimension=_dimension(entry.get("dimension"), w, dimensions),
                label=_str(entry.get("label"), w.at(field="label")),
                phrasings=tuple(
                    _phrasing(p, w.at(field="phrasings"), cues)
                    for p in _list(entry.get("phrasings"), w.at(field="phrasings"))
                ),
                requires=_optional_alternation(entry.get("requires"), w.at(field="requires"), cues),
                excludes=_optional_alternation(entry.get("excludes"), w.at(field="excludes"), cues),
                all_of=tuple(
                    _alternation(group, w.at(field="all_of"), cues)
                    for group in _list(entry.get("all_of") or [], w.at(field="all_of"))
                ),
                list_head=head,
                list_item=item,
                list_min=minimum,
            )
        )
    _check_unique([p.id for p in out], where.at("practices"))
    return tuple(out)


# --- phrasings and patterns ------------------------------------------------------------------


def _phrasing(raw: Any, where: _Where, cues: dict, weak: bool = False) -> Phrasing:
    """Given a catalog phrasing (string or mapping), return it compiled."""
    if isinstance(raw, dict):
        _check_keys(raw, _PHRASING_KEYS, where)
        source = _str(raw.get("phrase"), where)
        side = raw.get("side", "both")
        if side not in SIDES:
            raise where.fail(f"side of {source!r} must be one of {list(SIDES)}, got {side!r}")
        return Phrasing(
            source=source,
            regex=_compile(source, where, cues),
            literal=_literal(source),
            side=side,
            rank=_int(raw.get("rank", 1), where),
            weak=weak,
            requires=_optional_alternation(raw.get("requires"), where, cues),
            excludes=_optional_alternation(raw.get("excludes"), where, cues),
        )
    source = _str(raw, where)
    return Phrasing(
        source=source, regex=_compile(source, where, cues), literal=_literal(source), weak=weak
    )


def _literal(source: str) -> str | None:
    return None if source.startswith(("re:", "@")) else source


def _pattern_source(item: Any, where: _Where, cues: dict) -> str:
    """Given a phrasing string, return its regex source: literal, "re:..." or "@cue"."""
    text = _str(item, where)
    if text.startswith("re:"):
        return text[3:]
    if text.startswith("@"):
        if text[1:] not in cues:
            raise where.fail(f"unknown cue {text!r}; cues are {sorted(cues)}")
        return cues[text[1:]].pattern
    return re.escape(text)


def _compile(item: Any, where: _Where, cues: dict) -> re.Pattern:
    source = _pattern_source(item, where, cues)
    try:
        return re.compile(source)
    except re.error as e:
        raise where.fail(f"{item!r} is not a valid regular expression: {e}") from None


def _alternation(items: Any, where: _Where, refs: dict) -> re.Pattern:
    """Given a list of phrasings, return one compiled alternation (longest first)."""
    if isinstance(items, str):
        items = [items]
    sources = [_pattern_source(i, where, refs) for i in _list(items, where)]
    if not sources:
        raise where.fail("expected at least one phrasing")
    sources.sort(key=len, reverse=True)
    try:
        return re.compile("|".join(f"(?:{s})" for s in sources))
    except re.error as e:
        raise where.fail(f"not a valid regular expression: {e}") from None


def _optional_alternation(items: Any, where: _Where, refs: dict) -> re.Pattern | None:
    return _alternation(items, where, refs) if items else None


# --- plain value checks ------------------------------------------------------------------------


def _list(value: Any, where: _Where) -> list:
    if not isinstance(value, list):
        raise where.fail(f"expected a list, got {type(value).__name__}")
    return value


def _str(value: Any, where: _Where) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise where.fail(f"expected a non-empty string, got {value!r}")
    return value


def _int(value: Any, where: _Where) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise where.fail(f"expected an integer, got {value!r}")
    return value


def _bool(value: Any, where: _Where) -> bool:
    if not isinstance(value, bool):
        raise where.fail(f"expected true or false, got {value!r}")
    return value


def _mapping_of_str(value: Any, where: _Where) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise where.fail("expected a mapping of id -> label")
    return {_str(k, where): _str(v, where.at(field=str(k))) for k, v in value.items()}


def _dimension(value: Any, where: _Where, dimensions: dict) -> str:
    dim = _str(value, where.at(field="dimension"))
    if dim not in dimensions:
        raise where.at(field="dimension").fail(
            f"unknown dimension {dim!r}; known: {sorted(dimensions)}"
        )
    return dim


def _check_keys(entry: dict, allowed: set, where: _Where) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise where.fail(f"unknown fields {unknown}; allowed: {sorted(allowed)}")


def _check_unique(ids: list[str], where: _Where) -> None:
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise where.fail(f"duplicate ids {dupes}")
