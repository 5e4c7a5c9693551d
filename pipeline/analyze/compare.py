"""Township × metric comparison within each county and year.

Every comparable report gets one row per metric, reported or not: "not reported" is
``reported = False`` with an empty value, never 0. Peer statistics (median, quartiles, rank,
percentile, robust z) are computed among the townships of the same county-year that reported the
metric, on the metric's basis: the raw value, or per 10,000 residents / per village when the
townships table gives the denominators for every reporting township of that county-year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analyze.settings import AnalysisSettings
from pipeline.ingest.accounting import comparable_doc_ids

UNKNOWN_COUNTY = "（未注明县）"

DOC_KEYS = ["county", "year", "township", "doc_id"]


def documents_to_comparable(documents: pd.DataFrame) -> pd.DataFrame:
    """Given the documents table, return the reports comparisons count, one per township-year:
    doc_id, county, year, township (county filled when the report did not name one)."""
    keep = set(comparable_doc_ids(documents))
    docs = documents[documents["doc_id"].isin(keep)]
    docs = docs.dropna(subset=["township", "year"])
    out = pd.DataFrame(
        {
            "county": docs["county"].astype("object").where(docs["county"].notna(), UNKNOWN_COUNTY),
            "year": docs["year"].astype("int64"),
            "township": docs["township"].astype("object"),
            "doc_id": docs["doc_id"].astype("object"),
        }
    )
    out = out.drop_duplicates(subset=["county", "township", "year"], keep="first")
    return out.sort_values(DOC_KEYS, kind="stable").reset_index(drop=True)


def metric_specs(settings: AnalysisSettings, metrics: pd.DataFrame) -> pd.DataFrame:
    """Given the settings and the metrics table, return one row per metric id known to either:
    metric, dimension, direction, per, unit (settings first, then ids only the table has)."""
    rows = [
        {
            "metric": k,
            "dimension": s.dimension,
            "direction": s.direction,
            "per": s.per,
            "unit": s.unit,
        }
        for k, s in settings.metrics.items()
    ]
    extra = metrics.loc[~metrics["metric"].isin(settings.metrics), ["metric", "dimension", "unit"]]
    for row in extra.drop_duplicates("metric").itertuples(index=False):
        rows.append(
            {
                "metric": row.metric,
                "dimension": row.dimension,
                "direction": "higher",
                "per": "raw",
                "unit": None if pd.isna(row.unit) else row.unit,
            }
        )
    return pd.DataFrame(rows, columns=["metric", "dimension", "direction", "per", "unit"])


def metrics_to_comparison(
    docs: pd.DataFrame,
    metrics: pd.DataFrame,
    townships: pd.DataFrame | None,
    settings: AnalysisSettings,
) -> pd.DataFrame:
    """Given the comparable reports, the metrics table, the townships table (or None) and the
    settings, return the comparison table: one row per report and metric."""
    specs = metric_specs(settings, metrics)
    grid = docs.merge(specs, how="cross")
    values = metrics.sort_values(["doc_id", "metric", "start"], kind="stable").drop_duplicates(
        ["doc_id", "metric"]
    )[["doc_id", "metric", "value", "approx", "evidence", "section"]]
    values = values.assign(
        value=values["value"].astype("float64"), approx=values["approx"].astype("boolean")
    )
    grid = grid.merge(values, on=["doc_id", "metric"], how="left")
    grid["reported"] = grid["value"].notna()
    grid = _with_basis(grid, townships)
    grid = _with_peer_stats(grid, settings)
    grid = _with_previous_year(grid)
    return (
        grid[COMPARISON_COLUMNS]
        .sort_values(["county", "year", "township", "dimension", "metric"], kind="stable")
        .reset_index(drop=True)
    )


COMPARISON_COLUMNS = [
    "county",
    "year",
    "township",
    "doc_id",
    "dimension",
    "metric",
    "direction",
    "reported",
    "value",
    "unit",
    "approx",
    "basis",
    "basis_value",
    "n_reports",
    "n_reported",
    "median",
    "q1",
    "q3",
    "rank",
    "percentile",
    "robust_z",
    "prev_doc_id",
    "prev_reported",
    "prev_value",
    "change",
    "change_pct",
    "evidence",
    "section",
]


def _with_basis(grid: pd.DataFrame, townships: pd.DataFrame | None) -> pd.DataFrame:
    """Add basis ("raw" / "per_10k" / "per_village") and basis_value."""
    grid = grid.copy()
    grid["population"] = np.nan
    grid["villages"] = np.nan
    if townships is not None and len(townships):
        t = townships.copy()
        t["county"] = t["county"].astype("object").where(t["county"].notna(), UNKNOWN_COUNTY)
        t = t.drop_duplicates(["county", "township"])
        t = t.assign(
            population=pd.to_numeric(t["population"], errors="coerce"),
            villages=pd.to_numeric(t["villages"], errors="coerce"),
        )
        grid = grid.drop(columns=["population", "villages"]).merge(
            t[["county", "township", "population", "villages"]],
            on=["county", "township"],
            how="left",
        )
    denominator = np.where(
        grid["per"] == "per_10k",
        grid["population"] / 10000.0,
        np.where(grid["per"] == "per_village", grid["villages"], np.nan),
    )
    denominator = pd.Series(denominator, index=grid.index).where(lambda d: d > 0)
    keys = [grid["county"], grid["year"], grid["metric"]]
    has_denominator = (denominator.notna() | ~grid["reported"]).groupby(keys).transform("all")
    any_reported = grid["reported"].groupby(keys).transform("any")
    normalise = (grid["per"] != "raw") & has_denominator & any_reported
    grid["basis"] = np.where(normalise, grid["per"], "raw")
    grid["basis_value"] = np.where(normalise, grid["value"] / denominator, grid["value"])
    return grid.drop(columns=["population", "villages", "per"])


def _with_peer_stats(grid: pd.DataFrame, settings: AnalysisSettings) -> pd.DataFrame:
    """Add n_reports, n_reported, median, q1, q3, rank, percentile, robust_z per county-year-metric."""
    grid = grid.copy()
    group_cols = ["county", "year", "metric"]
    keys = [grid[c] for c in group_cols]
    reported = grid["basis_value"].where(grid["reported"])
    groups = reported.groupby(keys)
    stats = pd.DataFrame(
        {
            "n_reported": groups.count(),
            "median": groups.median(),
            "q1": groups.quantile(0.25),
            "q3": groups.quantile(0.75),
        }
    )
    stats.index.names = group_cols
    grid = grid.merge(stats.reset_index(), on=group_cols, how="left")
    grid["n_reports"] = grid.groupby(group_cols)["doc_id"].transform("size")
    keys = [grid[c] for c in group_cols]
    reported = grid["basis_value"].where(grid["reported"])
    sign = np.where(grid["direction"] == "lower", -1.0, 1.0)
    goodness = reported * sign
    by_goodness = goodness.groupby(keys)
    grid["rank"] = by_goodness.rank(method="min", ascending=False)
    grid["percentile"] = by_goodness.rank(method="max", pct=True) * 100.0
    deviation = (reported - grid["median"]).abs()
    mad = deviation.groupby(keys).transform("median")
    scale = mad * float(settings.comparison.get("mad_to_sd", 1.4826))
    iqr_scale = (grid["q3"] - grid["q1"]) / float(settings.comparison.get("iqr_to_sd", 1.349))
    scale = scale.where(scale > 0, iqr_scale).where(lambda s: s > 0)
    grid["robust_z"] = (reported - grid["median"]) / scale
    return grid


def _with_previous_year(grid: pd.DataFrame) -> pd.DataFrame:
    """Add the township's previous-year report of the same metric and the change against it."""
    prev = grid[
        ["county", "township", "metric", "year", "doc_id", "reported", "value", "basis_value"]
    ]
    prev = prev.rename(
        columns={
            "doc_id": "prev_doc_id",
            "reported": "prev_reported",
            "value": "prev_value",
            "basis_value": "prev_basis_value",
        }
    )
    prev = prev.assign(year=prev["year"] + 1)
    grid = grid.merge(prev, on=["county", "township", "metric", "year"], how="left")
    grid["change"] = grid["value"] - grid["prev_value"]
    base = grid["prev_basis_value"].where(grid["prev_basis_value"] != 0)
    grid["change_pct"] = (grid["basis_value"] - grid["prev_basis_value"]) / base.abs() * 100.0
    return grid.drop(columns=["prev_basis_value"])


def comparison_to_peer_stats(comparison: pd.DataFrame) -> pd.DataFrame:
    """Given the comparison table, return one row per county-year-metric with its peer statistics."""
    cols = [
        "county",
        "year",
        "dimension",
        "metric",
        "direction",
        "basis",
        "n_reports",
        "n_reported",
        "median",
        "q1",
        "q3",
    ]
    reported = comparison[comparison["reported"]]
    stats = reported.groupby(["county", "year", "metric"], sort=True).agg(
        min=("basis_value", "min"), max=("basis_value", "max")
    )
    base = comparison.drop_duplicates(["county", "year", "metric"])[
        ["county", "year", "dimension", "metric", "direction", "n_reports", "n_reported"]
    ]
    first_basis = reported.drop_duplicates(["county", "year", "metric"])[
        ["county", "year", "metric", "basis", "median", "q1", "q3"]
    ]
    out = base.merge(first_basis, on=["county", "year", "metric"], how="left")
    out = out.merge(stats.reset_index(), on=["county", "year", "metric"], how="left")
    out["basis"] = out["basis"].fillna("raw")
    return (
        out[[*cols, "min", "max"]]
        .sort_values(["county", "year", "dimension", "metric"], kind="stable")
        .reset_index(drop=True)
    )
