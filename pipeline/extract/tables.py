"""Numbers in table rows: the measure word of their row and the year column they stand in.

Ingestion writes a table row per line, cells joined by tabs. A number that is a whole cell takes
the measure word of its row: a label "排查矛盾纠纷(起)<TAB>90" or a unit cell
"行政处罚案件<TAB>件<TAB>27". A table whose header row names two or more years
("指标<TAB>2024年<TAB>2025年") reports the year in one column: the report's year (the document's
metadata), else the latest year that is no target (目标, 计划). Numbers in the other year columns
are not values; rows starting with 其中 stay parts, like 其中 in a sentence.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, replace

from pipeline.extract.numbers import Quantity

# A run of lines holding tabs.
_TABLE_RE = re.compile(r"(?:^[^\n\t]*\t[^\n]*(?:\n|$))+", re.MULTILINE)
# A header cell naming a year: 2025年, 2025年度, 2025年(1-11月); a target or plan is no report.
_YEAR_CELL_RE = re.compile(r"((?:19|20)\d\d)\s?年度?(?:[^\t\n\d]{0,8}|\([^\t\n]{0,10}\))")
_TARGET_RE = re.compile(r"目标|计划|预计|预期|拟")


@dataclass(frozen=True)
class _YearTable:
    rows_start: int  # where the rows after the year header start
    end: int
    keep: int  # the column of the report year
    drop: frozenset[int]  # the other year columns


def table_fixer(
    text: str, measures: tuple[str, ...], year: int | None
) -> Callable[[Quantity], Quantity]:
    """Given text, measure words and the report year, return a function giving a table cell's
    number its row's measure word, or a skip reason when it stands in another year's column."""
    if "\t" not in text:
        return lambda q: q
    units = set(measures) | {"%"}
    alternatives = "|".join(re.escape(m) for m in sorted(units, key=len, reverse=True))
    label_re = re.compile(rf"\(({alternatives})\)")
    tables = _year_tables(text, year)
    starts = [t.rows_start for t in tables]

    def fix(q: Quantity) -> Quantity:
        if q.skip or not _whole_cell(text, q):
            return q
        line_start = text.rfind("\n", 0, q.start) + 1
        i = bisect_right(starts, line_start) - 1
        in_year_table = i >= 0 and line_start < tables[i].end
        if in_year_table and text.count("\t", line_start, q.start) in tables[i].drop:
            return replace(q, skip="other_year")
        if q.measure:
            return q
        measure = _row_measure(text[line_start : q.start], label_re, units)
        return replace(q, measure=measure) if measure else q

    return fix


def _whole_cell(text: str, q: Quantity) -> bool:
    """Given a number, return True when it fills a table cell (tab before, tab or end after)."""
    if text[q.start - 1 : q.start] != "\t":
        return False
    end = q.measure_end
    while end < len(text) and text[end] in "余多以上左右":
        end += 1
    return end >= len(text) or text[end] in "\t\n"


def _row_measure(row: str, label_re: re.Pattern, units: set[str]) -> str:
    """Given the cells of a row before a number, return the measure word of the nearest label
    ("排查矛盾纠纷(起)") or unit cell ("件"), or "" when there is none."""
    for cell in reversed(row.split("\t")):
        cell = cell.strip()
        if cell in units:
            return cell
        labels = label_re.findall(cell)
        if labels:
            return labels[-1]
    return ""


def _year_tables(text: str, year: int | None) -> list[_YearTable]:
    """Given text, return its tables whose header row names two or more years, in order."""
    out = []
    for table in _TABLE_RE.finditer(text):
        pos = table.start()
        for line in table.group().splitlines(keepends=True):
            years = _header_years(line.rstrip("\n"))
            pos += len(line)
            if len(years) >= 2:
                reported = [c for c, (y, target) in years.items() if not target]
                keep = next((c for c in reported if years[c][0] == year), None)
                if keep is None and reported:
                    keep = max(reported, key=lambda c: years[c][0])
                if keep is not None:
                    out.append(_YearTable(pos, table.end(), keep, frozenset(years) - {keep}))
                break
    return out


def _header_years(line: str) -> dict[int, tuple[int, bool]]:
    """Given a row, return {column: (year, is a target)} for its cells naming a year."""
    out = {}
    for col, cell in enumerate(line.split("\t")):
        m = _YEAR_CELL_RE.fullmatch(cell.strip())
        if m:
            out[col] = (int(m.group(1)), bool(_TARGET_RE.search(cell)))
    return out
