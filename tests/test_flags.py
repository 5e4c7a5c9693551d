"""Weak-area flags on the sample county (samples/README.md says where it is weak) and rule units."""

import re
from pathlib import Path

import pandas as pd
import pytest
from analysis_fixtures import documents_frame, metrics_frame, sample_analysis

from pipeline import contracts
from pipeline.analyze import analyze, load_settings
from pipeline.analyze.settings import settings_from_dict
from pipeline.config import DEFAULT_ANALYSIS, load_yaml

SETTINGS = load_settings()
DIMENSIONS = set(SETTINGS.dimensions)
STRONG = ("清河镇", "柳塘镇", "桃源街道")

# samples/README.md, "Roles": dimensions without any value in the weak townships' reports
# (at least these; the coverage table adds leadership for 白沙乡 2023).
README_ZERO_DIMENSIONS = {
    ("石门乡", 2023): {
        "disclosure",
        "enforcement",
        "oversight",
        "legal_service",
        "disputes",
        "publicity",
    },
    ("石门乡", 2024): {
        "disclosure",
        "enforcement",
        "oversight",
        "legal_service",
        "disputes",
        "publicity",
    },
    ("白沙乡", 2023): {"disclosure", "enforcement", "oversight", "legal_service"},
    ("白沙乡", 2024): {"disclosure", "enforcement", "oversight", "legal_service"},
    ("梅岭乡", 2023): {"disclosure", "enforcement", "oversight", "legal_service", "disputes"},
    ("梅岭乡", 2024): {
        "disclosure",
        "enforcement",
        "oversight",
        "legal_service",
        "disputes",
        "publicity",
    },
}


def _gold_zero_dimensions() -> dict[tuple[str, int], set[str]]:
    """Dimensions with no gold metric, per weak township and year (the coverage table)."""
    tables = sample_analysis()[0]
    metrics = tables["metrics"]
    out = {}
    for township, year in README_ZERO_DIMENSIONS:
        have = set(
            metrics[(metrics["township"] == township) & (metrics["year"] == year)]["dimension"]
        )
        out[(township, year)] = DIMENSIONS - have
    return out


ZERO_DIMENSIONS = _gold_zero_dimensions()


@pytest.fixture(scope="module")
def flags():
    return sample_analysis()[3]["flags"]


def _of(flags, township, year, rule=None):
    f = flags[(flags["township"] == township) & (flags["year"] == year)]
    return f if rule is None else f[f["rule"] == rule]


@pytest.mark.parametrize(("township", "year"), sorted(ZERO_DIMENSIONS))
def test_weak_townships_flagged_in_their_empty_dimensions(flags, township, year):
    f = _of(flags, township, year, "no_quantitative_evidence")
    assert README_ZERO_DIMENSIONS[(township, year)] <= ZERO_DIMENSIONS[(township, year)]
    assert set(f["dimension"]) == ZERO_DIMENSIONS[(township, year)]
    assert (f["severity"] == "high").all()
    missing = set(_of(flags, township, year, "practice_missing")["practice"])
    assert {"legal_adviser_system", "three_systems"} <= missing


@pytest.mark.parametrize("township", STRONG)
def test_strong_townships_not_flagged_in_their_dimensions(flags, township):
    f = flags[flags["township"] == township]
    assert not f["dimension"].isin(DIMENSIONS).any(), f[["year", "dimension", "rule", "message"]]


def test_copies_flagged_and_the_original_told_apart(flags):
    copy = _of(flags, "云溪镇", 2024)
    copied = copy[copy["rule"] == "copied_text"].iloc[0]
    assert copied["severity"] == "high" and copied["other_doc"].endswith("柳塘镇.pdf")
    assert "柳塘镇" in copied["message"]
    name = copy[copy["rule"] == "foreign_name"].iloc[0]
    assert name["severity"] == "high" and name["value"] == 3  # the 3 places of samples/README.md
    assert "柳塘" in name["evidence"]
    original = _of(flags, "柳塘镇", 2024, "copied_text").iloc[0]
    assert original["severity"] == "low" and "原稿" in original["message"]
    self_copy = _of(flags, "枫林镇", 2024, "copied_from_last_year")
    assert len(self_copy) == 1 and self_copy.iloc[0]["severity"] == "medium"
    assert not _of(flags, "枫林镇", 2023, "copied_from_last_year").shape[0]


def test_missing_parts_drop_and_self_named(flags):
    items = _of(flags, "龙泉街道", 2024, "required_item_missing")
    assert set(items["dimension"]) == {"overall", "leadership"}
    assert items["message"].str.contains("存在的不足和原因").any()
    assert items["message"].str.contains("第一责任人").any()
    drops = _of(flags, "杏花乡", 2024, "year_over_year_drop")
    assert set(drops["metric"]) == {
        "disputes_mediated",
        "publicity_events",
        "materials_distributed",
    }
    assert (drops["severity"] == "high").all()
    named = _of(flags, "双河镇", 2024, "self_named_problem")
    assert {"publicity", "disputes"} <= set(named["dimension"])
    assert named["section"].str.contains("存在的问题").all()


def test_every_flag_explains_itself(flags):
    assert len(flags) > 0
    assert list(flags.columns[:7]) == [
        "township",
        "year",
        "dimension",
        "severity",
        "rule",
        "message",
        "evidence",
    ]
    assert (
        flags["message"]
        .map(lambda m: bool(re.search(r"[\u4e00-\u9fff]", m)) and m.endswith("。"))
        .all()
    )
    quoted = flags[
        flags["rule"].isin(
            [
                "bottom_quartile",
                "year_over_year_drop",
                "self_named_problem",
                "copied_text",
                "copied_from_last_year",
                "foreign_name",
            ]
        )
    ]
    assert (quoted["evidence"].str.len() > 0).all()
    assert (quoted["section"].str.len() > 0).all()
    texts = sample_analysis()[1]
    for row in quoted.itertuples():
        if row.rule != "copied_text" or "原稿" not in row.message:
            assert row.evidence in texts[row.doc_id], row


