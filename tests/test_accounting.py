import pandas as pd

from pipeline import contracts
from pipeline.ingest.accounting import comparable_doc_ids, mark_conflicts, mark_duplicates


def docs(rows):
    base = {c: None for c in contracts.columns("documents")}
    frame = pd.DataFrame([{**base, "format": "txt", "chars": 10, **r} for r in rows])
    return contracts.conform(frame, "documents")


def test_identical_content_is_a_duplicate_of_the_first_and_counted_once():
    table = docs(
        [
            {"doc_id": "b.txt", "status": "ok", "sha256": "h1", "township": "清河镇", "year": 2024},
            {"doc_id": "a.txt", "status": "ok", "sha256": "h1", "township": "清河镇", "year": 2024},
            {"doc_id": "c.txt", "status": "ok", "sha256": "h2", "township": "石门乡", "year": 2024},
        ]
    )
    marked = mark_conflicts(mark_duplicates(table)).set_index("doc_id")
    assert marked.loc["b.txt", "duplicate_of"] == "a.txt"
    assert marked.loc["b.txt", "status"] == "warning"
    assert "same content as a.txt" in marked.loc["b.txt", "reason"]
    assert pd.isna(marked.loc["a.txt", "duplicate_of"])
    assert marked.loc["a.txt", "status"] == "ok"  # a duplicate is not a conflict
    assert comparable_doc_ids(marked.reset_index()) == ["a.txt", "c.txt"]


def test_two_files_claiming_one_township_year_are_a_conflict_on_both():
    table = docs(
        [
            {
                "doc_id": "x/清河镇.txt",
                "status": "ok",
                "sha256": "h1",
                "township": "清河镇",
                "year": 2024,
            },
            {
                "doc_id": "y/清河镇.pdf",
                "status": "ok",
                "sha256": "h2",
                "township": "清河镇",
                "year": 2024,
            },
        ]
    )
    marked = mark_conflicts(mark_duplicates(table)).set_index("doc_id")
    assert (marked["status"] == "warning").all()
    assert "conflict: y/清河镇.pdf also reports 清河镇 2024" in marked.loc["x/清河镇.txt", "reason"]
    assert "comparisons use x/清河镇.txt" in marked.loc["y/清河镇.pdf", "reason"]
    assert comparable_doc_ids(marked.reset_index()) == ["x/清河镇.txt"]


def test_failed_files_are_neither_duplicates_nor_compared():
    table = docs(
        [
            {"doc_id": "a.txt", "status": "failed", "sha256": "h1"},
            {"doc_id": "b.txt", "status": "failed", "sha256": "h1"},
        ]
    )
    marked = mark_duplicates(table)
    assert marked["duplicate_of"].isna().all()
    assert comparable_doc_ids(marked) == []


def test_same_township_name_in_two_counties_is_no_conflict():
    table = docs(
        [
            {
                "doc_id": "甲县/城关镇.txt",
                "status": "ok",
                "sha256": "h1",
                "county": "甲县",
                "township": "城关镇",
                "year": 2024,
            },
            {
                "doc_id": "乙县/城关镇.txt",
                "status": "ok",
                "sha256": "h2",
                "county": "乙县",
                "township": "城关镇",
                "year": 2024,
            },
        ]
    )
    marked = mark_conflicts(mark_duplicates(table))
    assert (marked["status"] == "ok").all()
    assert comparable_doc_ids(marked) == ["乙县/城关镇.txt", "甲县/城关镇.txt"]
