"""The extraction case table (tests/cases/extraction.yaml), one parametrized test."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.extract import extract_document, load_catalog, make_tokenizer
from pipeline.ingest.model import Document, Metadata
from pipeline.ingest.normalize import normalize_text

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "extraction.yaml").read_text("utf-8"))


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def tok():
    return make_tokenizer()


def _param(i: int, case: dict):
    marks = [pytest.mark.xfail(strict=True)] if case.get("expect", "pass") == "fail" else []
    return pytest.param(case, id=f"{i:03d}-{case['text'][:16]}", marks=marks)


@pytest.mark.parametrize("case", [_param(i, c) for i, c in enumerate(CASES)])
def test_extraction_case(case, catalog, tok):
    text = normalize_text(case["text"])
    meta = Metadata(year=case.get("year"))
    doc = Document(doc_id="case.txt", format="txt", status="ok", text=text, meta=meta)
    metric_rows, practice_rows = extract_document(doc, catalog, tok)
    got = {r["metric"]: r["value"] for r in metric_rows}
    assert got == {k: float(v) for k, v in case["rows"].items()}
    assert sorted(r["metric"] for r in metric_rows if r["approx"]) == sorted(case.get("approx", []))
    for r in metric_rows:
        assert r["evidence"] in text
        assert 0 <= r["start"] < r["end"] <= len(text)
    if "practices" in case:
        present = sorted(r["practice"] for r in practice_rows if r["present"])
        assert present == sorted(case["practices"])


def test_case_table_size():
    negative = [c for c in CASES if not c["rows"]]
    assert len(CASES) >= 150
    assert len(negative) >= 40
