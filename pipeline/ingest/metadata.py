"""Document metadata from the text (title, header, sign-off), with the path as fallback.

The text is the first source: a report names its township and year in its title and its issuing
bodies in the sign-off. The path ``<county>/<year>/<township>.<ext>`` is the fallback; where text
and path disagree the document gets a warning naming both values, never a silent choice.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import PurePosixPath

from pipeline.ingest.model import Metadata
from pipeline.ingest.structure import signoff_start

HAN = "\u4e00-\u9fff"
CN_NUM = "〇零一二三四五六七八九十"

# How far into the document the title block may reach (characters).
HEAD_CHARS = 700

# A township-level unit: a name of 2-6 characters ending in 镇, 乡 (incl. 民族乡), 街道 or 苏木.
# The name may not itself contain a county-level suffix or the words of the title around it.
_TOWNSHIP = rf"[{HAN}]{{1,6}}?(?:民族乡|苏木|街道|镇|乡)"
# A county-level unit as written before a township: 漳平市, 綦江区, 元谋县, 彭水苗族土家族自治县.
_COUNTY = rf"[{HAN}]{{1,10}}?(?:自治县|自治旗|县|市|区|旗)"

# Words that end a township name in a title or header: the body that issues the report.
_TOWNSHIP_CONTEXT_RE = re.compile(
    rf"(?:中共|中国共产党)?(?P<county>{_COUNTY})?(?P<town>{_TOWNSHIP})"
    r"(?=党委|党工委|委员会|人民政府|政府|办事处|关于|法治|20\d\d年|\d{4}年度|年度|行政执法|"
    r"依法治|全面依法|文件|$)"
)
# "2024年,塘栖镇在…" / "一年来,周溪乡在…": the opening sentence names the township.
_OPENING_RE = re.compile(
    rf"(?:20\d\d年(?:以来|度)?|一年来|今年以来|本年度)[,,]?(?:我镇|我乡)?(?P<town>{_TOWNSHIP})"
    r"(?=党委|党工委|政府|办事处|在|坚持|始终|以|深入|全面|紧紧|围绕|紧扣|认真|扎实|领导|的)"
)
# Words that end in 镇/乡/街道 but are not townships.
_NOT_TOWNSHIPS = {
    "城镇",
    "乡镇",
    "村镇",
    "全镇",
    "全乡",
    "本镇",
    "本乡",
    "我镇",
    "我乡",
    "各乡",
    "各镇",
    "各乡镇",
    "城乡",
    "下乡",
    "街道",
    "全街道",
    "各街道",
    "本街道",
    "我街道",
    "乡村振兴",
    "小城镇",
    "进乡",
    "送法下乡",
    "市镇",
    "县乡",
    "区镇",
    "镇乡",
}

_TITLE_RE = re.compile(r"(?:报告|总结|情况|工作)$|关于.{4,60}(?:报告|情况|总结)")
_YEAR_IN_TITLE_RE = re.compile(r"(?P<year>20\d\d)\s*年(?:度)?")
_YEAR_OPENING_RE = re.compile(r"^(?P<year>20\d\d)年(?:以来|度|,|,)")

# 漳官委〔2023〕18号 / 青政〔2024〕3号 / 沙府办发[2025]46号: issuer abbreviation, year in brackets, number.
DOC_NUMBER_RE = re.compile(
    rf"(?P<num>[{HAN}]{{1,10}}[〔\[【(]\s*(?:19|20)\d\d\s*[〕\]】)]\s*第?\d{{1,5}}\s*号)"
)

_DATE_ARABIC_RE = re.compile(r"(?P<y>20\d\d)\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")
_DATE_CN_RE = re.compile(
    rf"(?P<y>[二〇零一二三四五六七八九]{{4}})年(?P<m>[{CN_NUM}]{{1,3}})月(?P<d>[{CN_NUM}]{{1,3}})日"
)
_DATE_ISO_RE = re.compile(r"(?P<y>20\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})")
# Web metadata boxes: 成文日期 2025-03-21.
_DATE_LABELLED_RE = re.compile(
    r"成文日期\]?[::\s]*\]?\s*(?P<y>20\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
)

# A sign-off body: a line that is only an organisation's name.
_ISSUER_RE = re.compile(
    rf"^(?:中共|中国共产党)?[{HAN}]{{2,20}}(?:委员会|人民政府|办事处|党委|党工委|政府)$"
)


def extract_metadata(text: str, doc_id: str) -> tuple[Metadata, list[str]]:
    """Given cleaned text and its doc_id, return its metadata and the text/path disagreements."""
    lines = text.split("\n")
    head = _head_lines(lines)
    title = _find_title(head)
    town, county = _find_township(head, text)
    year = _find_year(title, head, text)
    doc_number = _find_doc_number(text)
    issuers, date = _find_signoff(text[signoff_start(text) :].split("\n"))
    if date is None:
        date = _labelled_date(text)
    meta = Metadata(
        township=town,
        county=county,
        year=year,
        doc_number=doc_number,
        date=date,
        issuers=issuers,
        title=title,
    )
    return _merge_with_path(meta, doc_id)


def _head_lines(lines: list[str]) -> list[str]:
    """Given all lines, return those of the title block (up to HEAD_CHARS characters)."""
    head, size = [], 0
    for line in lines:
        head.append(line)
        size += len(line)
        if size >= HEAD_CHARS:
            break
    return head


def _find_title(head: list[str]) -> str | None:
    """Given the head lines, return the report's title line."""
    for line in head:
        if len(line) <= 80 and "法治" in line and _TITLE_RE.search(line):
            return line.strip("| ")
    return None


