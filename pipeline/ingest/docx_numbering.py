"""Word's automatic list numbering (numbering.xml, numbered styles), rendered as Word shows it.

Report headings are often numbered by Word rather than typed: "一、", "（一）", "1." exist only
as a list level definition. Rendering them keeps the heading markers in the text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from lxml import etree

W_NAMESPACES = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",  # strict OOXML
)


def local_name(tag) -> str:
    """Given an lxml tag, return its local name ('' for comments and processing instructions)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def w_attr(el, name: str) -> str | None:
    for ns in W_NAMESPACES:
        value = el.get(f"{{{ns}}}{name}")
        if value is not None:
            return value
    return None


_CN_DIGITS = "零一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_HEAVENLY = "甲乙丙丁戊己庚辛壬癸"
_ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


def chinese_count(n: int, digits: str = _CN_DIGITS) -> str:
    """Given 1..9999, return it in Chinese counting numerals: 十一, 二十, 一百零五."""
    if n <= 0 or n > 9999:
        return str(n)
    units = ("", "十", "百", "千")
    out, zero = "", False
    for power in range(3, -1, -1):
        d = n // 10**power % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += digits[0]
            zero = False
        out += ("" if d == 1 and power == 1 and not out else digits[d]) + units[power]
    return out


def _roman(n: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        while n >= value:
            out, n = out + letters, n - value
    return out


def format_number(n: int, fmt: str) -> str:
    """Given a counter and a Word numFmt, return the number as Word shows it."""
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "taiwaneseCounting",
        "taiwaneseCountingThousand",
        "japaneseCounting",
    ):
        return chinese_count(n)
    if fmt == "chineseLegalSimplified":
        return chinese_count(n, _CN_LEGAL)
    if fmt in ("ideographDigital", "taiwaneseDigital"):
        return "".join(_CN_DIGITS[int(d)] for d in str(n))
    if fmt == "ideographTraditional" and 1 <= n <= 10:
        return _HEAVENLY[n - 1]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt in ("upperLetter", "lowerLetter"):
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman"):
        return _roman(n) if fmt == "upperRoman" else _roman(n).lower()
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


@dataclass(frozen=True)
class _Level:
    fmt: str
    text: str  # lvlText, e.g. "%1、" or "（%2）"
    start: int
    suffix: str  # after the marker: tab / space / nothing


class Numbering:
    """Word's automatic list numbering: renders the marker of each numbered paragraph in order."""

    def __init__(self, levels: dict[str, dict[int, _Level]], styles: dict[str, tuple[str, int]]):
        self.levels = levels  # numId -> level -> definition
        self.styles = styles  # paragraph style id -> (numId, level)
        self.counters: dict[str, list[int]] = {}

    def marker(self, p) -> str:
        """Given a w:p element, return its list marker ('' when not numbered), advancing counters."""
        num_id, ilvl = self._num_of(p)
        levels = self.levels.get(num_id or "")
        if not levels or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(num_id, [0] * 9)
        if counters[ilvl] == 0:
            counters[ilvl] = levels[ilvl].start
        else:
            counters[ilvl] += 1
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = 0
        level = levels[ilvl]
        if level.fmt == "bullet":
            return ""
        text = level.text
        for i in range(9):
            if f"%{i + 1}" in text:
                value = counters[i] or (levels[i].start if i in levels else 1)
                fmt = levels[i].fmt if i in levels else "decimal"
                text = text.replace(f"%{i + 1}", format_number(value, fmt))
        return text + ("" if level.suffix == "nothing" else " ")

    def _num_of(self, p) -> tuple[str | None, int]:
        ppr = next((c for c in p if local_name(c.tag) == "pPr"), None)
        if ppr is None:
            return None, 0
        num_pr = next((c for c in ppr if local_name(c.tag) == "numPr"), None)
        if num_pr is not None:
            num_id = ilvl = None
            for c in num_pr:
                if local_name(c.tag) == "numId":
                    num_id = w_attr(c, "val")
                elif local_name(c.tag) == "ilvl":
                    ilvl = w_attr(c, "val")
            return num_id, _level(ilvl)
        style = next((c for c in ppr if local_name(c.tag) == "pStyle"), None)
        if style is not None:
            return self.styles.get(w_attr(style, "val") or "", (None, 0))
        return None, 0


