"""The shipped sample county, ingested from raw/: metadata and top-level parts as gold says."""

import json

import pytest

from pipeline.ingest import discover, ingest_entry
from pipeline.ingest.normalize import normalize_text
from tests.conftest import RAW, SAMPLES

GOLD = [
    json.loads(line) for line in (SAMPLES / "gold.jsonl").read_text(encoding="utf-8").splitlines()
]


@pytest.fixture(scope="module")
def documents():
    return {e.doc_id: ingest_entry(e) for e in discover(RAW)}


def test_every_report_and_nothing_else_is_an_entry(documents):
    assert sorted(documents) == sorted(g["file"] for g in GOLD)
    assert {d.status for d in documents.values()} == {"ok"}


@pytest.mark.parametrize("gold", GOLD, ids=[g["id"] for g in GOLD])
def test_metadata_matches_gold(documents, gold):
    meta = documents[gold["file"]].meta
    expected = gold["meta"]
    assert (meta.township, meta.county, meta.year) == (
        expected["township"],
        expected["county"],
        expected["year"],
    )
    assert meta.doc_number == expected["doc_number"]
    assert meta.date == expected["date"]


@pytest.mark.parametrize("gold", GOLD, ids=[g["id"] for g in GOLD])
def test_top_level_parts_match_gold(documents, gold):
    doc = documents[gold["file"]]
    found = [(s.number + s.title, s.kind) for s in doc.sections if s.level == 1]
    expected = [(normalize_text(title), kind) for title, kind in gold["sections"]]
    assert found == expected
