"""Charts for the meeting, as PNG bytes: one set per county-year.

Each function takes the tables of one county-year (already filtered) and returns PNG bytes; the
caller decides where they go. "Not reported" is never drawn as 0: in bar charts it is a grey
hatched stub labelled 未报告, in matrices an empty grey cell. The same tables give the same bytes
(Agg backend, fixed rcParams, no software/date metadata).
"""

from __future__ import annotations

import io
import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import Patch

from pipeline.analyze.settings import OVERALL, AnalysisSettings
from pipeline.report.fonts import chart_style

NOT_REPORTED = "未报告"
SCORE_CMAP = LinearSegmentedColormap.from_list("score", ["#c0392b", "#f4d03f", "#27ae60"])
COPY_CMAP = LinearSegmentedColormap.from_list("copy", ["#ffffff", "#f5b041", "#922b21"])
MISSING_COLOUR = "#d9d9d9"
BAR_COLOUR = "#2e86c1"
MEDIAN_COLOUR = "#c0392b"
_BASIS_WORDS = {"per_10k": "每万人", "per_village": "每村"}


def figure_to_png(fig, dpi: int) -> bytes:
    """Given a figure, return its PNG bytes (no software or date metadata) and close it.

    The layout is made once, at the saving dpi, and then fixed: savefig would otherwise draw
    the figure twice, once without rendering to place things (the 112 charts of 2,000 reports:
    53 s -> 44 s, the same bytes)."""
    buf = io.BytesIO()
    try:
        engine = fig.get_layout_engine()
        if engine is not None:
            fig.set_dpi(dpi)
            engine.execute(fig)
            fig.set_layout_engine(None)  # none: savefig draws once, without a layout pass
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    finally:
        plt.close(fig)
    return buf.getvalue()


def _dpi(settings: AnalysisSettings) -> int:
    return int(settings.charts.get("dpi", 110))


def score_heatmap(scores: pd.DataFrame, settings: AnalysisSettings, title: str) -> bytes:
    """Given one county-year's scores, return a township × dimension heatmap of the scores."""
    dims = [*settings.dimensions, OVERALL]
    table = scores.pivot_table(
        index="township", columns="dimension", values="score", aggfunc="first"
    )
    table = table.reindex(columns=[d for d in dims if d in table.columns])
    order = scores[scores["dimension"] == OVERALL].sort_values(
        ["score", "township"], ascending=[False, True]
    )
    table = table.reindex([t for t in order["township"] if t in table.index])
    with plt.rc_context(chart_style()):
        fig, ax = plt.subplots(
            figsize=(1.0 + 0.95 * len(table.columns), 1.2 + 0.42 * len(table)), layout="constrained"
        )
        values = table.to_numpy(dtype=float)
        ax.set_facecolor(MISSING_COLOUR)
        image = ax.imshow(
            np.ma.masked_invalid(values), cmap=SCORE_CMAP, vmin=0, vmax=100, aspect="auto"
        )
        for (i, j), v in np.ndenumerate(values):
            ax.text(
                j,
                i,
                "—" if np.isnan(v) else f"{v:.0f}",
                ha="center",
                va="center",
                fontsize=9,
                in_layout=False,
            )
        ax.set_xticks(
            range(len(table.columns)),
            [settings.dimension_label(d) for d in table.columns],
            rotation=35,
            ha="right",
        )
        ax.set_yticks(range(len(table)), list(table.index))
        ax.set_title(title)
        fig.colorbar(image, ax=ax, label="得分（0–100）", shrink=0.8)
        return figure_to_png(fig, _dpi(settings))


def metric_bars(
    comparison: pd.DataFrame, metric: str, settings: AnalysisSettings, title: str
) -> bytes:
    """Given one county-year's comparison rows, return the PNG of metric_bars_figure."""
    with plt.rc_context(chart_style()):
        return figure_to_png(
            metric_bars_figure(comparison, metric, settings, title), _dpi(settings)
        )


