"""The Excel/WPS workbook: sheets 总览, 指标, 预警, 证据, 相似度, with Chinese headers.

Every sheet has a frozen header row, column widths fitted to the Chinese text, and an
auto-filter. Flags are filled by severity. Text is always written as text: a cell that starts
with = + - @ (or a tab / carriage return) is stored as a string, never as a formula, so a report
cannot smuggle a formula into the office's spreadsheet. Sheets longer than ``max_sheet_rows``
are cut, with a note in 总览; the CSV files hold everything.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import pandas as pd

from pipeline.analyze.settings import OVERALL, AnalysisSettings
from pipeline.report.labels import KIND_LABELS, SEVERITY_COLOURS, rule_label, severity_label
from pipeline.report.xlsx import Table, xlsx_bytes

SHEETS = ("总览", "指标", "预警", "证据", "相似度")
NOT_REPORTED = "未报告"
MAX_CELL_CHARS = 32000
# characters XML 1.0 cannot hold; removed from text before it is written
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010\013\014\016-\037]")
# a fixed creation date (the zip entries have a fixed date too), so that the same tables give the
# same bytes on every run
FIXED_CREATED = dt.datetime(2000, 1, 1)


@dataclass(frozen=True)
class Sheet:
    """One sheet: a frame whose column names are the Chinese headers, and how to dress it."""

    title: str
    frame: pd.DataFrame
    wrap: tuple[str, ...] = ()  # columns whose text wraps
    severity_column: str | None = None  # fill every row by the severity in this column


def workbook_bytes(tables: dict[str, pd.DataFrame], settings: AnalysisSettings) -> bytes:
    """Given all tables and the settings, return the .xlsx bytes of the five-sheet workbook."""
    limit = int(settings.report.get("max_sheet_rows", 200000))
    sheets = [
        overview_sheet(tables, settings),
        metrics_sheet(tables["comparison"], settings),
        flags_sheet(tables["flags"]),
        evidence_sheet(tables["comparison"], settings),
        similarity_sheet(tables["similarity"]),
    ]
    notes = [
        f"“{s.title}”表共{len(s.frame)}行，只列出前{limit}行，完整数据见对应的CSV文件。"
        for s in sheets
        if len(s.frame) > limit
    ]
    return xlsx_bytes(
        [_table(s, limit, notes if s.title == SHEETS[0] else []) for s in sheets], FIXED_CREATED
    )


# ---------------------------------------------------------------- the five sheets


def overview_sheet(tables: dict[str, pd.DataFrame], settings: AnalysisSettings) -> Sheet:
    """One row per report: overall score, band, rank, every dimension score and flag counts."""
    scores = tables["scores"]
    wide = scores.pivot_table(index="doc_id", columns="dimension", values="score", aggfunc="first")
    overall = scores[scores["dimension"] == OVERALL].set_index("doc_id")
    base = overall[["county", "year", "township", "score", "band", "rank", "n_townships"]].copy()
    frame = pd.DataFrame(
        {
            "县": base["county"],
            "年度": base["year"],
            "乡镇": base["township"],
            "综合得分": base["score"].map(_round1),
            "等级": base["band"],
            "县内排名": _rank_text(base["rank"], base["n_townships"]),
        }
    )
    for dim in settings.dimensions:
        frame[settings.dimension_label(dim)] = (
            wide[dim] if dim in wide.columns else pd.Series(index=wide.index, dtype=float)
        ).map(_round1)
    flags = tables["flags"]
    for severity in ("high", "medium", "low"):
        counts = flags[flags["severity"] == severity].groupby("doc_id").size()
        frame[f"{severity_label(severity)}级预警"] = (
            counts.reindex(frame.index).fillna(0).astype(int)
        )
    frame["文件"] = frame.index
    frame = frame.sort_values(
        ["县", "年度", "综合得分"], ascending=[True, True, False], kind="stable"
    )
    return Sheet(SHEETS[0], frame.reset_index(drop=True))


def metrics_sheet(comparison: pd.DataFrame, settings: AnalysisSettings) -> Sheet:
    """One row per report, one column per metric: the value, or 未报告 (never 0) when absent."""
    values = comparison.assign(
        shown=comparison["value"].astype(object).where(comparison["reported"], NOT_REPORTED)
    )
    wide = values.pivot_table(
        index=["county", "year", "township", "doc_id"],
        columns="metric",
        values="shown",
        aggfunc="first",
    )
    metric_ids = [m for m in settings.metrics if m in wide.columns] + sorted(
        set(wide.columns) - set(settings.metrics)
    )
    wide = wide[metric_ids].reset_index()
    frame = pd.DataFrame({"县": wide["county"], "年度": wide["year"], "乡镇": wide["township"]})
    for m in metric_ids:
        unit = settings.metrics[m].unit if m in settings.metrics else ""
        frame[f"{settings.metric_label(m)}（{unit}）" if unit else settings.metric_label(m)] = wide[
            m
        ]
    frame["文件"] = wide["doc_id"]
    return Sheet(SHEETS[1], frame)


def flags_sheet(flags: pd.DataFrame) -> Sheet:
    """Every flag with its message, evidence and section, filled by severity."""
    frame = pd.DataFrame(
        {
            "县": flags["county"],
            "年度": flags["year"],
            "乡镇": flags["township"],
            "维度": flags["dimension_label"],
            "严重程度": flags["severity"].map(severity_label),
            "规则": flags["rule"].map(rule_label),
            "说明": flags["message"],
            "证据原文": flags["evidence"],
            "所在章节": flags["section"],
            "文件": flags["doc_id"],
            "severity": flags["severity"],
        }
    )
    return Sheet(SHEETS[2], frame, wrap=("说明", "证据原文"), severity_column="severity")


def evidence_sheet(comparison: pd.DataFrame, settings: AnalysisSettings) -> Sheet:
    """Every reported metric value with the sentence it was read from and its section."""
    rows = comparison[comparison["reported"]]
    frame = pd.DataFrame(
        {
            "县": rows["county"],
            "年度": rows["year"],
            "乡镇": rows["township"],
            "维度": rows["dimension"].map(settings.dimension_label),
            "指标": rows["metric"].map(settings.metric_label),
            "数值": rows["value"],
            "单位": rows["unit"],
            "约数": rows["approx"].map(lambda v: "是" if v is True else ""),
            "县内百分位": rows["percentile"].map(_round1),
            "证据原文": rows["evidence"],
            "所在章节": rows["section"],
            "文件": rows["doc_id"],
        }
    )
    return Sheet(SHEETS[3], frame.reset_index(drop=True), wrap=("证据原文",))


def similarity_sheet(similarity: pd.DataFrame) -> Sheet:
    """Every compared pair, most similar first."""
    rows = similarity.sort_values(["cosine", "doc_a", "doc_b"], ascending=[False, True, True])
    frame = pd.DataFrame(
        {
            "县": rows["county"],
            "比较类型": rows["kind"].map(lambda k: KIND_LABELS.get(k, k)),
            "乡镇A": rows["township_a"],
            "年度A": rows["year_a"],
            "乡镇B": rows["township_b"],
            "年度B": rows["year_b"],
            "相似度（去除套话）": rows["cosine"].map(_round3),
            "相似度（全文）": rows["cosine_raw"].map(_round3),
            "雷同段落数": rows["shared_paragraphs"],
            "文件A": rows["doc_a"],
            "文件B": rows["doc_b"],
        }
    )
    return Sheet(SHEETS[4], frame.reset_index(drop=True))


# ---------------------------------------------------------------- writing


def _table(sheet: Sheet, limit: int, notes: list[str]) -> Table:
    """Given a sheet, its row limit and notes for below its rows, return what the writer takes:
    plain cell values by column, widths fitted to the text, wrapped columns, row fills."""
    columns = [c for c in sheet.frame.columns if c != sheet.severity_column]
    frame = sheet.frame.head(limit)
    fills = None
    if sheet.severity_column:
        fills = [SEVERITY_COLOURS.get(s) if s else None for s in frame[sheet.severity_column]]
    return Table(
        title=sheet.title,
        header=columns,
        columns=[[_plain(v) for v in frame[name].tolist()] for name in columns],
        widths=[_width(name, frame[name]) for name in columns],
        wrap=[name in sheet.wrap for name in columns],
        fills=fills,
        muted=NOT_REPORTED,
        notes=notes,
    )


def _plain(value):
    """Given a table value, return what a cell holds: None for missing, Python numbers, clean text."""
    if type(value) is str:
        return ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_CHARS]
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_CHARS]
    return value


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _width(name: str, values: pd.Series) -> float:
    """Given a header and its values, return a column width: fits the text, at most 60."""
    sample = values.head(500).map(lambda v: "" if _plain(v) is None else str(_plain(v)))
    longest = max([_display_width(name), *(min(_display_width(s), 200) for s in sample)], default=8)
    return float(min(max(longest + 2, 6), 60))


def _round1(value):
    return None if value is None or pd.isna(value) else round(float(value), 1)


def _round3(value):
    return None if value is None or pd.isna(value) else round(float(value), 3)


def _rank_text(rank: pd.Series, n: pd.Series) -> pd.Series:
    return pd.Series(
        [None if pd.isna(r) else f"{int(r)}/{int(k)}" for r, k in zip(rank, n, strict=True)],
        index=rank.index,
    )
