"""Synthetic corpora for the benchmark: deterministic, varied, and read like the samples."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

import pytest

from pipeline.ingest import Entry, discover, ingest_entry
from pipeline.ingest.normalize import fold_whitespace
from pipeline.samples.synthetic import (
    MAX_TOWNSHIPS,
    MIN_TOWNSHIPS,
    YEARS,
    _templates,
    generate_reports,
    write_pdf_corpus,
    write_text_corpus,
)


@pytest.fixture(scope="module")
def reports():
    return list(generate_reports(400, seed=7))


def test_the_same_seed_gives_the_same_reports_and_a_smaller_corpus_is_a_prefix(reports):
    assert list(generate_reports(150, seed=7)) == reports[:150]
    other = list(generate_reports(150, seed=8))
    assert [r.text for r in other] != [r.text for r in reports[:150]]


def test_counties_have_10_to_30_townships_reporting_on_both_years(reports):
    complete = {r.county for r in reports} - {reports[-1].county}  # the last may be cut short
    assert len(complete) >= 5
    for county in complete:
        townships = Counter(r.township for r in reports if r.county == county)
        assert MIN_TOWNSHIPS <= len(townships) <= MAX_TOWNSHIPS
        assert set(townships.values()) == {len(YEARS)}
    assert Counter(r.year for r in reports) == {2023: 200, 2024: 200}


def test_township_names_are_unique_across_counties(reports):
    places = {(r.county, r.township) for r in reports}
    assert len({t for _, t in places}) == len(places)


def test_no_name_of_the_sample_county_is_left(reports):
    old = ["青溪", "江州"] + [t.township for t in _templates()]
    left = [(r.doc_id, name) for r in reports for name in old if name in r.text]
    assert left == []


def test_reports_name_their_own_township_and_year_and_only_their_county(reports):
    counties = {r.county for r in reports}
    for r in reports:
        head = r.text[:400]
        assert r.township in head and f"{r.year}年" in head
        assert [c for c in counties if c in r.text] in ([], [r.county])  # some name none


def test_reports_are_2_to_4_thousand_characters_and_vary(reports):
    lengths = [len(r.text) for r in reports]
    assert min(lengths) >= 1500 and max(lengths) <= 4000
    assert sum(lengths) / len(lengths) >= 2000
    assert len({r.text for r in reports}) == len(reports)


def test_numbers_change_but_dates_and_item_markers_stay(reports):
    sources = {t.texts[y] for t in _templates() for y in YEARS}
    numbers = re.compile(r"\d+(?:\.\d+)?(?=[次件名场份条项%])")
    for r in reports[:40]:
        assert re.search(r"20\d\d年\d{1,2}月\d{1,2}日\s*$", r.text)
        markers = re.findall(r"^(\d+)[、.．]", r.text, re.MULTILINE)
        assert markers[:1] in ([], ["1"])  # 1. 2. 3. items keep their numbers
    changed = [
        r
        for r in reports[:40]
        if numbers.findall(r.text) not in [numbers.findall(s) for s in sources]
    ]
    assert len(changed) >= 36  # a weak report may have no count above 1 to change


def test_a_written_corpus_is_reused_and_read_by_the_pipeline(tmp_path):
    info = write_text_corpus(tmp_path / "c", 8, seed=7)
    assert (info.reports, len(discover(info.raw))) == (8, 8)
    assert (
        (info.raw / "townships.csv")
        .read_text(encoding="utf-8")
        .startswith("county,township,population,villages\n")
    )
    stamp = (info.raw / "townships.csv").stat().st_mtime_ns
    assert write_text_corpus(tmp_path / "c", 8, seed=7) == info
    assert (info.raw / "townships.csv").stat().st_mtime_ns == stamp
    for entry in discover(info.raw):
        doc = ingest_entry(entry)
        county, year, township = entry.doc_id.removesuffix(".txt").split("/")
        assert (doc.status, doc.meta.county, doc.meta.township, doc.meta.year) == (
            "ok",
            county,
            township,
            int(year),
        )


@pytest.mark.slow
def test_the_pdf_set_has_the_pages_asked_for_and_reads_back_as_its_source(tmp_path):
    info = write_pdf_corpus(tmp_path / "p", pages=12, seed=7)
    assert info.pages >= 12
    pdfs = sorted(info.raw.rglob("*.pdf"))
    assert len(pdfs) == info.reports
    for path in pdfs:
        doc = ingest_entry(Entry(path, path.relative_to(info.raw).as_posix()))
        source = (info.raw.parent / "source" / path.relative_to(info.raw)).with_suffix(".txt")
        expected = unicodedata.normalize("NFKC", source.read_text(encoding="utf-8"))
        assert fold_whitespace(doc.text) == fold_whitespace(expected)
