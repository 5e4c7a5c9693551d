"""Chinese and Arabic numbers in report text: what they are worth and whether they are counts.

``parse_numeral("一百二十余")`` returns ``(120.0, True)``: the value and whether it is approximate.
``find_quantities(text, measures)`` returns every number of the text with its span, value, the
measure word written after it and, for numbers that are not counts (years, dates, document
numbers, ordinals, quoted names, law titles, hotlines, frequencies, minimums...), the reason.

Text is normalized (NFKC) first, so full-width digits, commas and percent signs are ASCII; a
Chinese comma between two numbers is then also ',' and only groups of exactly three digits are
read as thousands ("12,000" is 12000; "3,5" is 3 and 5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

CN_DIGITS = {
    "零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
    "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9,
}  # fmt: skip
CN_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_BIG_UNITS = {"万": 10**4, "亿": 10**8}
CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(CN_SMALL_UNITS) + "".join(CN_BIG_UNITS)

# Measure words (classifiers) after which a Chinese numeral is read as a count. The catalog
# passes its own list; this one serves callers that have none.
DEFAULT_MEASURES = (
    "人次", "场次", "批次", "户次", "件次", "期次", "个次",
    "次", "场", "期", "件", "起", "宗", "个", "项", "条", "名", "人", "位", "份", "册",
    "本", "张", "家", "所", "轮", "批", "篇", "户", "班", "堂", "节", "类", "处",
)  # fmt: skip

APPROX_INNER = ("余", "多", "来", "几")  # 三十余, 5000多, 十来, 十几: inside the numeral
APPROX_AFTER = ("以上", "左右", "有余", "余", "多")  # 5名以上, 10分钟左右: after the measure


@dataclass(frozen=True)
class Quantity:
    """One number of the text.

    ``start``/``end`` span the numeral as written (with an inner 余/多), ``measure`` is the
    measure word right after it ("%" for percents, "" when none) and ``measure_end`` the offset
    where it ends. ``skip`` is "" for a count or the reason the number is not one.
    """

    start: int
    end: int
    value: float
    approx: bool
    measure: str
    measure_end: int
    skip: str = ""

    @property
    def percent(self) -> bool:
        return self.measure == "%"


class NumeralError(ValueError):
    """A string that looks like a numeral but is not a well-formed one."""


def parse_numeral(text: str) -> tuple[float, bool]:
    """Given a numeral ("12,000", "1.2万", "一百二十余", "百分之九十八点五"), return (value, approx).

    Raises NumeralError when the string is not a numeral.
    """
    s = text.strip()
    if not s:
        raise NumeralError("empty numeral")
    percent = False
    if s.startswith("百分之"):
        s, percent = s[3:], True
    elif s.endswith("%"):
        s, percent = s[:-1].rstrip(), True
    approx = False
    while s and s[-1] in APPROX_INNER:
        approx = True
        s = s[:-1]
    if not s:
        raise NumeralError(f"no digits in {text!r}")
    value = _parse_plain(s)
    if percent and not 0 <= value <= 1000:
        raise NumeralError(f"percent out of range in {text!r}")
    return value, approx


_ARABIC_FULL_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


def _parse_plain(s: str) -> float:
    """Given a numeral without percent or approximation marks, return its value."""
    if _ARABIC_FULL_RE.fullmatch(s):
        return float(s.replace(",", ""))
    tokens = _numeral_tokens(s)
    if "点" in tokens:
        return _parse_decimal(tokens, s)
    if all(isinstance(t, (int, float)) for t in tokens):
        return _digit_string(tokens, s)
    return float(_parse_with_units(tokens, s))


def _numeral_tokens(s: str) -> list:
    """Given a numeral, return its parts: numbers (Arabic literals or Chinese digits) and units."""
    tokens: list = []
    i = 0
    while i < len(s):
        m = _ARABIC_FULL_RE.match(s, i)
        if m:
            tokens.append(float(m.group().replace(",", "")))
            i = m.end()
            continue
        ch = s[i]
        if ch in CN_DIGITS:
            tokens.append(CN_DIGITS[ch])
        elif ch in CN_SMALL_UNITS or ch in CN_BIG_UNITS or ch == "点":
            tokens.append(ch)
        else:
            raise NumeralError(f"{ch!r} is not part of a numeral in {s!r}")
        i += 1
    return tokens


def _digit_string(tokens: list, s: str) -> float:
    """Given digits only ("二〇二三", "12"), return them read one after the other."""
    if len(tokens) == 1:
        return float(tokens[0])
    if len(tokens) < 3 or any(not isinstance(t, int) for t in tokens):
        raise NumeralError(f"numbers without a unit in {s!r}")
    return float("".join(str(t) for t in tokens))


def _parse_decimal(tokens: list, s: str) -> float:
    """Given tokens with 点 ("九十八点五", "三点五万"), return the decimal value."""
    cut = tokens.index("点")
    head, tail = tokens[:cut], tokens[cut + 1 :]
    scale = 1
    if tail and tail[-1] in CN_BIG_UNITS:
        scale = CN_BIG_UNITS[tail.pop()]
    if not tail or not all(isinstance(t, int) for t in tail):
        raise NumeralError(f"bad decimal part in {s!r}")
    whole = _parse_with_units(head, s) if head else 0
    frac = float("0." + "".join(str(t) for t in tail))
    return (whole + frac) * scale


def _parse_with_units(tokens: list, s: str) -> float:
    """Given tokens with units ("一万二千", "1.2万", "三千五"), return the value."""
    for big in ("亿", "万"):
        if big in tokens:
            cut = tokens.index(big)
            head, tail = tokens[:cut], tokens[cut + 1 :]
            high = _parse_with_units(head, s) if head else 1
            unit = CN_BIG_UNITS[big]
            if len(tail) == 1 and not isinstance(tail[0], str) and 0 < tail[0] < 10:
                return high * unit + tail[0] * unit / 10  # 一万二 = 12000, 1万2 = 12000
            return high * unit + (_parse_with_units(tail, s) if tail else 0)
    return _parse_small(tokens, s)


def _parse_small(tokens: list, s: str) -> float:
    """Given tokens below 万 ("一百零五", "十二", "3千", "三千五"), return the value."""
    value = 0.0
    num: float | None = None
    last_unit = 10**4
    zero_seen = False
    for t in tokens:
        if isinstance(t, (int, float)):
            if num is not None and num != 0:
                raise NumeralError(f"two digits without a unit in {s!r}")
            if t == 0:
                zero_seen = True
            num = t
        else:
            unit = CN_SMALL_UNITS[t]
            if unit >= last_unit:
                raise NumeralError(f"units out of order in {s!r}")
            value += (num if num else 1) * unit
            num, last_unit, zero_seen = None, unit, False
    if num:
        abbreviated = last_unit > 10 and last_unit < 10**4 and not zero_seen and num < 10
        value += num * last_unit / 10 if abbreviated else num  # 三千五 = 3500
    return value


# ---------------------------------------------------------------------------------------------
# Finding numbers in text

_CN_CLASS = "零〇○一二两三四五六七八九十百千万亿"

_NUMBER_PATTERN = r"""
    (?P<pct_cn> 百分之 (?P<pct_cn_num> [零〇○一二两三四五六七八九十百]+ (?:点[零〇○一二三四五六七八九]+)? ) )
  | (?P<pre> 约 | 大约 | 近 | 将近 | 接近 | 逾 | 超过 | 多达 | 上 (?=[万千百]) )?   # approx cue before
    (?P<num>
        (?P<arabic> (?<![0-9A-Za-z.]) (?: \d{1,3}(?:,\d{3})+ (?![0-9]) | \d+ ) (?:\.\d+)? )
        (?P<arabic_unit> [十百千万亿]{1,2} (?:[一二两三四五六七八九](?![十百千万亿]))? )?  # 1.2万, 3千, 1万2
      | (?P<cn> (?<![零〇○一二两三四五六七八九十百千万亿])
                [零〇○一二两三四五六七八九十百千万亿]+ (?:点[零〇○一二三四五六七八九]+)? )  # 一百二十, 两, 万
    )
    (?P<inner> 余 | 多 | 来 | 几 )?                         # 三十余, 5000多: approximate
    \s?
    (?: (?P<pct> % )                                        # 98.5%
      | (?P<measure> {measures} ) (?P<after> 以上 | 左右 | 有余 )?  # 12件, 5名以上
    )?
