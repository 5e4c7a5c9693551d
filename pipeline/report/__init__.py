"""Reports: charts (figures/*.png), the workbook (report.xlsx) and the HTML report (report.html).

    paths = write_reports(tables, texts, settings, out)   # stages files into an OutputSet

Charts are drawn per county-year. So that 40,000 reports do not make 40,000 charts, only the
latest year of the first ``charts.max_county_years`` counties (by name) is drawn, with at most
``charts.max_radars`` township radars in all; the tables, the workbook and the HTML score and
flag lists cover every report.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

from pipeline.analyze.settings import OVERALL, AnalysisSettings
from pipeline.config import FIGURES_SUBDIR
from pipeline.outputs import OutputSet
from pipeline.pools import fresh_pool
from pipeline.report import charts
from pipeline.report.html import Figure, report_html
from pipeline.report.workbook import workbook_bytes

__all__ = ["ChartJob", "Figure", "chart_jobs", "county_year_figures", "write_reports"]

WORKBOOK_FILE = "report.xlsx"
HTML_FILE = "report.html"
_UNSAFE_RE = re.compile(r"[\\/:*?\"<>|\s]+")


def write_reports(
    tables: dict[str, pd.DataFrame],
    texts: dict[str, str],
    settings: AnalysisSettings,
    out: OutputSet,
    jobs: int = 1,
) -> list[str]:
    """Given all tables (extraction and analysis), the texts and the settings, stage the charts
    (drawn on ``jobs`` processes), the workbook and the HTML report in ``out``; return their paths
    relative to OUT_DIR."""
    with _drawing(chart_jobs(tables, settings), jobs) as drawn:
        out.write_bytes(WORKBOOK_FILE, workbook_bytes(tables, settings))  # while the pool draws
        figures = drawn()
    paths = []
    for figure in figures:
        out.write_bytes(figure.path, figure.png)
        paths.append(figure.path)
    out.write_text(HTML_FILE, report_html(tables, figures, settings))
    return [*paths, WORKBOOK_FILE, HTML_FILE]


def _safe(name) -> str:
    return _UNSAFE_RE.sub("_", str(name)).strip("_") or "unnamed"


def charted_county_years(scores: pd.DataFrame, settings: AnalysisSettings) -> list[tuple[str, int]]:
    """Given the scores table, return the county-years that get charts: the latest year of each of
    the first ``charts.max_county_years`` counties by name."""
    limit = int(settings.charts.get("max_county_years", 6))
    latest = scores.groupby("county", sort=True)["year"].max()
    return [(county, int(year)) for county, year in latest.head(limit).items()]


@dataclass(frozen=True)
class ChartJob:
    """One chart to draw: where it goes, its title, and the chart function with its arguments
    (already filtered to one county-year, so that it pickles small for a worker process)."""

    path: str
    title: str
    county: str
    year: int
    draw: Callable[..., bytes]
    args: tuple


def county_year_figures(
    tables: dict[str, pd.DataFrame], settings: AnalysisSettings, jobs: int = 1
) -> list[Figure]:
    """Given all tables and the settings, return every chart of the report, in display order.
    With ``jobs`` > 1 the charts are drawn on that many processes; the bytes are the same."""
    with _drawing(chart_jobs(tables, settings), jobs) as drawn:
        return drawn()


@contextmanager
def _drawing(planned: list[ChartJob], jobs: int) -> Iterator[Callable[[], list[Figure]]]:
    """Given the charts to draw and the processes allowed, start drawing them on a pool when
    there are enough of them; yield a function that waits for the figures, so that work done
    inside the block runs while the pool draws. In-process, the charts are drawn on that call."""
    workers = _chart_workers(len(planned), jobs)
    if workers <= 1:
        yield lambda: _figures(planned, map(_draw, planned))
        return
    with fresh_pool(workers, preload=("pipeline.report.charts",)) as pool:
        pngs = pool.map(_draw, planned, chunksize=2)  # submits every chart at once
        yield lambda: _figures(planned, pngs)


_CHARTS_PER_WORKER = 8  # below this a worker costs more to start than it saves


def _chart_workers(charts: int, jobs: int) -> int:
    return max(1, min(jobs, charts // _CHARTS_PER_WORKER))


def _figures(planned: list[ChartJob], pngs: Iterable[bytes]) -> list[Figure]:
    return [
        Figure(job.path, job.title, job.county, job.year, png)
        for job, png in zip(planned, pngs, strict=True)
    ]


def _draw(job: ChartJob) -> bytes:
    return job.draw(*job.args)


def chart_jobs(tables: dict[str, pd.DataFrame], settings: AnalysisSettings) -> list[ChartJob]:
    """Given all tables and the settings, return the charts to draw, in display order."""
    scores = tables["scores"]
    planned: list[ChartJob] = []
    radars_left = int(settings.charts.get("max_radars", 40))
    for county, year in charted_county_years(scores, settings):
        cy_scores = scores[(scores["county"] == county) & (scores["year"] == year)]
        if cy_scores.empty:
            continue
        stem = f"{FIGURES_SUBDIR}/{_safe(county)}_{year}"
        where = f"{county} {year}年"

        def add(kind: str, title: str, draw, *args, county=county, year=year, stem=stem) -> None:
            planned.append(
                ChartJob(f"{stem}_{kind}.png", title, county, year, draw, (*args, settings, title))
            )

        add("scores", f"{where} 各乡镇分维度得分", charts.score_heatmap, cy_scores)
        county_scores = scores[scores["county"] == county]
        if county_scores["year"].nunique() > 1:
            add("slopes", f"{county} 综合得分年度变化", charts.score_slopes, county_scores)
        comparison = tables["comparison"]
        cy_comparison = comparison[(comparison["county"] == county) & (comparison["year"] == year)]
        for metric in settings.charts.get("key_metrics", []):
            rows = cy_comparison[cy_comparison["metric"] == metric]
            if rows.empty or not rows["reported"].any():
                continue
            title = f"{where} {settings.metric_label(metric)}"
            add(f"metric_{metric}", title, charts.metric_bars, cy_comparison, metric)
        townships = sorted(cy_scores["township"].unique())
        sim = tables["similarity"]
        cy_sim = sim[
            (sim["county"] == county) & (sim["kind"] == "same_year") & (sim["year_a"] == year)
        ]
        if len(townships) > 1:
            title = f"{where} 报告文本相似度"
            add("similarity", title, charts.similarity_heatmap, cy_sim, townships)
        practices = _county_year_practices(tables["practices"], cy_scores)
        add("practices", f"{where} 做法覆盖情况", charts.practice_matrix, practices, townships)
        overall = cy_scores[cy_scores["dimension"] == OVERALL].sort_values(["rank", "township"])
        for township in overall["township"]:
            if radars_left <= 0:
                break
            radars_left -= 1
            title = f"{where} {township} 与全县中位数"
            add(f"radar_{_safe(township)}", title, charts.township_radar, cy_scores, township)
    return planned


def _county_year_practices(practices: pd.DataFrame, cy_scores: pd.DataFrame) -> pd.DataFrame:
    """Given the practices table and one county-year's scores, return that county-year's practice
    rows with the township each belongs to."""
    township_of = cy_scores.drop_duplicates("doc_id").set_index("doc_id")["township"]
    rows = practices[practices["doc_id"].isin(township_of.index)]
    return rows.assign(township=rows["doc_id"].map(township_of))
