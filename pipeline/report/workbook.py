"""The Excel/WPS workbook: sheets 总览, 指标, 预警, 证据, 相似度, with Chinese headers.

Every sheet has a frozen header row, column widths fitted to the Chinese text, and an
auto-filter. Flags are filled by severity. Text is always written as text: a cell that starts
with = + - @ (or a tab / carriage return) is stored as a string, never as a formula, so a report
cannot smuggle a formula into the office's spreadsheet. Sheets longer than ``max_sheet_rows``
are cut, with a note in 总览; the CSV files hold everything.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from dataclasses import dataclass

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pipeline.analyze.settings import OVERALL, AnalysisSettings
from pipeline.report.labels import KIND_LABELS, SEVERITY_COLOURS, rule_label, severity_label

SHEETS = ("总览", "指标", "预警", "证据", "相似度")
NOT_REPORTED = "未报告"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_CHARS = 32000
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
GREY_FONT = Font(color="808080", italic=True)
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Sheet:
    """One sheet: a frame whose column names are the Chinese headers, and how to dress it."""

    title: str
    frame: pd.DataFrame
    wrap: tuple[str, ...] = ()  # columns whose text wraps
    severity_column: str | None = None  # fill every row by the severity in this column
    note: str = ""


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
    wb = Workbook(write_only=True)
    for sheet in sheets:
        extra = notes if sheet.title == SHEETS[0] else []
        _write_sheet(wb, sheet, limit, extra)
    buf = io.BytesIO()
    wb.save(buf)
    return deterministic_xlsx(buf.getvalue())


# openpyxl stamps the save time into docProps/core.xml and into every zip entry; a fixed stamp
# makes the same tables give the same bytes on every run.
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
FIXED_CORE_TIME = "2000-01-01T00:00:00Z"
_CORE_TIME_RE = re.compile(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def deterministic_xlsx(data: bytes) -> bytes:
    """Given xlsx bytes, return them with fixed timestamps (same content, same bytes)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _CORE_TIME_RE.sub(
                    rf"\g<1>{FIXED_CORE_TIME}\g<2>", body.decode("utf-8")
                ).encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, body)
    return out.getvalue()


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


def _write_sheet(wb: Workbook, sheet: Sheet, limit: int, notes: list[str]) -> None:
    ws = wb.create_sheet(sheet.title)
    columns = [c for c in sheet.frame.columns if c != sheet.severity_column]
    frame = sheet.frame.head(limit)
    widths = [_width(c, frame[c]) for c in columns]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    if len(frame):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(frame) + 1}"
    header = []
    for name in columns:
        cell = WriteOnlyCell(ws, value=name)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        header.append(cell)
    ws.append(header)
    fills = {k: PatternFill("solid", fgColor=v) for k, v in SEVERITY_COLOURS.items()}
    severity = frame[sheet.severity_column] if sheet.severity_column else None
    data = frame[columns].itertuples(index=False, name=None)
    for r, values in enumerate(data):
        fill = fills.get(severity.iloc[r]) if severity is not None else None
        ws.append(
            [
                _cell(ws, v, name in sheet.wrap, fill)
                for name, v in zip(columns, values, strict=True)
            ]
        )
    for note in notes:
        ws.append([_cell(ws, note, False, None)])


def _cell(ws, value, wrap: bool, fill) -> WriteOnlyCell:
    """Given a value, return a cell that shows it as the office expects; text stays text."""
    value = _plain(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        if value.startswith(FORMULA_STARTS):
            cell.data_type = "s"  # text, never a formula
        if value == NOT_REPORTED:
            cell.font = GREY_FONT
    if wrap:
        cell.alignment = WRAP
    if fill is not None:
        cell.fill = fill
    return cell


def _plain(value):
    """Given a table value, return what a cell holds: None for missing, Python numbers, clean text."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
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
