"""Dimension scores: 0-100 per township and dimension, from metric percentiles and practice coverage.

Like the public assessments of rule-of-law government (法治政府建设评估), each first-level
indicator gets a score rate; the overall score is their weighted mean; scores fall into bands and
are ranked within the county-year. The method, in words, is in the README (Analysis).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analyze.settings import OVERALL, AnalysisSettings

SCORE_COLUMNS = [
    "county",
    "year",
    "township",
    "doc_id",
    "dimension",
    "label",
    "score",
    "metric_score",
    "practice_score",
    "metrics_reported",
    "metrics_expected",
    "practices_present",
    "practices_expected",
    "rank",
    "n_townships",
    "percentile",
    "band",
]


def comparison_to_metric_points(
    comparison: pd.DataFrame, settings: AnalysisSettings
) -> pd.DataFrame:
    """Given the comparison table, return per report and dimension: metric_points (0-1 mean),
    metrics_reported, metrics_expected. A metric is expected where some peer of the county-year
    reported it. Not reported earns 0; a reported value earns the credit plus its percentile's
    share of the rest; a reported neutral metric (cases, lawsuits: more is not better) earns 1."""
    credit = float(settings.scoring["reported_credit"])
    scored = comparison[comparison["n_reported"] > 0]
    ranked = credit + (1 - credit) * scored["percentile"].fillna(0) / 100.0
    points = np.where(
        scored["reported"], np.where(scored["direction"] == "neutral", 1.0, ranked), 0.0
    )
    frame = scored.assign(points=points, reported_n=scored["reported"].astype(int))
    out = frame.groupby(["doc_id", "dimension"], sort=True).agg(
        metric_points=("points", "mean"),
        metrics_reported=("reported_n", "sum"),
        metrics_expected=("points", "size"),
    )
    return out.reset_index()


def practices_to_coverage(
    docs: pd.DataFrame, practices: pd.DataFrame, settings: AnalysisSettings
) -> pd.DataFrame:
    """Given the comparable reports, the practices table and the settings, return per report and
    dimension: practice_points (share present), practices_present, practices_expected."""
    catalog = {k: s.dimension for k, s in settings.practices.items()}
    for row in (
        practices[["practice", "dimension"]].drop_duplicates("practice").itertuples(index=False)
    ):
        catalog.setdefault(row.practice, row.dimension)
    universe = pd.DataFrame({"practice": list(catalog), "dimension": list(catalog.values())})
    grid = docs[["doc_id"]].merge(universe, how="cross")
    present = practices.loc[practices["present"].fillna(False).astype(bool), ["doc_id", "practice"]]
    present = present.drop_duplicates().assign(present=1)
    grid = grid.merge(present, on=["doc_id", "practice"], how="left").fillna({"present": 0})
    out = grid.groupby(["doc_id", "dimension"], sort=True).agg(
        practice_points=("present", "mean"),
        practices_present=("present", "sum"),
        practices_expected=("present", "size"),
    )
    return out.reset_index()


def dimension_scores(
    docs: pd.DataFrame,
    comparison: pd.DataFrame,
    practices: pd.DataFrame,
    settings: AnalysisSettings,
) -> pd.DataFrame:
    """Given the comparable reports, the comparison and practices tables and the settings, return
    the scores table: one row per report and dimension, plus one `overall` row per report."""
    dims = pd.DataFrame({"dimension": list(settings.dimensions)})
    grid = docs.merge(dims, how="cross")
    grid = grid.merge(
        comparison_to_metric_points(comparison, settings), on=["doc_id", "dimension"], how="left"
    )
    grid = grid.merge(
        practices_to_coverage(docs, practices, settings), on=["doc_id", "dimension"], how="left"
    )
    wm = float(settings.scoring["metric_weight"])
    wp = float(settings.scoring["practice_weight"])
    has_m = grid["metrics_expected"].fillna(0) > 0
    has_p = grid["practices_expected"].fillna(0) > 0
    weight = np.where(has_m, wm, 0.0) + np.where(has_p, wp, 0.0)
    total = np.where(has_m, wm * grid["metric_points"].fillna(0), 0.0) + np.where(
        has_p, wp * grid["practice_points"].fillna(0), 0.0
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        grid["score"] = np.where(
            weight > 0, 100.0 * total / np.where(weight > 0, weight, 1), np.nan
        )
    grid["metric_score"] = grid["metric_points"] * 100.0
    grid["practice_score"] = grid["practice_points"] * 100.0
    overall = _overall(grid, settings)
    out = pd.concat([grid, overall], ignore_index=True)
    out["label"] = out["dimension"].map(settings.dimension_label)
    out = _rank(out)
    out["band"] = out["score"].map(settings.band_of)
    for col in ("metrics_reported", "metrics_expected", "practices_present", "practices_expected"):
        out[col] = out[col].fillna(0).astype("int64")
    order = {d: i for i, d in enumerate([*settings.dimensions, OVERALL])}
    out = out.assign(_order=out["dimension"].map(order))
    out = out.sort_values(["county", "year", "township", "_order"], kind="stable")
    return out[SCORE_COLUMNS].reset_index(drop=True)


def _overall(grid: pd.DataFrame, settings: AnalysisSettings) -> pd.DataFrame:
    """Given the dimension rows, return one overall row per report: the weighted mean score."""
    weights = grid["dimension"].map({k: s.weight for k, s in settings.dimensions.items()})
    usable = grid["score"].notna() & (weights > 0)
    frame = grid.assign(
        w=weights.where(usable, 0.0), ws=(grid["score"] * weights).where(usable, 0.0)
    )
    sums = (
        frame.groupby(["county", "year", "township", "doc_id"], sort=True)
        .agg(
            w=("w", "sum"),
            ws=("ws", "sum"),
            metrics_reported=("metrics_reported", "sum"),
            metrics_expected=("metrics_expected", "sum"),
            practices_present=("practices_present", "sum"),
            practices_expected=("practices_expected", "sum"),
        )
        .reset_index()
    )
    sums["score"] = (sums["ws"] / sums["w"]).where(sums["w"] > 0)
    sums["dimension"] = OVERALL
    return sums.drop(columns=["w", "ws"])


def _rank(scores: pd.DataFrame) -> pd.DataFrame:
    """Add rank (1 = best), n_townships and percentile within county-year and dimension."""
    keys = [scores["county"], scores["year"], scores["dimension"]]
    by = scores["score"].groupby(keys)
    scores = scores.copy()
    scores["rank"] = by.rank(method="min", ascending=False)
    scores["n_townships"] = scores.groupby(["county", "year", "dimension"])["doc_id"].transform(
        "size"
    )
    scores["percentile"] = by.rank(method="max", pct=True) * 100.0
    return scores