def metric_bars_figure(
    comparison: pd.DataFrame, metric: str, settings: AnalysisSettings, title: str
):
    """Given one county-year's comparison rows, return a bar chart figure of one metric with the
    county median; townships that did not report it get a grey hatched stub labelled 未报告,
    a reported 0 is a bar of height 0 labelled 0."""
    rows = comparison[comparison["metric"] == metric].copy()
    rows = rows.sort_values(["reported", "basis_value", "township"], ascending=[False, False, True])
    basis = rows.loc[rows["reported"], "basis"].iloc[0] if rows["reported"].any() else "raw"
    unit = settings.metrics[metric].unit if metric in settings.metrics else ""
    values = rows["basis_value"].to_numpy(dtype=float)
    top = np.nanmax(values) if np.isfinite(values).any() else 1.0
    top = top if top > 0 else 1.0
    stub = top * 0.06
    with plt.rc_context(chart_style()):
        fig, ax = plt.subplots(figsize=(max(6.0, 0.55 * len(rows) + 2), 4.2), layout="constrained")
        x = np.arange(len(rows))
        reported = rows["reported"].to_numpy(dtype=bool)
        ax.bar(x[reported], values[reported], color=BAR_COLOUR)
        ax.bar(
            x[~reported],
            np.full((~reported).sum(), stub),
            color=MISSING_COLOUR,
            hatch="///",
            edgecolor="#7f7f7f",
            linewidth=0.6,
        )
        for xi, v, r in zip(x, values, reported, strict=True):
            label = _short(v) if r else NOT_REPORTED
            ax.text(
                xi,
                (v if r else stub) + top * 0.015,
                label,
                ha="center",
                va="bottom",
                fontsize=8,
                color="#333333" if r else "#7f7f7f",
                in_layout=False,
            )
        median = rows.loc[reported, "basis_value"].median() if reported.any() else np.nan
        handles = [
            Patch(facecolor=BAR_COLOUR, label="已报告"),
            Patch(facecolor=MISSING_COLOUR, hatch="///", edgecolor="#7f7f7f", label=NOT_REPORTED),
        ]
        if np.isfinite(median):
            line = ax.axhline(
                median,
                color=MEDIAN_COLOUR,
                linestyle="--",
                linewidth=1.2,
                label=f"全县中位数 {_short(median)}",
            )
            handles.append(line)
        ax.legend(handles=handles, loc="upper right", fontsize=8, frameon=False)
        ax.set_xticks(x, list(rows["township"]), rotation=35, ha="right")
        ax.set_ylabel(f"{_BASIS_WORDS.get(basis, '')}{unit}")
        ax.set_ylim(0, top * 1.18)
        ax.set_title(title)
        ax.spines[["top", "right"]].set_visible(False)
        return fig


def township_radar(
    scores: pd.DataFrame, township: str, settings: AnalysisSettings, title: str
) -> bytes:
    """Given one county-year's scores and a township, return its dimension radar against the
    county median."""
    dims = list(settings.dimensions)
    rows = scores[scores["dimension"].isin(dims)]
    median = rows.groupby("dimension")["score"].median().reindex(dims)
    own = rows[rows["township"] == township].set_index("dimension")["score"].reindex(dims)
    angles = np.linspace(0, 2 * np.pi, len(dims), endpoint=False)
    closed = np.append(angles, angles[0])
    with plt.rc_context(chart_style()):
        fig, ax = plt.subplots(figsize=(5.2, 5.2), subplot_kw={"polar": True}, layout="constrained")
        for series, colour, label in (
            (median, "#7f7f7f", "全县中位数"),
            (own, BAR_COLOUR, township),
        ):
            vals = series.fillna(0).to_numpy(dtype=float)
            ax.plot(closed, np.append(vals, vals[0]), color=colour, linewidth=1.6, label=label)
            ax.fill(closed, np.append(vals, vals[0]), color=colour, alpha=0.15)
        ax.set_xticks(angles, [settings.dimension_label(d) for d in dims])
        ax.set_ylim(0, 100)
        ax.set_yticks([25, 50, 75, 100], ["25", "50", "75", "100"], fontsize=7)
        ax.set_title(title, pad=18)
        ax.legend(loc="upper right", bbox_to_anchor=(1.15, 1.12), fontsize=8, frameon=False)
        return figure_to_png(fig, _dpi(settings))


def similarity_heatmap(
    similarity: pd.DataFrame, townships: list[str], settings: AnalysisSettings, title: str
) -> bytes:
    """Given one county-year's same-year similarity rows and its townships, return the township ×
    township matrix of boilerplate-discounted cosines."""
    index = {t: i for i, t in enumerate(townships)}
    matrix = np.full((len(townships), len(townships)), np.nan)
    for row in similarity.itertuples(index=False):
        if row.township_a in index and row.township_b in index:
            i, j = index[row.township_a], index[row.township_b]
            matrix[i, j] = matrix[j, i] = float(row.cosine)
    with plt.rc_context(chart_style()):
        size = 1.8 + 0.45 * len(townships)
        fig, ax = plt.subplots(figsize=(size + 1.2, size), layout="constrained")
        ax.set_facecolor("#f2f2f2")
        image = ax.imshow(np.ma.masked_invalid(matrix), cmap=COPY_CMAP, vmin=0, vmax=1)
        for (i, j), v in np.ndenumerate(matrix):
            if np.isfinite(v):
                ax.text(
                    j,
                    i,
                    f"{v:.2f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if v > 0.6 else "#333333",
                    in_layout=False,
                )
        ax.set_xticks(range(len(townships)), townships, rotation=45, ha="right")
        ax.set_yticks(range(len(townships)), townships)
        ax.set_title(title)
        fig.colorbar(image, ax=ax, label="相似度（去除通用套话后）", shrink=0.8)
        return figure_to_png(fig, _dpi(settings))