def _township_candidates(line: str):
    """Given a head line, yield (township, county) pairs it names."""
    for m in _TOWNSHIP_CONTEXT_RE.finditer(line):
        raw = (m.group("county") or "") + m.group("town")
        town, county = split_admin_prefix(raw)
        if town:
            yield town, county


_LEADING_WORDS_RE = re.compile(r"^(?:关于|中共|中国共产党|报送|现将|我|对|在|及|和|与|的|年度?)+")
# The last county-level unit in a prefix: 梁平区 in 重庆市梁平区, 滨海新区 in 驻地为滨海新区.
_LAST_ADMIN_RE = re.compile(r"[^省市县区旗为在的于共,,、]{1,10}(?:自治县|自治旗|县|市|区|旗)$")
_ADMIN_PREFIX_RE = re.compile(rf"^(?P<prefix>.*[省市县区旗])(?P<town>[{HAN}]{{2,6}})$")


def split_admin_prefix(name: str) -> tuple[str | None, str | None]:
    """Given "重庆市梁平区七星镇" or "现将新村街道", return (township, county or None)."""
    name = _LEADING_WORDS_RE.sub("", name)
    county = None
    m = _ADMIN_PREFIX_RE.match(name)
    if m:
        name = m.group("town")
        last = _LAST_ADMIN_RE.search(m.group("prefix"))
        county = last.group() if last else None
    if len(name) < 2 or name in _NOT_TOWNSHIPS:
        return None, None
    return name, county


def _find_township(head: list[str], text: str) -> tuple[str | None, str | None]:
    """Given the head lines and the text, return (township, county) as the text names them."""
    votes: Counter[str] = Counter()
    counties: dict[str, str] = {}
    for line in head:
        for town, county in _township_candidates(line):
            votes[town] += 1
            if county and town not in counties:
                counties[town] = county
    for m in _OPENING_RE.finditer(text[:2000]):
        town, _ = split_admin_prefix(m.group("town"))
        if town:
            votes[town] += 2
    if not votes:
        return None, None
    town = max(votes, key=lambda t: (votes[t], -_first_index(text, t)))
    county = counties.get(town) or _county_before(text, town)
    return town, county


def _first_index(text: str, needle: str) -> int:
    i = text.find(needle)
    return i if i >= 0 else len(text)


def _county_before(text: str, town: str) -> str | None:
    """Given the text and a township, return the county written right before it, if any."""
    first = text.find(town)  # a match holds the township at most 15 characters from its start
    pattern = rf"(?P<county>[{HAN}]{{1,14}}[县市区旗]){re.escape(town)}"
    m = re.compile(pattern).search(text, max(0, first - 15)) if first >= 0 else None
    if m:
        found, county = split_admin_prefix(m.group("county") + town)
        if found == town and county:
            return county
    # The addressee or the opening names the county's party committee: 中共渠县县委 / 在沁水县委.
    m = _COUNTY_COMMITTEE_RE.search(text[:3000])
    return m.group("county") if m else None


