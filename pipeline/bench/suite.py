"""The benchmark's runs: for each corpus, the pipeline and the baselines, in the same run.

Every figure comes from a child process measured from start to exit (process.py): the
pipeline's commands through ``pipeline.bench.timed`` (the CLI with a stopwatch on each stage),
the baselines through ``pipeline.bench.baselines``. A pipeline run and its baseline alternate,
so a busy machine slows both alike; each is repeated and the median kept.

Per text corpus of N reports:
- ``jieba``: one bare jieba.lcut pass over the texts (whole process: interpreter, dictionary
  load, reading the files) — only for N <= ``single_max``, with
- ``extract_jobs1``: ``extract --jobs 1 --no-cache`` into a fresh folder;
- ``extract``: ``extract`` on all cores (or ``--jobs``) into a fresh folder (cold cache);
- ``rerun``: the same command again, nothing changed (every document from the cache);
- ``analyze``: ``analyze`` into that folder (extraction from the cache; the analysis, charts,
  workbook and HTML report are the work measured);
- ``incremental``: one report changed and one added, ``extract`` again; then both undone.
For the PDF set: the three ways of reading a PDF timed in one process on the same bytes
(``pdf-compare``), and whole-process passes of pdfplumber, pypdfium2 and ``extract --jobs 1``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

from pipeline.bench.process import Measurement, measure
from pipeline.samples.synthetic import CorpusInfo, write_pdf_corpus, write_text_corpus

REPEAT_MAX = 2000  # corpora larger than this are run once
_CACHED_RE = re.compile(r"(\d+) (?:documents )?from cache")


@dataclass(frozen=True)
class Options:
    work: Path  # corpora and run folders: processed/bench
    sizes: tuple[int, ...] = (100, 2000, 40000)
    pdf_pages: int = 300
    repeats: int = 3
    seed: int = 7
    jobs: int | None = None  # the all-cores runs; None = the pipeline's default (all cores)
    single_max: int = 2000  # largest corpus with the --jobs 1 runs and the jieba baseline
    python: str = sys.executable


def _python(opts: Options, *args: str) -> list[str]:
    return [opts.python, *args]


def _env() -> dict:
    env = dict(os.environ)
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def run_pipeline(
    opts: Options, command: str, raw: Path, out: Path, *args: str, fresh: bool = False
) -> dict:
    """Given a pipeline command, run it as a whole process; return its cost and stage times."""
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    timings = out.parent / f".{out.name}-{command}-timings.json"
    m = measure(
        _python(
            opts,
            "-m",
            "pipeline.bench.timed",
            str(timings),
            command,
            str(raw),
            "--out",
            str(out),
            "--quiet",
            *args,
        ),
        env=_env(),
    )
    stages = json.loads(timings.read_text(encoding="utf-8"))
    timings.unlink()
    found = _CACHED_RE.search(m.stdout)
    return {
        **m.to_dict(),
        "from_cache": int(found.group(1)) if found else None,
        "stages": {k: round(v["seconds"], 3) for k, v in stages["stages"].items()},
        "calls": {k: v["calls"] for k, v in stages["stages"].items()},
    }


def run_baseline(opts: Options, what: str, *args: str) -> dict:
    """Given a baseline name, run it as a whole process; return its cost and own timings."""
    m: Measurement = measure(
        _python(opts, "-m", "pipeline.bench.baselines", what, *args), env=_env()
    )
    return {**m.to_dict(), **{k: v for k, v in json.loads(m.stdout).items()}}


def median_run(runs: list[dict]) -> dict:
    """Given repeated runs, return the one of median wall time, with the medians of wall, cpu
    and memory over all runs and every run's wall time."""
    ordered = sorted(runs, key=lambda r: r["wall"])
    out = dict(ordered[(len(ordered) - 1) // 2])
    for key in ("wall", "cpu", "max_rss_mb", "tree_rss_mb", "pass", "load"):
        if key in out:
            out[key] = round(statistics.median(r[key] for r in runs), 3)
    out["walls"] = [round(r["wall"], 3) for r in runs]
    out["repeats"] = len(runs)
    return out


def text_corpus(opts: Options, reports: int, log) -> dict:
    """Given a size, build (or reuse) the text corpus and run everything on it."""
    corpus = write_text_corpus(opts.work / f"text-{reports}", reports, opts.seed)
    log(f"text corpus: {corpus.reports} reports, {corpus.bytes / 1e6:.1f} MB in {corpus.raw}")
    runs = opts.work / "runs" / f"text-{reports}"
    raw = corpus.raw
    repeats = opts.repeats if reports <= REPEAT_MAX else 1
    jobs = ("--jobs", str(opts.jobs)) if opts.jobs else ()
    out: dict = {"corpus": corpus.to_dict()}
    if reports <= opts.single_max:
        baseline, single = [], []
        for i in range(repeats):
            log(f"  [{i + 1}/{repeats}] bare jieba.lcut pass; extract --jobs 1 --no-cache")
            baseline.append(run_baseline(opts, "jieba", str(raw)))
            single.append(
                run_pipeline(
                    opts, "extract", raw, runs / "jobs1", "--jobs", "1", "--no-cache", fresh=True
                )
            )
        out["jieba"], out["extract_jobs1"] = median_run(baseline), median_run(single)
    cold = []
    for i in range(repeats):
        log(f"  [{i + 1}/{repeats}] extract {' '.join(jobs) or '(all cores)'}, cold cache")
        cold.append(run_pipeline(opts, "extract", raw, runs / "out", *jobs, fresh=True))
    out["extract"] = median_run(cold)
    log("  extract again, nothing changed")
    out["rerun"] = run_pipeline(opts, "extract", raw, runs / "out", *jobs)
    analyze = []
    for i in range(repeats):
        log(f"  [{i + 1}/{repeats}] analyze (extraction from the cache)")
        analyze.append(run_pipeline(opts, "analyze", raw, runs / "out", *jobs))
    out["analyze"] = median_run(analyze)
    log("  one report changed and one added, extract again")
    out["incremental"] = incremental(opts, raw, runs / "out", jobs)
    return out


def incremental(opts: Options, raw: Path, out: Path, jobs: tuple) -> dict:
    """Given a corpus with a warm cache, change one report and add one, re-run extract, undo
    both; return the run (``from_cache`` should be the corpus size minus one)."""
    changed = next(p for p in sorted(raw.rglob("*.txt")))
    original = changed.read_bytes()
    text = original.decode("utf-8")
    bumped = re.sub(r"(\d+)(?=次)", lambda m: str(int(m.group(1)) + 1), text, count=1)
    added = changed.with_name("新增" + changed.name)
    try:
        changed.write_bytes((bumped if bumped != text else text + "\n").encode("utf-8"))
        added.write_text(text.replace(changed.stem, "新增" + changed.stem), encoding="utf-8")
        run = run_pipeline(opts, "extract", raw, out, *jobs)
    finally:
        changed.write_bytes(original)
        added.unlink(missing_ok=True)
    return {**run, "changed": 1, "added": 1}


def pdf_corpus(opts: Options, log) -> dict:
    """Build (or reuse) the PDF set and compare the pipeline's PDF reading with the baselines."""
    corpus: CorpusInfo = write_pdf_corpus(
        opts.work / f"pdf-{opts.pdf_pages}", opts.pdf_pages, opts.seed
    )
    log(f"PDF set: {corpus.reports} reports, {corpus.pages} pages in {corpus.raw}")
    raw, source = corpus.raw, corpus.raw.parent / "source"
    log(f"  same-process comparison, {opts.repeats} repeats")
    compare = run_baseline(
        opts, "pdf-compare", str(raw), str(source), "--repeats", str(opts.repeats)
    )
    plumber, pdfium, ours = [], [], []
    for i in range(opts.repeats):
        log(f"  [{i + 1}/{opts.repeats}] bare pdfplumber; bare pypdfium2; extract --jobs 1")
        plumber.append(run_baseline(opts, "pdfplumber", str(raw)))
        pdfium.append(run_baseline(opts, "pypdfium2", str(raw)))
        ours.append(
            run_pipeline(
                opts,
                "extract",
                raw,
                opts.work / "runs" / "pdf",
                "--jobs",
                "1",
                "--no-cache",
                fresh=True,
            )
        )
    return {
        "corpus": corpus.to_dict(),
        "compare": compare,
        "pdfplumber": median_run(plumber),
        "pypdfium2": median_run(pdfium),
        "extract_jobs1": median_run(ours),
    }


def run_suite(opts: Options, log=lambda message: None) -> dict:
    """Given the options, run every benchmark; return the results (see table.py for the ratios)."""
    opts.work.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "machine": machine(),
        "options": {
            "sizes": list(opts.sizes),
            "pdf_pages": opts.pdf_pages,
            "repeats": opts.repeats,
            "seed": opts.seed,
            "jobs": opts.jobs,
            "single_max": opts.single_max,
        },
        "text": {},
    }
    for n in opts.sizes:
        results["text"][str(n)] = text_corpus(opts, n, log)
    if opts.pdf_pages:
        results["pdf"] = pdf_corpus(opts, log)
    results["machine"]["load_after"] = list(os.getloadavg())
    return results


def machine() -> dict:
    """Return what the figures depend on: cores, load, Python and the libraries' versions."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for name in ("jieba", "pdfplumber", "pypdfium2", "pandas", "scikit-learn", "dask"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return {
        "cpus": os.cpu_count(),
        "load_before": list(os.getloadavg()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }
