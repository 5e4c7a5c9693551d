"""The comparison table: not reported kept apart from 0, peer statistics, normalisation, change."""

import math

import pandas as pd
import pytest
from analysis_fixtures import documents_frame, metrics_frame, sample_analysis

from pipeline.analyze import load_settings
from pipeline.analyze.compare import (
    comparison_to_peer_stats,
    documents_to_comparable,
    metrics_to_comparison,
)
from pipeline.analyze.settings import settings_from_dict
from pipeline.config import DEFAULT_ANALYSIS, load_yaml
from pipeline.errors import ConfigError

SETTINGS = load_settings()


def _docs(n=5, year=2023, county="甲县"):
    return documents_frame(
        [
            {
                "doc_id": f"{county}/{year}/t{i}.txt",
                "county": county,
                "township": f"t{i}镇",
                "year": year,
            }
            for i in range(n)
        ]
    )


def _row(table, township, metric, year=2023):
    rows = table[
        (table["township"] == township) & (table["metric"] == metric) & (table["year"] == year)
    ]
    assert len(rows) == 1
    return rows.iloc[0]


def test_not_reported_is_not_zero():
    docs = _docs(3)
    metrics = metrics_frame(
        [
            {"doc_id": "甲县/2023/t0.txt", "metric": "publicity_events", "value": 0},
            {"doc_id": "甲县/2023/t1.txt", "metric": "publicity_events", "value": 12},
        ]
    )
    c = metrics_to_comparison(documents_to_comparable(docs), metrics, None, SETTINGS)
    zero, missing = _row(c, "t0镇", "publicity_events"), _row(c, "t2镇", "publicity_events")
    assert bool(zero["reported"]) and zero["value"] == 0
    assert not bool(missing["reported"]) and math.isnan(missing["value"])
    assert zero["n_reported"] == 2 and zero["n_reports"] == 3
    assert math.isnan(missing["rank"]) and math.isnan(missing["percentile"])
    assert zero["rank"] == 2 and zero["percentile"] == 50.0


def test_peer_statistics_exact():
    docs = _docs(5)
    values = [2, 4, 6, 8, 100]
    metrics = metrics_frame(
        [
            {"doc_id": f"甲县/2023/t{i}.txt", "metric": "leadership_meetings", "value": v}
            for i, v in enumerate(values)
        ]
    )
    c = metrics_to_comparison(documents_to_comparable(docs), metrics, None, SETTINGS)
    r = _row(c, "t0镇", "leadership_meetings")
    assert (r["median"], r["q1"], r["q3"]) == (6.0, 4.0, 8.0)
    assert r["rank"] == 5 and r["percentile"] == 20.0
    # robust z: (2 - 6) / (1.4826 * MAD); deviations 4,2,0,2,94 -> MAD 2
    assert r["robust_z"] == pytest.approx(-4 / (1.4826 * 2))
    top = _row(c, "t4镇", "leadership_meetings")
    assert top["rank"] == 1 and top["percentile"] == 100.0


def test_lower_is_better_ranks_smallest_first():
    docs = _docs(3)
    metrics = metrics_frame(
        [
            {"doc_id": f"甲县/2023/t{i}.txt", "metric": "litigation_losses", "value": v}
            for i, v in enumerate([0, 1, 3])
        ]
    )
    c = metrics_to_comparison(documents_to_comparable(docs), metrics, None, SETTINGS)
    assert _row(c, "t0镇", "litigation_losses")["rank"] == 1
    assert _row(c, "t2镇", "litigation_losses")["rank"] == 3


def test_per_10k_normalisation_needs_every_reporter():
    docs = _docs(2)
    metrics = metrics_frame(
        [
            {"doc_id": "甲县/2023/t0.txt", "metric": "people_reached", "value": 1000},
            {"doc_id": "甲县/2023/t1.txt", "metric": "people_reached", "value": 1000},
        ]
    )
    towns = pd.DataFrame(
        {
            "county": ["甲县", "甲县"],
            "township": ["t0镇", "t1镇"],
            "population": [10000, 40000],
            "villages": [5, 10],
        }
    )
    c = metrics_to_comparison(documents_to_comparable(docs), metrics, towns, SETTINGS)
    assert _row(c, "t0镇", "people_reached")["basis"] == "per_10k"
    assert _row(c, "t0镇", "people_reached")["basis_value"] == 1000
    assert _row(c, "t1镇", "people_reached")["basis_value"] == 250
    # Raw counts when a reporter has no population, and always without the table.
    partial = towns.iloc[:1]
    c = metrics_to_comparison(documents_to_comparable(docs), metrics, partial, SETTINGS)
    assert _row(c, "t1镇", "people_reached")["basis"] == "raw"
    c = metrics_to_comparison(documents_to_comparable(docs), metrics, None, SETTINGS)
    assert set(c["basis"]) == {"raw"}


def test_change_against_previous_year():
    docs = pd.concat([_docs(1, 2023), _docs(1, 2024)], ignore_index=True)
    metrics = metrics_frame(
        [
            {"doc_id": "甲县/2023/t0.txt", "metric": "publicity_events", "value": 30},
            {"doc_id": "甲县/2024/t0.txt", "metric": "publicity_events", "value": 6},
        ]
    )
    c = metrics_to_comparison(documents_to_comparable(docs), metrics, None, SETTINGS)
    r = _row(c, "t0镇", "publicity_events", 2024)
    assert r["prev_value"] == 30 and r["change"] == -24 and r["change_pct"] == pytest.approx(-80)
    assert r["prev_doc_id"] == "甲县/2023/t0.txt"
    assert math.isnan(_row(c, "t0镇", "publicity_events", 2023)["prev_value"])


def test_each_report_counted_once():
    docs = documents_frame(
        [
            {"doc_id": "甲县/2023/a.txt", "county": "甲县", "township": "a镇", "year": 2023},
            {
                "doc_id": "甲县/2023/a-copy.txt",
                "county": "甲县",
                "township": "a镇",
                "year": 2023,
                "duplicate_of": "甲县/2023/a.txt",
                "status": "warning",
            },
            {
                "doc_id": "甲县/2023/b.txt",
                "county": "甲县",
                "township": "b镇",
                "year": 2023,
                "status": "failed",
            },
        ]
    )
    assert list(documents_to_comparable(docs)["doc_id"]) == ["甲县/2023/a.txt"]


def test_sample_county_grid_and_peer_stats():
    tables, _texts, _towns, out = sample_analysis()
    c = out["comparison"]
    n_docs = len(tables["documents"])
    assert len(c) == n_docs * len(SETTINGS.metrics)
    shimen = c[(c["township"] == "石门乡") & c["reported"]]
    assert set(shimen["dimension"]) == {"leadership", "study"}
    stats = comparison_to_peer_stats(c)
    row = stats[(stats["year"] == 2023) & (stats["metric"] == "legal_study_sessions")].iloc[0]
    assert row["n_reported"] == 12 and row["n_reports"] == 12


def test_settings_errors_name_the_setting():
    raw = load_yaml(DEFAULT_ANALYSIS)
    raw["metrics"]["exam_pass_rate"]["direction"] = "up"
    with pytest.raises(ConfigError, match=r"metrics.exam_pass_rate.direction must be one of"):
        settings_from_dict(raw)
    raw = load_yaml(DEFAULT_ANALYSIS)
    raw["flags"]["bottom_quartile"]["severity"] = "urgent"
    with pytest.raises(ConfigError, match=r"bottom_quartile.severity"):
        settings_from_dict(raw)
    with pytest.raises(ConfigError, match="not found"):
        load_settings("/nonexistent/analysis.yaml")