"""

# Context that makes a number something other than a count; each is checked around the match.
_YEAR_AFTER_RE = re.compile(r"\s?(?:年|年度|届|级|版|[-—–~～/至]\s?\d)")
_YEAR_RANGE_BEFORE_RE = re.compile(r"\d{4}\s?[-—–~～至]\s?$")
_DATE_AFTER_RE = re.compile(r"\s?(?:月|日|号|时|:\d|点\d|[·•・]\d)")
_DATE_BEFORE_RE = re.compile(r"(?:[·•・]|\d[-/]|\d月|\d:)\s?$")
_LIST_MARK_AFTER_RE = re.compile(r"[.、)](?!\d)")
_PER_BEFORE_RE = re.compile(r"每[^,;。:!?\n]{0,4}$")  # 每月1次, 每两月1次: a frequency
_MINIMUM_BEFORE_RE = re.compile(r"(?:不少于|不低于|至少|不超过|不多于|力争|争取|达到\d)\s?$")
_PLENUM_RE = re.compile(r"\s?(?:全会|全体会议|次全会|次党代会|次代表大会)")
_HOTLINE_AFTER_RE = re.compile(r"[^,;。\n]{0,10}(?:热线|专线|服务平台)")
_CODE_RE = re.compile(r"\+\s?(?:\d|[A-Za-z])|(?:\d|[A-Za-z])\s?\+$")
_RANGE_BEFORE_RE = re.compile(r"(?<![\d-])\d{1,3}\s?[-—–~～至]\s?$")  # 3-5次: the 5
_RANGE_AFTER_RE = re.compile(r"\s?(?:[-—–~～至到]\s?\d)")
_OPEN_QUOTES = '“‘「『"'
_CLOSE_QUOTES = '”’」』"'


@lru_cache(maxsize=16)
def _number_regex(measures: tuple[str, ...]) -> re.Pattern:
    """Given measure words, return the compiled number regex (longest measure first)."""
    ordered = sorted(set(measures), key=len, reverse=True)
    alternation = "|".join(re.escape(m) for m in ordered) or "(?!)"
    return re.compile(_NUMBER_PATTERN.replace("{measures}", alternation), re.VERBOSE)


def find_quantities(text: str, measures: tuple[str, ...] = DEFAULT_MEASURES) -> list[Quantity]:
    """Given text and measure words, return every number in it, counts and non-counts alike.

    Arabic numbers are always returned; Chinese numerals only when a measure word, an
    approximation mark or a percent follows (一是, 统一 and 十四五 are words, not numbers).
    """
    out = []
    for m in _number_regex(tuple(measures)).finditer(text):
        q = _match_to_quantity(text, m)
        if q is not None:
            out.append(q)
    return out


def _match_to_quantity(text: str, m: re.Match) -> Quantity | None:
    """Given a regex match, return the Quantity it stands for, or None when it is not a number."""
    if m.group("pct_cn"):
        try:
            value, approx = parse_numeral(m.group("pct_cn"))
        except NumeralError:
            return None
        start, end = m.span("pct_cn")
        return Quantity(start, end, value, approx, "%", end, _skip_reason(text, start, end, m))
    if not m.group("num"):
        return None
    cn = m.group("cn")
    measure = m.group("measure") or ("%" if m.group("pct") else "")
    inner = m.group("inner") or ""
    if cn and not (measure or inner in ("余", "多")):
        return None  # a Chinese numeral alone is a word (一是, 统一, 十四五)
    if cn and cn[0] in "千万亿百" and not (m.group("pre") or inner):
        return None  # 万人大会, 千家万户: a bare unit is a number only as 万余 or 近万
    if inner == "几" and not cn:
        return None
    start, end = m.start("num"), m.end("inner") if inner else m.end("num")
    try:
        value, approx = parse_numeral(text[start:end].replace(" ", ""))
    except NumeralError:
        return None
    approx = approx or bool(m.group("pre")) or bool(m.group("after"))
    if measure and not m.group("after"):
        approx = approx or text.startswith(APPROX_AFTER[:3], m.end())
    measure_end = m.end() if measure else end
    skip = _skip_reason(text, start, end, m)
    return Quantity(start, end, value, approx, measure, measure_end, skip)


def _skip_reason(text: str, start: int, end: int, m: re.Match) -> str:
    """Given a number's span, return why it is not a count, or "" when it may be one."""
    before = text[max(0, start - 12) : start]
    after = text[end : end + 12]
    arabic = m.group("arabic") if m.group("num") else None
    measure = m.group("measure") if m.group("num") else None
    if _inside(text, start, "《", "》", 60):
        return "title"
    if _inside_quotes(text, start, end):
        return "quoted"
    if arabic and "." not in arabic and "," not in arabic and len(arabic) == 4:
        year = int(arabic)
        if (
            1949 <= year <= 2100
            and not measure
            and (
                _YEAR_AFTER_RE.match(after)
                or before.endswith(("〔", "[", "("))
                or _YEAR_RANGE_BEFORE_RE.search(before)
            )
        ):
            return "year"
    if before.endswith("第"):
        return "ordinal"
    if arabic and _is_list_marker(text, start, end):
        return "ordinal"
    if _RANGE_BEFORE_RE.search(before):
        return "range"
    if before.endswith(("〔", "[")) or after.lstrip().startswith(("号", "〕", "]")):
        return "document_number"
    if _DATE_BEFORE_RE.search(before) or (not measure and _DATE_AFTER_RE.match(after)):
        return "date"
    if _CODE_RE.search(text[max(0, start - 2) : start]) or _CODE_RE.match(after):
        return "code"
    if before.endswith("届") or (measure == "次" and _PLENUM_RE.match(text, m.end())):
        return "plenum"
    if arabic and not measure and _HOTLINE_AFTER_RE.match(after):
        return "hotline"
    if _PER_BEFORE_RE.search(before):
        return "frequency"
    if _MINIMUM_BEFORE_RE.search(before):
        return "minimum"
    if not measure and _RANGE_AFTER_RE.match(after):
        return "range"
    return ""


