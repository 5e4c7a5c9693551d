"""--jobs N runs documents on a process pool and writes the same bytes as --jobs 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.run import RunSettings, run_extract
from pipeline.samples.synthetic import write_text_corpus
from tests.conftest import RAW


def output_files(out: Path) -> dict[str, bytes]:
    """Given an output folder, return every file but the cache, by relative path."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".cache" not in p.relative_to(out).parts
    }


def extract(raw: Path, out: Path, jobs: int) -> dict[str, bytes]:
    run_extract(raw, out, RunSettings(jobs=jobs, cache=False, progress=False))
    return output_files(out)


@pytest.fixture(scope="module")
def synthetic_raw(tmp_path_factory) -> Path:
    return write_text_corpus(tmp_path_factory.mktemp("synthetic") / "corpus", 30, seed=3).raw


@pytest.mark.slow
def test_sample_county_with_two_jobs_is_byte_identical_to_one(tmp_path):
    one = extract(RAW, tmp_path / "one", jobs=1)
    two = extract(RAW, tmp_path / "two", jobs=2)
    assert sorted(one) == sorted(two)
    assert len([p for p in one if p.startswith("text/")]) == 24
    assert [p for p in one if one[p] != two[p]] == []


@pytest.mark.slow
def test_synthetic_corpus_with_three_jobs_is_byte_identical_to_one(tmp_path, synthetic_raw):
    one = extract(synthetic_raw, tmp_path / "one", jobs=1)
    three = extract(synthetic_raw, tmp_path / "three", jobs=3)
    assert sorted(one) == sorted(three)
    assert [p for p in one if one[p] != three[p]] == []


def test_default_jobs_is_every_core(monkeypatch):
    from pipeline import run

    monkeypatch.setattr(run.os, "cpu_count", lambda: 6)
    assert run._default_jobs() == 6
    monkeypatch.setattr(run.os, "cpu_count", lambda: None)
    assert run._default_jobs() == 1


def test_results_arriving_in_any_order_and_in_small_frames_give_the_same_bytes(
    tmp_path, synthetic_raw, monkeypatch
):
    from pipeline import run

    expected = extract(synthetic_raw, tmp_path / "plain", jobs=1)
    original = run._map_local

    def backwards(entries, settings, bar):
        yield from reversed(list(original(entries, settings, bar)))

    monkeypatch.setattr(run, "_map_local", backwards)
    monkeypatch.setattr(run, "FRAME_DOCUMENTS", 4)
    assert extract(synthetic_raw, tmp_path / "shuffled", jobs=1) == expected


@pytest.mark.slow
def test_a_document_that_kills_its_worker_fails_alone(tmp_path, synthetic_raw, monkeypatch):
    import multiprocessing
    import os

    from pipeline import run

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the patched function reaches the workers only when they are forked")
    victim = sorted(p.relative_to(synthetic_raw).as_posix() for p in synthetic_raw.rglob("*.txt"))[
        7
    ]
    original = run.process_entry

    def dying(entry, settings):
        if entry.doc_id == victim:
            os._exit(9)  # as a segfault in a PDF library would
        return original(entry, settings)

    dying.__module__, dying.__qualname__ = "pipeline.run", "process_entry"  # pickled by name
    monkeypatch.setattr(run, "process_entry", dying)
    result = run.run_extract(
        synthetic_raw, tmp_path / "out", RunSettings(jobs=2, cache=False, progress=False)
    )
    docs = result.documents.set_index("doc_id")
    assert docs.loc[victim, "status"] == "failed"
    assert "worker process died" in docs.loc[victim, "reason"]
    assert (docs.drop(index=victim)["status"] != "failed").all()
    assert len(docs) == 30


@pytest.mark.slow
def test_the_text_analysis_on_two_processes_and_in_any_batches_gives_the_same_tables(tmp_path):
    from dataclasses import replace

    from pipeline.analyze import analyze, load_settings

    raw = write_text_corpus(tmp_path / "corpus", 100, seed=3).raw  # several counties
    result = run_extract(raw, tmp_path / "out", RunSettings(jobs=2, progress=False))
    base = {n: getattr(result, n) for n in ("documents", "sections", "metrics", "practices")}
    assert base["documents"]["county"].nunique() >= 3
    settings = load_settings()

    def tables(batch_reports: int, jobs: int) -> dict:
        options = replace(
            settings, similarity={**settings.similarity, "batch_reports": batch_reports}
        )
        return analyze(base, result.texts, options, jobs=jobs)

    whole = tables(10_000, 1)  # one batch, in this process
    assert len(whole["similarity"]) and len(whole["reuse_pairs"]) and len(whole["keywords"])
    for batch_reports, jobs in ((10, 1), (10, 2)):  # a county or two a batch, here and on a pool
        other = tables(batch_reports, jobs)
        assert [name for name in whole if not whole[name].equals(other[name])] == []