_COUNTY_COMMITTEE_RE = re.compile(
    rf"(?:^中共|在)(?P<county>[{HAN}]{{1,6}}?(?:县|市|区|旗))(?:县委|市委|区委|委)[、,,]",
    re.MULTILINE,
)


def _find_year(title: str | None, head: list[str], text: str) -> int | None:
    """Given the title, head and text, return the year the report is about."""
    for line in ([title] if title else []) + [x for x in head if "报告" in x]:
        m = _YEAR_IN_TITLE_RE.search(line)
        if m:
            return int(m.group("year"))
    for line in head:
        m = _YEAR_OPENING_RE.match(line)
        if m:
            return int(m.group("year"))
    return None


def _find_doc_number(text: str) -> str | None:
    """Given the text, return the report's own document number (in its head), if any."""
    for line in text[:HEAD_CHARS].split("\n"):
        m = DOC_NUMBER_RE.search(line)
        if m and len(line) <= 40:
            return re.sub(r"\s+", "", m.group("num"))
    return None


def _find_signoff(lines: list[str]) -> tuple[tuple[str, ...], str | None]:
    """Given the lines of the sign-off block, return the issuing bodies and the signing date."""
    issuers: list[str] = []
    date = None
    for line in lines:
        if _ISSUER_RE.match(line) and line not in issuers:
            issuers.append(line)
        if date is None and len(line) <= 20 and not line.endswith("印发"):
            date = parse_date(line)
    return tuple(issuers), date


def _labelled_date(text: str) -> str | None:
    m = _DATE_LABELLED_RE.search(text[:HEAD_CHARS])
    return _iso(m.group("y"), m.group("m"), m.group("d")) if m else None


def parse_date(line: str) -> str | None:
    """Given a line, return the date it holds as YYYY-MM-DD (Arabic or Chinese numerals)."""
    m = _DATE_ARABIC_RE.search(line) or _DATE_ISO_RE.search(line)
    if m:
        return _iso(m.group("y"), m.group("m"), m.group("d"))
    m = _DATE_CN_RE.search(line)
    if m:
        digits = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")}
        digits["零"] = "0"
        year = "".join(digits.get(c, "") for c in m.group("y"))
        return _iso(year, str(_cn_small(m.group("m"))), str(_cn_small(m.group("d"))))
    return None


def _cn_small(s: str) -> int:
    """Given a Chinese numeral below 100 (十一, 二十二), return its value."""
    digits = {c: i for i, c in enumerate("〇一二三四五六七八九")}
    if "十" not in s:
        return digits.get(s, 0)
    tens, _, ones = s.partition("十")
    return (digits.get(tens, 1) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)


def _iso(y: str, m: str, d: str) -> str | None:
    year, month, day = int(y), int(m), int(d)
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1990 <= year <= 2100):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def path_metadata(doc_id: str) -> dict[str, object]:
    """Given a doc_id ``<county>/<year>/<township>.<ext>``, return what the path says."""
    parts = PurePosixPath(doc_id).parts
    out: dict[str, object] = {}
    stem = PurePosixPath(doc_id).stem
    if re.fullmatch(rf"[{HAN}]{{1,8}}(?:民族乡|苏木|街道|镇|乡)", stem):
        out["township"] = stem
    dirs = parts[:-1]
    for d in dirs:
        if re.fullmatch(r"(?:19|20)\d\d", d):
            out["year"] = int(d)
        elif re.fullmatch(rf"[{HAN}]{{1,10}}(?:自治县|自治旗|县|市|区|旗)", d):
            out["county"] = d
    return out


def _merge_with_path(meta: Metadata, doc_id: str) -> tuple[Metadata, list[str]]:
    """Given text metadata, fill gaps from the path and list every disagreement."""
    from_path = path_metadata(doc_id)
    warnings = []
    values = {"township": meta.township, "county": meta.county, "year": meta.year}
    labels = {"township": "township", "county": "county", "year": "year"}
    for field, path_value in from_path.items():
        text_value = values[field]
        if text_value is None:
            values[field] = path_value
        elif text_value != path_value:
            warnings.append(f"{labels[field]}: text says {text_value}, path says {path_value}")
    return (
        Metadata(
            township=values["township"],
            county=values["county"],
            year=values["year"],
            doc_number=meta.doc_number,
            date=meta.date,
            issuers=meta.issuers,
            title=meta.title,
        ),
        warnings,
    )
