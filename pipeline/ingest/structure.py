"""The heading tree of a report, the kind of each top-level part, and the required items.

A report is a tree of numbered headings (一、 / (一) / 1. / (1)) with inline enumerations
(一是…二是…). Levels follow the conventional order of marker styles among the styles the
document actually uses, so a report whose top level is "(一)" still gets level 1 there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.config import DEFAULT_STRUCTURE, load_yaml
from pipeline.errors import ConfigError
from pipeline.ingest.headings import INLINE_ENUM_RE, MARKER_STYLES, match_marker
from pipeline.ingest.model import Section

_STYLE_ORDER = [name for name, _ in MARKER_STYLES]
KINDS = ("achievements", "problems", "plans", "other")

# An unnumbered heading line: short, no sentence punctuation, names a report part.
_BARE_HEADING_RE = re.compile(r"^(?:[^。;;,,:]{2,30})$")
_BARE_HEADING_WORDS_RE = re.compile(
    r"(?:主要举措|主要成效|工作开展情况|主要工作|存在(?:的)?(?:问题|不足)|问题(?:和|与)不足|"
    r"下一步|工作(?:打算|计划|思路|安排)|第一责任人|其他需要报告)"
)


@dataclass(frozen=True)
class StructureRules:
    kinds: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]
    items: dict[str, dict[str, object]]


@lru_cache(maxsize=8)
def load_rules(path: str | None = None) -> StructureRules:
    """Given a structure YAML path (default: the shipped one), return compiled rules."""
    data = load_yaml(path or DEFAULT_STRUCTURE)
    try:
        kinds = tuple(
            (kind, tuple(re.compile(p) for p in data["kinds"][kind])) for kind in data["kinds"]
        )
        items = {
            name: {
                "kinds": tuple(spec.get("kinds", ())),
                "headings": tuple(re.compile(p) for p in spec.get("headings", ())),
                "body": tuple(re.compile(p) for p in spec.get("body", ())),
            }
            for name, spec in data["required_items"].items()
        }
    except (KeyError, TypeError, re.error) as e:
        raise ConfigError(f"{path or DEFAULT_STRUCTURE}: invalid structure rules: {e}") from None
    unknown = {k for k, _ in kinds} - set(KINDS)
    if unknown:
        raise ConfigError(f"{path or DEFAULT_STRUCTURE}: unknown kinds {sorted(unknown)}")
    return StructureRules(kinds, items)


def classify_title(title: str, rules: StructureRules | None = None) -> str:
    """Given a top-level heading title, return its kind."""
    rules = rules or load_rules()
    for kind, patterns in rules.kinds:
        if any(p.search(title) for p in patterns):
            return kind
    return "achievements"


@dataclass(frozen=True)
class _Heading:
    style: str
    number: str
    title: str
    start: int


def _line_headings(text: str) -> list[_Heading]:
    """Given normalized text, return the numbered and bare headings that start lines."""
    out = []
    offset = 0
    for line in text.split("\n"):
        marker = match_marker(line)
        if marker:
            out.append(_Heading(marker.style, marker.number, marker.title, offset))
        elif _BARE_HEADING_RE.match(line) and _BARE_HEADING_WORDS_RE.search(line):
            out.append(_Heading("bare", "", line, offset))
        offset += len(line) + 1
    return out


def _inline_enumerations(text: str, start: int, end: int) -> list[_Heading]:
    """Given a span of text, return its 一是…二是… items (title: the clause after the marker)."""
    out = []
    for m in INLINE_ENUM_RE.finditer(text, start, end):
        rest = text[m.end(1) : end]
        clause = re.split(r"[。;;,,:\n]", rest, maxsplit=1)[0]
        out.append(_Heading("inline", m.group(1), clause[:40], m.start(1)))
    return out


def parse_sections(text: str, rules: StructureRules | None = None) -> tuple[Section, ...]:
    """Given normalized text, return its headings as Sections, in text order.

    Every heading's part ends where the next heading of the same or a higher level starts.
    Top-level parts get a kind; deeper headings inherit their part's kind.
    """
    rules = rules or load_rules()
    headings = _line_headings(text)
    used = [s for s in _STYLE_ORDER if any(h.style == s for h in headings)]
    has_numbered_top = bool(used)
    level_of = {style: i + 1 for i, style in enumerate(used)}
    # Bare headings ("存在的问题" on its own line) are top-level when the document has no
    # numbered top level, else they sit at level 1 only if they name a report part.
    level_of["bare"] = 1
    if has_numbered_top:
        headings = [h for h in headings if h.style != "bare" or _names_a_part(h.title, rules)]
    levels = [level_of[h.style] for h in headings]
    ends = _part_ends(headings, levels, signoff_start(text))
    sections: list[Section] = []
    kind = "other"
    for h, level, end in zip(headings, levels, ends, strict=True):
        if level == 1:
            kind = classify_title(h.title, rules)
        sections.append(Section(level, h.number, h.title, kind, h.start, end))
    sections.extend(_enumeration_sections(text, sections, headings, ends))
    sections.sort(key=lambda s: (s.start, s.level))
    return tuple(sections)


# Lines of the sign-off block at the end: issuing bodies, a date, 抄送, 印发, 联系人.
_SIGNOFF_LINE_RE = re.compile(
    r"^(?:(?:中共|中国共产党)?[\u4e00-\u9fff]{2,20}(?:委员会|人民政府|办事处|党委|党工委|政府|办公室)"
    r"|(?:20\d\d|[二〇零一三四五六七八九]{4})\s*年.{1,6}日(?:印发)?|抄送.*|.*印发$|联系人.*|联系电话.*"
    r"|附件.*)$"
)


def signoff_start(text: str) -> int:
    """Given normalized text, return the offset where the closing sign-off block starts."""
    lines = text.split("\n")
    offset = len(text)
    for line in reversed(lines[-10:]):
        if len(line) <= 40 and _SIGNOFF_LINE_RE.match(line):
            offset -= len(line) + 1
        else:
            break
    return max(offset, 0) if offset < len(text) else len(text)


def _names_a_part(title: str, rules: StructureRules) -> bool:
    return classify_title(title, rules) in ("problems", "plans", "other")


def _part_ends(headings: list[_Heading], levels: list[int], text_end: int) -> list[int]:
    ends = []
    for i, level in enumerate(levels):
        end = text_end
        for j in range(i + 1, len(headings)):
            if levels[j] <= level:
                end = headings[j].start
                break
        ends.append(end)
    return ends


def _enumeration_sections(text, sections, headings, ends) -> list[Section]:
    """Given the line sections, return the inline 一是… items of each, one level below."""
    out = []
    bounds = [(s, s.start, _body_end(s, sections)) for s in sections] or []
    if not sections:
        bounds = [(None, 0, len(text))]
    for section, start, end in bounds:
        items = _inline_enumerations(text, start, end)
        if len(items) < 2 or not items[0].number.startswith("一"):
            continue
        level = (section.level + 1) if section else 1
        kind = section.kind if section else "other"
        for i, item in enumerate(items):
            item_end = items[i + 1].start if i + 1 < len(items) else end
            out.append(Section(level, item.number, item.title, kind, item.start, item_end))
    return out


def _body_end(section: Section, sections) -> int:
    """Given a section, return where its own text ends (its first sub-heading, or its end)."""
    for s in sections:
        if s.start > section.start and s.level > section.level and s.start < section.end:
            return s.start
    return section.end


def required_items(
    text: str, sections: tuple[Section, ...], rules: StructureRules | None = None
) -> dict[str, bool]:
    """Given text and sections, return which required report items are present."""
    rules = rules or load_rules()
    present = {}
    top_kinds = {s.kind for s in sections if s.level == 1}
    titles = [s.title for s in sections if s.number != "" or s.level == 1]
    for name, spec in rules.items.items():
        found = any(k in top_kinds for k in spec["kinds"])
        found = found or any(p.search(t) for p in spec["headings"] for t in titles)
        found = found or any(p.search(text) for p in spec["body"])
        present[name] = found
    return present


def structure_file_default() -> Path:
    return DEFAULT_STRUCTURE