def score_slopes(scores: pd.DataFrame, settings: AnalysisSettings, title: str) -> bytes:
    """Given one county's overall scores of two or more years, return a slope chart of each
    township's overall score from the first to the last of those years."""
    overall = scores[scores["dimension"] == OVERALL]
    years = sorted(overall["year"].unique())
    table = overall.pivot_table(index="township", columns="year", values="score", aggfunc="first")
    with plt.rc_context(chart_style()):
        fig, ax = plt.subplots(figsize=(6.4, 1.5 + 0.35 * len(table)), layout="constrained")
        first_labels, last_labels = [], []
        for township, row in table.iterrows():
            points = row.dropna()
            if points.empty:
                continue
            falling = len(points) > 1 and points.iloc[-1] < points.iloc[0] - 5
            colour = MEDIAN_COLOUR if falling else BAR_COLOUR
            ax.plot(
                [years.index(y) for y in points.index],
                points.to_numpy(dtype=float),
                marker="o",
                color=colour,
                linewidth=1.4,
            )
            last_labels.append(
                (
                    years.index(points.index[-1]),
                    float(points.iloc[-1]),
                    f"{township} {points.iloc[-1]:.0f}",
                    colour,
                )
            )
            if len(points) > 1:
                first_labels.append(
                    (
                        years.index(points.index[0]),
                        float(points.iloc[0]),
                        f"{township} {points.iloc[0]:.0f}",
                        colour,
                    )
                )
        top = 105.0
        for labels, dx, align in ((last_labels, 0.06, "left"), (first_labels, -0.06, "right")):
            heights = _spread([lab[1] for lab in labels], 3.2)
            for (x, _y, text, colour), y in zip(labels, heights, strict=True):
                ax.text(x + dx, y, text, va="center", ha=align, fontsize=8, color=colour)
            top = max([top, *(h + 3 for h in heights)])
        ax.set_xticks(range(len(years)), [f"{y}年" for y in years])
        ax.set_xlim(-0.6, len(years) - 0.4)
        ax.set_ylim(0, top)
        ax.set_ylabel("综合得分")
        ax.set_title(title)
        ax.spines[["top", "right"]].set_visible(False)
        return figure_to_png(fig, _dpi(settings))


def practice_matrix(
    practices: pd.DataFrame, townships: list[str], settings: AnalysisSettings, title: str
) -> bytes:
    """Given one county-year's practice rows and its townships, return a township × practice
    matrix: green where the report shows the practice, grey where it does not."""
    ids = list(settings.practices) + sorted(set(practices["practice"]) - set(settings.practices))
    present = practices[practices["present"].fillna(False).astype(bool)]
    have = set(zip(present["township"], present["practice"], strict=True))
    matrix = np.array([[1.0 if (t, p) in have else 0.0 for p in ids] for t in townships])
    with plt.rc_context(chart_style()):
        fig, ax = plt.subplots(
            figsize=(1.5 + 0.75 * len(ids), 1.3 + 0.4 * len(townships)), layout="constrained"
        )
        cmap = LinearSegmentedColormap.from_list("have", [MISSING_COLOUR, "#27ae60"])
        ax.imshow(matrix, cmap=cmap, vmin=0, vmax=1, aspect="auto")
        for (i, j), v in np.ndenumerate(matrix):
            ax.text(
                j,
                i,
                "✓" if v else "×",
                ha="center",
                va="center",
                fontsize=9,
                color="white" if v else "#7f7f7f",
                in_layout=False,
            )
        ax.set_xticks(
            range(len(ids)), [settings.practice_label(p) for p in ids], rotation=40, ha="right"
        )
        ax.set_yticks(range(len(townships)), townships)
        coverage = matrix.mean(axis=0) * 100 if len(townships) else np.zeros(len(ids))
        top = ax.secondary_xaxis("top")
        top.set_xticks(range(len(ids)), [f"{c:.0f}%" for c in coverage], fontsize=7)
        ax.set_title(title)
        return figure_to_png(fig, _dpi(settings))


def _spread(values: list[float], gap: float) -> list[float]:
    """Given label heights, return them moved apart so that no two are closer than ``gap``."""
    order = sorted(range(len(values)), key=lambda i: (values[i], i))
    placed = list(values)
    for previous, current in itertools.pairwise(order):
        placed[current] = max(placed[current], placed[previous] + gap)
    return placed


def _short(value: float) -> str:
    if not np.isfinite(value):
        return ""
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
