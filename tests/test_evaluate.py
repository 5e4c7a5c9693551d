"""Evaluation against gold: scoring rules on a hand-made corpus, and the bars on ../shared."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.evaluate import evaluate, format_report, load_gold
from pipeline.extract import load_catalog, make_tokenizer

SHARED = Path(__file__).parents[1].parent / "shared"
SEED = SHARED / "corpus" / "seed"
REAL_DEV = SHARED / "corpus" / "real-dev"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def tok():
    return make_tokenizer()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Two small reports and a gold file with one right, one wrong, one missed value."""
    (tmp_path / "a.txt").write_text(
        "全年开展普法宣传活动36场，发放宣传资料1.2万份。辖区中小学均聘请了法治副校长。\n",
        encoding="utf-8",
    )
    (tmp_path / "b.txt").write_text(
        "调解矛盾纠纷12件。全面落实行政执法“三项制度”。\n", encoding="utf-8"
    )
    gold = [
        {
            "id": "a",
            "file": "a.txt",
            "metrics": [
                {"metric": "publicity_events", "value": 36, "evidence": "普法宣传活动36场"},
                {"metric": "materials_distributed", "value": 1200, "evidence": "1.2万份"},
                {"metric": "legal_advisers", "value": 3, "evidence": "法律顾问3名"},
            ],
            "practices": ["rule_of_law_vice_principal", "double_random"],
        },
        {"id": "b", "file": "b.txt", "metrics": [], "practices": ["three_systems"]},
    ]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(g, ensure_ascii=False) for g in gold), encoding="utf-8")
    return tmp_path


def test_scoring_counts_right_wrong_missed_and_extra(corpus, catalog, tok):
    report = evaluate(corpus / "gold.jsonl", corpus, catalog, tok)
    assert report.documents == 2
    m = report.metric_total
    # right: publicity 36; wrong: materials (1 fp + 1 fn); missed: advisers; extra: disputes
    assert (m.tp, m.fp, m.fn) == (1, 2, 2)
    kinds = sorted((f.kind, f.item) for f in report.metric_findings)
    assert kinds == [
        ("extra", "disputes_mediated"),
        ("missed", "legal_advisers"),
        ("wrong", "materials_distributed"),
    ]
    p = report.practice_total
    assert (p.tp, p.fp, p.fn) == (2, 0, 1)
    assert report.dimensions["publicity"].tp == 1


def test_report_ends_with_a_four_line_summary(corpus, catalog, tok):
    text = format_report(evaluate(corpus / "gold.jsonl", corpus, catalog, tok))
    last = text.splitlines()[-4:]
    assert last[0].startswith("== summary:")
    assert last[1].startswith("metrics    micro P=0.333 R=0.333 F1=0.333 (tp=1 fp=2 fn=2)")
    assert last[2].startswith("practices  micro P=1.000 R=0.667 F1=0.800")
    assert last[3] == "metric errors: 1 wrong, 1 missed, 1 extra"
    assert "gold: 1.2万份" in text  # every wrong value with its evidence
    assert "predicted (object_before): 全年开展普法宣传活动36场,发放宣传资料1.2万份" in text


def test_gold_files_json_and_jsonl(tmp_path):
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"file": "x.txt", "metrics": []}), encoding="utf-8")
    assert load_gold(one) == [{"file": "x.txt", "metrics": []}]
    many = tmp_path / "many.json"
    many.write_text(json.dumps([{"file": "x.txt"}, {"file": "y.txt"}]), encoding="utf-8")
    assert [g["file"] for g in load_gold(many)] == ["x.txt", "y.txt"]
    with pytest.raises(InputError, match="not found"):
        load_gold(tmp_path / "absent.jsonl")
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        load_gold(broken)
    nofile = tmp_path / "nofile.jsonl"
    nofile.write_text('{"metrics": []}', encoding="utf-8")
    with pytest.raises(InputError, match="no 'file'"):
        load_gold(nofile)


def test_missing_report_file_counts_as_missed(tmp_path, catalog, tok):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps({"file": "gone.txt", "metrics": [{"metric": "mass_incidents", "value": 0}]}),
        encoding="utf-8",
    )
    report = evaluate(gold, tmp_path, catalog, tok)
    assert report.metric_total.fn == 1
    assert report.unreadable


@pytest.mark.skipif(not SEED.exists(), reason="../shared/corpus/seed not present")
def test_seed_report_all_gold_metrics_exact_and_no_extra(catalog, tok):
    report = evaluate(SEED / "gold.json", SEED, catalog, tok)
    m = report.metric_total
    assert (m.tp, m.fp, m.fn) == (6, 0, 0), format_report(report)
    assert report.practice_total.f1 == 1.0, format_report(report)


@pytest.mark.skipif(not REAL_DEV.exists(), reason="../shared/corpus/real-dev not present")
def test_real_dev_bars(catalog, tok):
    report = evaluate(REAL_DEV / "gold.jsonl", REAL_DEV, catalog, tok)
    assert report.documents == 28
    assert report.metric_total.f1 >= 0.90, format_report(report)
    assert report.practice_total.f1 >= 0.95, format_report(report)
