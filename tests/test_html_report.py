"""The HTML report: self-contained, every flag with its evidence and section, strings escaped."""

import html
import re

import pytest
from analysis_fixtures import documents_frame, metrics_frame, sample_analysis

from pipeline import contracts
from pipeline.analyze import analyze, load_settings
from pipeline.report import county_year_figures
from pipeline.report.html import report_html

SETTINGS = load_settings()


@pytest.fixture(scope="module")
def page():
    tables, _texts, _towns, out = sample_analysis()
    all_tables = {**tables, **out}
    return report_html(all_tables, county_year_figures(all_tables, SETTINGS), SETTINGS), all_tables


def test_every_flag_with_its_evidence_and_section(page):
    text, tables = page
    for flag in tables["flags"].itertuples():
        assert html.escape(flag.message) in text, flag.message
        if flag.evidence:
            assert html.escape(flag.evidence) in text, flag.evidence
        if flag.section:
            assert html.escape(flag.section) in text, flag.section


def test_self_contained_and_without_scripts(page):
    text, _tables = page
    assert "<script" not in text.lower()
    assert not re.search(r'(?:src|href)="(?:https?:)?//', text)
    images = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,', text)
    assert len(images) == text.count("<img ")
    assert len(images) >= 10
    assert "<style>" in text and '<meta charset="utf-8">' in text


def test_scores_and_top_pairs_shown(page):
    text, _tables = page
    assert "各乡镇得分" in text and "相似度最高的报告对" in text
    assert "云溪镇 2024 ↔ 柳塘镇 2024" in text or "柳塘镇 2024 ↔ 云溪镇 2024" in text


def test_report_text_is_escaped():
    docs = documents_frame(
        [
            {"doc_id": f"县/2023/t{i}.txt", "county": "县", "township": f"t{i}镇", "year": 2023}
            for i in range(4)
        ]
    )
    metrics = metrics_frame(
        [
            {"doc_id": f"县/2023/t{i}.txt", "metric": "publicity_events", "value": 10 + i}
            for i in range(3)
        ]
    )
    texts = {d: "开展普法宣传活动。" for d in docs["doc_id"]}
    texts["县/2023/t3.txt"] = '加强普法宣传<script>alert("x")</script>工作。'
    tables = {
        "documents": docs,
        "sections": contracts.empty("sections"),
        "metrics": metrics,
        "practices": contracts.empty("practices"),
    }
    out = analyze(tables, texts, SETTINGS)
    flag = out["flags"][out["flags"]["township"] == "t3镇"]
    assert flag["evidence"].str.contains("<script>").any()
    text = report_html({**tables, **out}, [], SETTINGS)
    assert "<script>" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