def _is_list_marker(text: str, start: int, end: int) -> bool:
    """Given an Arabic number's span, return True for a list marker: "1." or "(2)" opening a line."""
    line_start = text.rfind("\n", 0, start) + 1
    lead = text[line_start:start].strip(" \t|")
    if lead in ("", "(") and _LIST_MARK_AFTER_RE.match(text, end):
        return True
    return text[start - 1 : start] == "(" and text[end : end + 1] == ")"


def _inside(text: str, pos: int, opener: str, closer: str, reach: int) -> bool:
    """Given a position, return True when it lies between opener and closer within reach."""
    left = text.rfind(opener, max(0, pos - reach), pos)
    if left < 0 or text.rfind(closer, left, pos) >= 0:
        return False
    right = text.find(closer, pos, pos + reach)
    return right >= 0 and text.rfind(opener, pos, right) < 0


def _inside_quotes(text: str, start: int, end: int) -> bool:
    """Given a span, return True when a short quotation holds it (“1310”, "八五", ‘12·4’)."""
    reach = 16
    lo = max(0, start - reach)
    left = text[lo:start]
    right = text[end : end + reach]
    opens = [i for i, ch in enumerate(left) if ch in _OPEN_QUOTES]
    if not opens:
        return False
    o = opens[-1]
    if any(ch in _CLOSE_QUOTES and ch != '"' for ch in left[o + 1 :]) or "\n" in left[o:]:
        return False
    if left[o] == '"' and left[:o].count('"') % 2 == 1:
        return False  # that ASCII quote closes an earlier quotation
    return any(ch in _CLOSE_QUOTES for ch in right.split("\n", 1)[0])
