"""The HTML report: one self-contained file that opens offline, with no JavaScript.

Charts are embedded as base64 PNG, the style is inline, and every string is passed through
html.escape on its way in (report texts, township names, labels alike), so a report containing
``<script>`` shows it as text. Sections: overview by county-year, the score table, charts,
flags by township with their evidence and section, the most similar pairs with their shared
paragraphs, and the files left out of the comparison.
"""

from __future__ import annotations

import base64
import html
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from pipeline.analyze.settings import OVERALL, AnalysisSettings
from pipeline.report.labels import KIND_LABELS, SEVERITY_COLOURS, rule_label, severity_label

CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:2em auto;
max-width:1200px;padding:0 1em;color:#222;line-height:1.55}
h1{font-size:1.6em;border-bottom:3px solid #2e86c1;padding-bottom:.3em}
h2{font-size:1.3em;margin-top:2em;border-left:5px solid #2e86c1;padding-left:.5em}
h3{font-size:1.1em;margin-top:1.4em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}
th{background:#d9e1f2}
td.num{text-align:right;white-space:nowrap}
.sev-high{background:#HIGH}.sev-medium{background:#MEDIUM}.sev-low{background:#LOW}
.band{font-weight:bold}
blockquote{margin:.2em 0;padding:.2em .6em;border-left:3px solid #aaa;background:#f7f7f7}
.section{color:#555;font-size:.9em}
.muted{color:#777}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{color:#555;font-size:.9em}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:.8em;margin-bottom:1em}
.pair div{background:#fbfbfb;border:1px solid #ddd;padding:.5em;font-size:.9em}
nav a{margin-right:1em}
"""
for _severity, _colour in SEVERITY_COLOURS.items():
    CSS = CSS.replace(f"#{_severity.upper()}", f"#{_colour}")


@dataclass(frozen=True)
class Figure:
    """A chart: where it is written, what it shows, for which county-year, and its PNG bytes."""

    path: str
    title: str
    county: str
    year: int
    png: bytes


def e(value) -> str:
    """Given any value, return it as escaped HTML text ('' for missing)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value), quote=True)


def report_html(
    tables: dict[str, pd.DataFrame], figures: list[Figure], settings: AnalysisSettings
) -> str:
    """Given all tables, the charts and the settings, return the report as one HTML string."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>法治政府建设情况报告分析</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>法治政府建设情况报告分析</h1>",
        '<nav><a href="#overview">总体情况</a><a href="#scores">得分</a><a href="#charts">图表</a>'
        '<a href="#flags">预警</a><a href="#similarity">相似度</a><a href="#files">文件</a></nav>',
        overview_html(tables),
        scores_html(tables["scores"], settings),
        charts_html(figures),
        flags_html(tables["flags"], settings),
        similarity_html(tables["similarity"], tables["reuse_pairs"], settings),
        files_html(tables["documents"], tables["scores"]),
        "</body></html>",
    ]
    return "\n".join(parts)


def overview_html(tables: dict[str, pd.DataFrame]) -> str:
    """Per county-year: reports compared, mean overall score, flags by severity, copied pairs."""
    scores = tables["scores"]
    overall = scores[scores["dimension"] == OVERALL]
    flags = tables["flags"]
    sim = tables["similarity"]
    # counted once per table with groupby: filtering per county-year would be quadratic
    counts = flags.groupby(["county", "year", "severity"]).size()
    copied = (
        flags[flags["rule"] == "copied_text"].groupby(["county", "year"])["other_doc"].nunique()
    )
    pairs = sim.groupby(["county", "year_b"]).size()
    rows = []
    for (county, year), group in overall.groupby(["county", "year"], sort=True):
        rows.append(
            f"<tr><td>{e(county)}</td><td class=num>{e(year)}</td><td class=num>{len(group)}</td>"
            f"<td class=num>{_fmt(group['score'].mean())}</td>"
            + "".join(
                f"<td class='num sev-{s}'>{int(counts.get((county, year, s), 0))}</td>"
                for s in ("high", "medium", "low")
            )
            + f"<td class=num>{int(copied.get((county, year), 0))}</td>"
            f"<td class=num>{int(pairs.get((county, year), 0))}</td></tr>"
        )
    total = flags["severity"].value_counts()
    summary = "，".join(
        f"{severity_label(s)}级{int(total.get(s, 0))}条" for s in ("high", "medium", "low")
    )
    return (
        '<section id="overview"><h2>总体情况</h2>'
        f"<p>共比较{overall['doc_id'].nunique()}份报告，预警{len(flags)}条（{e(summary)}）。"
        "“未报告”表示报告中没有该项数据，与数值0不同。</p>"
        "<table><tr><th>县</th><th>年度</th><th>报告数</th><th>平均综合得分</th><th>高级预警</th>"
        "<th>中级预警</th><th>低级预警</th><th>疑似照抄的报告</th><th>比较的报告对</th></tr>"
        + "".join(rows)
        + "</table></section>"
    )


def scores_html(scores: pd.DataFrame, settings: AnalysisSettings) -> str:
    """Per county-year: a table of townships with overall score, band, rank and dimension scores."""
    dims = list(settings.dimensions)
    out = [
        '<section id="scores"><h2>各乡镇得分（0–100）</h2>',
        "<p class=muted>得分由指标在县内的百分位和做法覆盖率计算，方法见说明文档；“—”表示无法评价。</p>",
    ]
    # one pivot and one sort for all county-years; a pivot per county-year is slow at scale
    wide = scores.pivot_table(index="doc_id", columns="dimension", values="score", aggfunc="first")
    by_doc = {
        doc: [row.get(d, float("nan")) for d in dims]
        for doc, row in zip(wide.index, wide.to_dict("records"), strict=True)
    }
    overall = scores[scores["dimension"] == OVERALL].sort_values(
        ["county", "year", "rank", "township"]
    )
    head = "".join(f"<th>{e(settings.dimension_label(d))}</th>" for d in dims)
    groups: dict[tuple, list[str]] = {}
    records = zip(
        *(
            overall[c].tolist()
            for c in ["county", "year", "doc_id", "rank", "township", "score", "band"]
        ),
        strict=True,
    )
    for county, year, doc_id, rank, township, score, band in records:
        cells = "".join(f"<td class=num>{_fmt(v)}</td>" for v in by_doc.get(doc_id, []))
        groups.setdefault((county, year), []).append(
            f"<tr><td class=num>{_int(rank)}</td><td>{e(township)}</td>"
            f"<td class=num>{_fmt(score)}</td><td class=band>{e(band)}</td>{cells}</tr>"
        )
    for (county, year), rows in sorted(groups.items(), key=lambda kv: tuple(map(str, kv[0]))):
        out.append(
            f"<h3>{e(county)} {e(year)}年</h3><table><tr><th>排名</th><th>乡镇</th><th>综合得分</th>"
            f"<th>等级</th>{head}</tr>{''.join(rows)}</table>"
        )
    out.append("</section>")
    return "\n".join(out)


def charts_html(figures: list[Figure]) -> str:
    """The charts, embedded as base64 PNG."""
    out = ['<section id="charts"><h2>图表</h2>']
    if not figures:
        out.append("<p class=muted>没有可绘制的图表。</p>")
    current = None
    for f in figures:
        if (f.county, f.year) != current:
            current = (f.county, f.year)
            out.append(f"<h3>{e(f.county)} {e(f.year)}年</h3>")
        data = base64.b64encode(f.png).decode("ascii")
        out.append(
            f'<figure><img alt="{e(f.title)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{e(f.title)}</figcaption></figure>"
        )
    out.append("</section>")
    return "\n".join(out)


def flags_html(flags: pd.DataFrame, settings: AnalysisSettings) -> str:
    """Every flag, grouped by county-year and township, with its evidence and section."""
    limit = int(settings.report.get("max_html_flags", 20000))
    out = ['<section id="flags"><h2>预警（按乡镇）</h2>']
    if flags.empty:
        out.append("<p>没有预警。</p>")
    shown = flags.head(limit)
    # grouped once in plain Python: a DataFrame per township is slow at thousands of townships
    columns = ["county", "year", "township", "severity", "dimension_label", "rule", "message"]
    groups: dict[tuple, list[tuple]] = {}
    records = zip(*(shown[c].tolist() for c in [*columns, "evidence", "section"]), strict=True)
    for record in records:
        groups.setdefault(record[:3], []).append(record[3:])
    for county, year, township in sorted(groups, key=lambda k: tuple(map(str, k))):
        group = groups[(county, year, township)]
        counts = Counter(g[0] for g in group)
        summary = "，".join(f"{severity_label(s)}{counts[s]}" for s in ("high", "medium", "low"))
        rows = []
        for severity, dimension_label, rule, message, evidence, section in group:
            quote = (
                f"<blockquote>{e(evidence)}</blockquote>"
                if _present(evidence)
                else "<span class=muted>（无原文可引）</span>"
            )
            rows.append(
                f"<tr class='sev-{e(severity)}'><td>{e(severity_label(severity))}</td>"
                f"<td>{e(dimension_label)}</td><td>{e(rule_label(rule))}</td>"
                f"<td>{e(message)}{quote}</td>"
                f"<td class=section>{e(section) if _present(section) else '—'}</td></tr>"
            )
        out.append(
            f"<h3>{e(township)}（{e(county)} {e(year)}年；{e(summary)}）</h3>"
            "<table><tr><th>严重程度</th><th>维度</th><th>规则</th><th>说明与证据原文</th>"
            f"<th>所在章节</th></tr>{''.join(rows)}</table>"
        )
    if len(flags) > limit:
        out.append(
            f"<p>另有{len(flags) - limit}条预警未在此列出，见 flags.csv 和 report.xlsx 的“预警”表。</p>"
        )
    out.append("</section>")
    return "\n".join(out)


def similarity_html(
    similarity: pd.DataFrame, reuse: pd.DataFrame, settings: AnalysisSettings
) -> str:
    """The most similar pairs, with side-by-side shared paragraphs."""
    top = int(settings.report.get("top_similarity_pairs", 10))
    per_pair = int(settings.report.get("shared_paragraphs_per_pair", 3))
    out = [
        '<section id="similarity"><h2>相似度最高的报告对</h2>',
        "<p class=muted>相似度为去除全县多数报告共有的套话后的TF-IDF余弦相似度（0–1）；"
        "只比较同县同年的报告和同一乡镇相邻年度的报告。</p>",
    ]
    best = similarity.sort_values(["cosine", "doc_a", "doc_b"], ascending=[False, True, True]).head(
        top
    )
    if best.empty:
        out.append("<p>没有可比较的报告对。</p>")
    else:
        rows = "".join(
            f"<tr><td>{e(KIND_LABELS.get(p.kind, p.kind))}</td><td>{e(p.township_a)} {e(p.year_a)}</td>"
            f"<td>{e(p.township_b)} {e(p.year_b)}</td><td class=num>{_fmt(p.cosine, 3)}</td>"
            f"<td class=num>{_fmt(p.cosine_raw, 3)}</td><td class=num>{_int(p.shared_paragraphs)}</td></tr>"
            for p in best.itertuples(index=False)
        )
        out.append(
            "<table><tr><th>类型</th><th>报告A</th><th>报告B</th><th>相似度（去套话）</th>"
            f"<th>相似度（全文）</th><th>雷同段落</th></tr>{rows}</table>"
        )
    for p in best.itertuples(index=False):
        shared = reuse[(reuse["doc_a"] == p.doc_a) & (reuse["doc_b"] == p.doc_b)]
        if shared.empty:
            continue
        out.append(
            f"<h3>{e(p.township_a)} {e(p.year_a)} ↔ {e(p.township_b)} {e(p.year_b)}"
            f"（相似度 {_fmt(p.cosine, 3)}）</h3>"
        )
        for r in (
            shared.sort_values("cosine", ascending=False).head(per_pair).itertuples(index=False)
        ):
            out.append(
                f"<div class=pair><div><b>{e(r.township_a)}</b> <span class=section>{e(r.section_a)}</span>"
                f"<br>{e(r.text_a)}</div><div><b>{e(r.township_b)}</b> "
                f"<span class=section>{e(r.section_b)}</span><br>{e(r.text_b)}</div></div>"
            )
    out.append("</section>")
    return "\n".join(out)


def files_html(documents: pd.DataFrame, scores: pd.DataFrame) -> str:
    """The files that were read but not compared, with the reason."""
    compared = set(scores["doc_id"])
    left = documents[~documents["doc_id"].isin(compared)]
    out = ['<section id="files"><h2>未纳入比较的文件</h2>']
    if left.empty:
        out.append(f"<p>全部{len(documents)}个文件均已纳入比较。</p>")
    else:
        rows = "".join(
            f"<tr><td>{e(d.doc_id)}</td><td>{e(d.status)}</td><td>{e(d.reason)}</td></tr>"
            for d in left.itertuples(index=False)
        )
        out.append(f"<table><tr><th>文件</th><th>状态</th><th>原因</th></tr>{rows}</table>")
    out.append("</section>")
    return "\n".join(out)


def _present(value) -> bool:
    return not (
        value is None
        or value is pd.NA
        or (isinstance(value, float) and value != value)
        or value == ""
    )


def _fmt(value, digits: int = 1) -> str:
    if value is None or value is pd.NA or pd.isna(value):
        return "—"
    return f"{float(value):.{digits}f}"


def _int(value) -> str:
    if value is None or value is pd.NA or pd.isna(value):
        return "—"
    return str(int(value))