def _level(value: str | None) -> int:
    """Given a w:ilvl value, return the list level 0..8 (0 when missing or malformed)."""
    try:
        return max(0, min(int(value or "0"), 8))
    except ValueError:
        return 0


def _count(value: str | None, default: int = 1) -> int:
    """Given a w:start value, return the counter start (``default`` when missing or malformed)."""
    try:
        return max(0, min(int(value or ""), 10**6))
    except ValueError:
        return default


def _child(el, name: str):
    return next((c for c in el if local_name(c.tag) == name), None)


def _val(el, name: str) -> str | None:
    c = _child(el, name) if el is not None else None
    return w_attr(c, "val") if c is not None else None


def _levels_of(abstract) -> dict[int, _Level]:
    levels = {}
    for lvl in (c for c in abstract if local_name(c.tag) == "lvl"):
        levels[_level(w_attr(lvl, "ilvl"))] = _Level(
            fmt=_val(lvl, "numFmt") or "decimal",
            text=_val(lvl, "lvlText") or "",
            start=_count(_val(lvl, "start")),
            suffix=_val(lvl, "suff") or "tab",
        )
    return levels


def read_numbering(parts: dict[str, bytes], parser: etree.XMLParser) -> Numbering | None:
    """Given the numbering and styles parts (bytes by kind), return the document's Numbering."""
    if "numbering" not in parts:
        return None
    root = etree.fromstring(parts["numbering"], parser)
    abstract = {
        w_attr(a, "abstractNumId"): _levels_of(a)
        for a in root
        if local_name(a.tag) == "abstractNum"
    }
    levels: dict[str, dict[int, _Level]] = {}
    for num in (c for c in root if local_name(c.tag) == "num"):
        base = dict(abstract.get(_val(num, "abstractNumId"), {}))
        for override in (c for c in num if local_name(c.tag) == "lvlOverride"):
            ilvl = _level(w_attr(override, "ilvl"))
            start = _val(override, "startOverride")
            if start is not None and ilvl in base:
                base[ilvl] = replace(base[ilvl], start=_count(start))
        levels[w_attr(num, "numId") or ""] = base
    return Numbering(levels, _style_numbering(parts.get("styles"), parser))


def _style_numbering(data: bytes | None, parser: etree.XMLParser) -> dict[str, tuple[str, int]]:
    """Given the styles part, return paragraph style id -> (numId, level) for numbered styles."""
    if not data:
        return {}
    root = etree.fromstring(data, parser)
    direct: dict[str, tuple[str | None, int | None]] = {}
    based: dict[str, str] = {}
    for style in (c for c in root if local_name(c.tag) == "style"):
        sid = w_attr(style, "styleId") or ""
        ppr = _child(style, "pPr")
        num_pr = _child(ppr, "numPr") if ppr is not None else None
        if num_pr is not None:
            ilvl = _val(num_pr, "ilvl")
            direct[sid] = (_val(num_pr, "numId"), _level(ilvl) if ilvl is not None else None)
        parent = _val(style, "basedOn")
        if parent:
            based[sid] = parent
    result = {}
    for sid in set(direct) | set(based):
        num_id, ilvl, cur = None, None, sid
        for _ in range(10):  # follow basedOn; a cycle stops here
            n, lv = direct.get(cur, (None, None))
            num_id = num_id or n
            ilvl = ilvl if ilvl is not None else lv
            if cur not in based:
                break
            cur = based[cur]
        if num_id and num_id != "0":
            result[sid] = (num_id, ilvl or 0)
    return result
