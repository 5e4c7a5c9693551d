"""Dimension scores: metric percentiles and practice coverage, weights, bands and ranks."""

import pandas as pd
import pytest
from analysis_fixtures import documents_frame, metrics_frame, sample_analysis

from pipeline import contracts
from pipeline.analyze import load_settings
from pipeline.analyze.compare import documents_to_comparable, metrics_to_comparison
from pipeline.analyze.scores import dimension_scores

SETTINGS = load_settings()
STRONG = ("清河镇", "柳塘镇", "桃源街道")
WEAK = ("石门乡", "白沙乡", "梅岭乡")


def _practices(rows):
    full = []
    for doc_id, practice, present in rows:
        spec = SETTINGS.practices[practice]
        full.append(
            {
                "doc_id": doc_id,
                "township": None,
                "county": None,
                "year": None,
                "dimension": spec.dimension,
                "practice": practice,
                "present": present,
                "evidence": None,
                "start": None,
                "end": None,
                "section": None,
                "rule": "t",
            }
        )
    frame = pd.DataFrame(full, columns=contracts.columns("practices"))
    return contracts.conform(frame, "practices")


def _scores(metric_rows, practice_rows=()):
    docs = documents_to_comparable(
        documents_frame(
            [
                {"doc_id": f"县/2023/t{i}.txt", "county": "县", "township": f"t{i}", "year": 2023}
                for i in range(3)
            ]
        )
    )
    comparison = metrics_to_comparison(docs, metrics_frame(metric_rows), None, SETTINGS)
    practices = _practices(practice_rows) if practice_rows else contracts.empty("practices")
    return dimension_scores(docs, comparison, practices, SETTINGS).set_index(
        ["township", "dimension"]
    )


def test_metric_part_from_percentiles_and_not_reported_scores_zero():
    # disclosure has no practices: the score is the metric part alone.
    s = _scores(
        [
            {"doc_id": "县/2023/t0.txt", "metric": "info_disclosures", "value": 300},
            {"doc_id": "县/2023/t1.txt", "metric": "info_disclosures", "value": 100},
        ]
    )
    credit = SETTINGS.scoring["reported_credit"]
    assert s.loc[("t0", "disclosure"), "score"] == pytest.approx(100.0)
    assert s.loc[("t1", "disclosure"), "score"] == pytest.approx(
        100 * (credit + (1 - credit) * 0.5)
    )
    assert s.loc[("t2", "disclosure"), "score"] == 0.0
    assert s.loc[("t2", "disclosure"), "metrics_reported"] == 0
    assert s.loc[("t2", "disclosure"), "metrics_expected"] == 1


def test_reported_zero_beats_not_reported_and_neutral_metrics_count_as_reported():
    s = _scores(
        [
            {"doc_id": "县/2023/t0.txt", "metric": "admin_litigation_cases", "value": 0},
            {"doc_id": "县/2023/t1.txt", "metric": "admin_litigation_cases", "value": 5},
        ]
    )
    assert s.loc[("t0", "oversight"), "score"] == 100.0
    assert s.loc[("t1", "oversight"), "score"] == 100.0
    assert s.loc[("t2", "oversight"), "score"] == 0.0


def test_practice_coverage_and_weights():
    practices = [
        ("县/2023/t0.txt", p, True)
        for p in SETTINGS.practices
        if SETTINGS.practices[p].dimension == "legal_service"
    ]
    s = _scores([{"doc_id": "县/2023/t0.txt", "metric": "legal_advisers", "value": 5}], practices)
    wm, wp = SETTINGS.scoring["metric_weight"], SETTINGS.scoring["practice_weight"]
    assert s.loc[("t0", "legal_service"), "practice_score"] == 100.0
    assert s.loc[("t0", "legal_service"), "score"] == pytest.approx(100.0)
    assert s.loc[("t1", "legal_service"), "score"] == 0.0
    # a dimension nobody reported numbers in is scored on practices alone
    assert s.loc[("t0", "publicity"), "score"] == pytest.approx(0.0)
    assert wm + wp == pytest.approx(1.0)


def test_overall_is_weighted_mean_with_band_and_rank():
    s = _scores(
        [
            {"doc_id": "县/2023/t0.txt", "metric": "info_disclosures", "value": 300},
            {"doc_id": "县/2023/t1.txt", "metric": "info_disclosures", "value": 100},
        ]
    )
    weights = {k: v.weight for k, v in SETTINGS.dimensions.items()}
    t0 = s.xs("t0")
    scored = t0.drop(index="overall")["score"].dropna()
    expected = sum(scored[d] * weights[d] for d in scored.index) / sum(
        weights[d] for d in scored.index
    )
    assert t0.loc["overall", "score"] == pytest.approx(expected)
    assert t0.loc["overall", "rank"] == 1
    assert t0.loc["overall", "band"] == SETTINGS.band_of(t0.loc["overall", "score"])
    assert SETTINGS.band_of(90) == "优秀" and SETTINGS.band_of(50) == "较差"


def test_sample_county_strong_on_top_weak_at_bottom():
    _tables, _texts, _towns, out = sample_analysis()
    overall = out["scores"][out["scores"]["dimension"] == "overall"]
    for year, group in overall.groupby("year"):
        ranked = list(group.sort_values("score", ascending=False)["township"])
        # 云溪镇 2024 copied 柳塘镇's report and with it its scores: copying is flagged, not scored.
        top = [t for t in ranked if t != "云溪镇"][:3]
        assert set(top) == set(STRONG), (year, ranked)
        assert set(ranked[-3:]) == set(WEAK), (year, ranked)
    strong = out["scores"][out["scores"]["township"].isin(STRONG)]
    assert strong[strong["dimension"] == "overall"]["band"].isin(["优秀", "良好"]).all()
    weak = out["scores"][
        out["scores"]["township"].isin(WEAK) & (out["scores"]["dimension"] == "overall")
    ]
    assert (weak["band"] == "较差").all()