def _small(values, settings=SETTINGS, doc_changes=None):
    doc_changes = doc_changes or {}
    docs = documents_frame(
        [
            {
                "doc_id": f"县/2023/t{i}.txt",
                "county": "县",
                "township": f"t{i}镇",
                "year": 2023,
                **doc_changes.get(i, {}),
            }
            for i in range(len(values))
        ]
    )
    metrics = metrics_frame(
        [
            {"doc_id": f"县/2023/t{i}.txt", "metric": "publicity_events", "value": v}
            for i, v in enumerate(values)
            if v is not None
        ]
    )
    tables = {
        "documents": docs,
        "sections": contracts.empty("sections"),
        "metrics": metrics,
        "practices": contracts.empty("practices"),
    }
    texts = {d: f"{d}全年开展普法宣传活动。" for d in docs["doc_id"]}
    return analyze(tables, texts, settings)["flags"]


def test_bottom_quartile_needs_a_real_gap_and_enough_peers():
    flags = _small([2, 20, 21, 22, 23, 24])
    low = flags[flags["rule"] == "bottom_quartile"]
    assert list(low["township"]) == ["t0镇"]
    assert "后四分之一" in low.iloc[0]["message"]
    # 21.5 vs a median of 22: inside the quartile but not 20 % worse -> no flag
    assert _small([21.5, 22, 22, 22.5, 23])["rule"].ne("bottom_quartile").all()
    # three reporters are too few for quartiles (min_peers 4)
    assert _small([2, 20, 21])["rule"].ne("bottom_quartile").all()


def test_thresholds_come_from_the_settings():
    raw = load_yaml(DEFAULT_ANALYSIS)
    raw["flags"]["bottom_quartile"]["severity"] = None
    raw["flags"]["strong_dimension_percentile"] = None
    quiet = settings_from_dict(raw)
    assert _small([2, 20, 21, 22, 23, 24], quiet)["rule"].ne("bottom_quartile").all()


def test_not_reported_gives_no_quantitative_evidence_but_zero_does_not():
    flags = _small([0, 20, 21, 22, None])
    none = flags[flags["rule"] == "no_quantitative_evidence"]
    assert set(none["township"]) == {"t4镇"}
    assert "t0镇" not in set(none["township"])
    assert none.iloc[0]["dimension"] == "publicity"


def test_required_items_flagged_by_settings_severity():
    flags = _small([1, 2, 3], doc_changes={1: {"item_problems": False, "item_other": False}})
    items = flags[flags["rule"] == "required_item_missing"]
    assert list(items["township"]) == ["t1镇"]  # item_other is not flagged (severity null)
    assert items.iloc[0]["severity"] == "high"


def test_flags_table_conforms():
    flags = sample_analysis()[3]["flags"]
    assert isinstance(contracts.conform(flags, "flags"), pd.DataFrame)
    assert set(flags["severity"]) <= set(contracts.SEVERITIES)


RAW = Path(__file__).resolve().parent.parent / "raw"


@pytest.mark.slow
@pytest.mark.skipif(not (RAW / "青溪县").is_dir(), reason="raw/ not rendered (make samples)")
def test_extracted_sample_county_gives_the_same_flags(tmp_path):
    """The real pipeline (ingest + extraction of raw/) flags exactly what the gold tables do."""
    from pipeline.ingest.townships import read_townships
    from pipeline.run import RunSettings, extract_corpus

    result = extract_corpus(
        RAW, RunSettings(jobs=1, cache=False, progress=False), tmp_path / "cache"
    )
    base = {n: getattr(result, n) for n in ("documents", "sections", "metrics", "practices")}
    real = analyze(base, result.texts, SETTINGS, read_townships(RAW))["flags"]
    gold = sample_analysis()[3]["flags"]
    key = ["township", "year", "dimension", "severity", "rule", "metric", "practice"]

    def keys(frame):
        return set(map(tuple, frame[key].astype(str).to_numpy()))

    assert keys(real) == keys(gold)


def test_analysis_does_not_depend_on_input_order():
    from pipeline.outputs import csv_bytes

    tables, texts, towns, out = sample_analysis()
    shuffled = {k: v.sample(frac=1, random_state=7) for k, v in tables.items()}
    again = analyze(
        shuffled,
        dict(reversed(list(texts.items()))),
        SETTINGS,
        towns.sample(frac=1, random_state=3),
    )
    assert all(csv_bytes(out[k]) == csv_bytes(again[k]) for k in out)


def test_no_comparable_report_gives_empty_tables(tmp_path):
    from pipeline.outputs import OutputSet
    from pipeline.report import write_reports

    docs = documents_frame([{"doc_id": "x.txt", "status": "failed", "reason": "unreadable"}])
    tables = {
        "documents": docs,
        "sections": contracts.empty("sections"),
        "metrics": contracts.empty("metrics"),
        "practices": contracts.empty("practices"),
    }
    out = analyze(tables, {}, SETTINGS)
    assert all(len(v) == 0 for v in out.values())
    with OutputSet(tmp_path) as staged:
        assert write_reports({**tables, **out}, {}, SETTINGS, staged) == [
            "report.xlsx",
            "report.html",
        ]
    assert "unreadable" in (tmp_path / "report.html").read_text(encoding="utf-8")
