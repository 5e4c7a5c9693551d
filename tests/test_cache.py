"""The content-hash cache under OUT_DIR/.cache: a re-run extracts only what changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import run
from pipeline.config import CACHE_SUBDIR, Limits
from pipeline.run import RunSettings, run_extract
from pipeline.samples.synthetic import write_text_corpus
from tests.test_parallel import output_files

SETTINGS = RunSettings(jobs=1, progress=False)


@pytest.fixture
def raw(tmp_path_factory) -> Path:
    """A fresh 12-report synthetic corpus (a test may change it)."""
    corpus = write_text_corpus(tmp_path_factory.mktemp("cache") / "corpus", 12, seed=5)
    return corpus.raw


@pytest.fixture
def calls(monkeypatch) -> list[str]:
    """The doc_ids process_entry is called with (--jobs 1 runs it in this process)."""
    seen: list[str] = []
    original = run.process_entry

    def counting(entry, settings):
        seen.append(entry.doc_id)
        return original(entry, settings)

    monkeypatch.setattr(run, "process_entry", counting)
    return seen


def reports(raw: Path) -> list[Path]:
    return sorted(raw.rglob("*.txt"))


def test_a_rerun_takes_every_document_from_the_cache(tmp_path, raw, calls):
    first = run_extract(raw, tmp_path / "out", SETTINGS)
    assert (first.cached, len(calls)) == (0, 12)
    calls.clear()
    second = run_extract(raw, tmp_path / "out", SETTINGS)
    assert (second.cached, calls) == (12, [])


def test_one_changed_and_one_added_report_are_the_only_ones_extracted(tmp_path, raw, calls):
    run_extract(raw, tmp_path / "out", SETTINGS)
    changed, template = reports(raw)[0], reports(raw)[1]
    changed.write_text(
        changed.read_text(encoding="utf-8").replace("法治", "法制", 1), encoding="utf-8"
    )
    added = template.with_name("新添" + template.name)
    shutil.copyfile(template, added)
    calls.clear()
    result = run_extract(raw, tmp_path / "out", SETTINGS)
    assert sorted(calls) == sorted(p.relative_to(raw).as_posix() for p in (changed, added))
    assert result.cached == 11
    cold = run_extract(raw, tmp_path / "cold", RunSettings(jobs=1, cache=False, progress=False))
    assert cold.cached == 0
    assert output_files(tmp_path / "out") == output_files(tmp_path / "cold")


def test_a_renamed_file_is_extracted_again_because_its_doc_id_changed(tmp_path, raw, calls):
    run_extract(raw, tmp_path / "out", SETTINGS)
    moved = reports(raw)[0]
    moved.rename(moved.with_name("改名" + moved.name))
    calls.clear()
    assert run_extract(raw, tmp_path / "out", SETTINGS).cached == 11
    assert len(calls) == 1


def test_entries_of_removed_reports_are_pruned(tmp_path, raw):
    run_extract(raw, tmp_path / "out", SETTINGS)
    cache = tmp_path / "out" / CACHE_SUBDIR
    assert len(list(cache.glob("*.json"))) == 12
    reports(raw)[0].unlink()
    run_extract(raw, tmp_path / "out", SETTINGS)
    assert len(list(cache.glob("*.json"))) == 11


def test_other_limits_invalidate_the_cache(tmp_path, raw, calls):
    run_extract(raw, tmp_path / "out", SETTINGS)
    calls.clear()
    other = RunSettings(jobs=1, progress=False, limits=Limits(max_seconds=99))
    assert run_extract(raw, tmp_path / "out", other).cached == 0
    assert len(calls) == 12


def test_a_damaged_cache_entry_is_a_miss_not_an_error(tmp_path, raw, calls):
    run_extract(raw, tmp_path / "out", SETTINGS)
    damaged = sorted((tmp_path / "out" / CACHE_SUBDIR).glob("*.json"))[0]
    damaged.write_text('{"document": ', encoding="utf-8")
    calls.clear()
    assert run_extract(raw, tmp_path / "out", SETTINGS).cached == 11
    assert len(calls) == 1


def test_no_cache_neither_reads_nor_writes_it(tmp_path, raw, calls):
    run_extract(raw, tmp_path / "out", SETTINGS)
    cache = tmp_path / "out" / CACHE_SUBDIR
    before = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    reports(raw)[0].unlink()
    calls.clear()
    result = run_extract(raw, tmp_path / "out", RunSettings(jobs=1, cache=False, progress=False))
    assert (result.cached, len(calls)) == (0, 11)
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == before


@pytest.fixture
def package_copy(tmp_path, monkeypatch) -> Path:
    """The ingest, extract and data folders copied, and the fingerprint pointed at the copy."""
    copy = tmp_path / "pipeline"
    for name in ("ingest", "extract", "data"):
        shutil.copytree(run.PACKAGE_DIR / name, copy / name)
    monkeypatch.setattr(run, "PACKAGE_DIR", copy)
    monkeypatch.setattr(run, "DEFAULT_ANALYSIS", copy / "data" / run.DEFAULT_ANALYSIS.name)
    return copy


def test_the_analysis_settings_do_not_invalidate_extraction(package_copy):
    before = run._fingerprint(SETTINGS)
    with (package_copy / "data" / "analysis.yaml").open("a", encoding="utf-8") as f:
        f.write("\n# a threshold changed\n")
    assert run._fingerprint(SETTINGS) == before


@pytest.mark.parametrize(
    "changed", ["data/catalog.yaml", "data/user_dict.txt", "extract/numbers.py", "ingest/layout.py"]
)
def test_extraction_code_and_data_invalidate_it(package_copy, changed):
    before = run._fingerprint(SETTINGS)
    with (package_copy / changed).open("a", encoding="utf-8") as f:
        f.write("\n")
    assert run._fingerprint(SETTINGS) != before
