"""The benchmark's own code: baselines on tiny inputs, and the table from canned results (no
timing is asserted anywhere)."""

from __future__ import annotations

import json
import sys

import pytest

from pipeline.bench import baselines
from pipeline.bench.process import measure
from pipeline.bench.table import derive, format_table, targets
from tests.conftest import RAW


def run(wall: float, **extra) -> dict:
    return {
        "wall": wall,
        "cpu": wall,
        "max_rss_mb": 200.0,
        "tree_rss_mb": 300.0,
        "returncode": 0,
        "from_cache": None,
        "stages": {},
        "calls": {},
        "repeats": 1,
        **extra,
    }


def canned(size: int = 2000) -> dict:
    analyze_stages = {
        "analyze": 10.0,
        "write_reports": 5.0,
        "doc_vectors": 0.1,
        "compared_pairs": 0.1,
        "similarity_rows": 1.0,
        "reuse_rows": 1.0,
        "with_shared_paragraphs": 0.1,
        "corpus_sentences": 3.0,
        "sentences_to_counts": 0.5,
    }
    text = {
        "corpus": {
            "raw": "x",
            "reports": size,
            "bytes": 14_000_000,
            "chars": 4_800_000,
            "pages": 0,
        },
        "jieba": run(100.0, load=2.0, **{"pass": 97.0}),
        "extract_jobs1": run(90.0, stages={"process_entry": 85.0, "_extraction_tools": 3.0}),
        "extract": run(60.0, from_cache=0),
        "rerun": run(5.0, from_cache=size),
        "analyze": run(25.0, from_cache=size, stages=analyze_stages),
        "incremental": run(6.0, from_cache=size - 1),
    }
    pdf = {
        "corpus": {"raw": "p", "reports": 60, "bytes": 700_000, "chars": 145_000, "pages": 300},
        "compare": {
            "files": 60,
            "pages": 300,
            "bytes": 700_000,
            "repeats": 3,
            "pipeline": {"seconds": 1.0, "identical_to_source": 60, "source_chars_found": 1.0},
            "pdfplumber": {"seconds": 12.0, "identical_to_source": 0, "source_chars_found": 0.999},
            "pypdfium2": {"seconds": 0.5, "identical_to_source": 0, "source_chars_found": 1.0},
        },
        "pdfplumber": run(13.0),
        "pypdfium2": run(1.0),
        "extract_jobs1": run(9.0),
    }
    return {
        "machine": {
            "cpus": 2,
            "load_before": [1.0, 1.0, 1.0],
            "load_after": [2.0, 2.0, 2.0],
            "python": "3.11",
            "versions": {"jieba": "0.42.1"},
        },
        "options": {"jobs": None},
        "text": {str(size): text},
        "pdf": pdf,
    }


def test_ratios_are_baseline_time_over_pipeline_time():
    d = derive(canned())
    assert d["text"]["2000"]["extract_vs_jieba_wall"] == pytest.approx(100 / 90, abs=1e-3)
    assert d["text"]["2000"]["per_document_vs_lcut"] == pytest.approx(97 / 82, abs=1e-3)
    assert d["text"]["2000"]["similarity_ms_per_report"] == pytest.approx(1000 * 2.3 / 2000)
    assert d["text"]["2000"]["incremental_extracted"] == 2
    assert d["pdf"]["pipeline_vs_pdfplumber"] == 12.0


def test_targets_name_each_goal_with_its_verdict():
    verdicts = {t["target"].split(",")[0]: t["pass"] for t in targets(canned(), derive(canned()))}
    assert verdicts["text extraction vs bare jieba.lcut"] is True
    assert verdicts["PDF ingestion vs bare pdfplumber pages/s (300 pages)"] is True
    assert verdicts["analyze"] is True
    assert verdicts["incremental: documents re-extracted after 1 changed + 1 added"] is True


def test_the_table_prints_every_ratio_and_target():
    table = format_table(canned())
    for words in (
        "bare jieba.lcut pass, whole process",
        "ratio extract/jieba",
        "ratio pipeline/pdfplumber 12.00x",
        "PASS  text extraction",
        "similarity stage",
    ):
        assert words in table


def test_similarity_growth_is_judged_between_the_two_largest_corpora():
    results = canned()
    large = json.loads(json.dumps(results["text"]["2000"]))
    large["corpus"]["reports"] = 40000
    large["analyze"]["stages"] = {k: v * 20 for k, v in large["analyze"]["stages"].items()}
    results["text"]["40000"] = large
    rows = {t["target"]: t for t in targets(results, derive(results))}
    growth = rows["similarity stage time per report, 40,000 vs 2,000 reports (1.0 = linear)"]
    assert growth["value"] == pytest.approx(1.0) and growth["pass"]


def test_bare_baselines_read_the_sample_county():
    words = baselines.jieba_pass(str(RAW))
    assert words["words"] > 10_000 and words["chars"] > 20_000
    pdf = baselines.pdf_pass(str(RAW), baselines.pypdfium2_text)
    assert pdf["pages"] >= 4


def test_measure_reports_exit_wall_cpu_and_memory():
    m = measure([sys.executable, "-c", "x = bytearray(50_000_000); print('done')"])
    assert (m.returncode, m.stdout.strip()) == (0, "done")
    assert m.wall > 0 and m.max_rss_mb >= 50
    with pytest.raises(RuntimeError, match="exited 3"):
        measure([sys.executable, "-c", "raise SystemExit(3)"])


@pytest.mark.slow
def test_analysis_stages_run_on_pool_workers_are_timed(tmp_path):
    """The text analysis runs its batches of counties on worker processes; the timed run
    still reports their stages (the similarity line of the bench table needs them)."""
    import yaml

    from pipeline.config import DEFAULT_ANALYSIS
    from pipeline.samples.synthetic import write_text_corpus

    raw = write_text_corpus(tmp_path / "corpus", 100, seed=3).raw
    settings = yaml.safe_load(DEFAULT_ANALYSIS.read_text(encoding="utf-8"))
    settings["similarity"]["batch_reports"] = 20
    path = tmp_path / "analysis.yaml"
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    timings = tmp_path / "timings.json"
    measure(
        [
            sys.executable,
            *("-m", "pipeline.bench.timed", str(timings), "analyze", str(raw)),
            *("--out", str(tmp_path / "out"), "--settings", str(path), "--jobs", "2", "--quiet"),
        ]
    )
    stages = json.loads(timings.read_text(encoding="utf-8"))["stages"]
    batches = stages["corpus_sentences"]["calls"]
    assert batches >= 3  # one a batch, every batch on a worker
    for name in ("similarity_rows", "reuse_rows", "keyword_rows", "problem_themes"):
        assert stages[name]["calls"] == batches and stages[name]["seconds"] > 0
    assert stages["analyze"]["calls"] == 1  # the main process's own stages as before
