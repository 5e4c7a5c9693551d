"""Run the pipeline's command line with a stopwatch on each stage.

    python -m pipeline.bench.timed TIMINGS.json extract RAW --out OUT --jobs 1

is ``python -m pipeline extract RAW --out OUT --jobs 1`` with the stage functions wrapped in a
timer; when the command ends, TIMINGS.json holds, for each wrapped function, its calls and
total seconds. The wrappers only add a clock read per call, so the command's own wall time is
still the user's. Functions that run in pool workers (``--jobs`` > 1) are not seen here: per
document stages are timed with ``--jobs 1`` only.

The analysis stages are looked up by name in ``pipeline.analyze``; a name that is not there
(the analysis is still changing) is simply not timed.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import sys
import tempfile
import time
from collections import defaultdict

# (module, attribute) of every function timed. Wrapping the module attribute times the calls
# that look it up there: run.py calls its own globals, analyze() the names it imported.
TIMED = [
    ("pipeline.run", "extract_corpus"),
    ("pipeline.run", "process_entry"),
    ("pipeline.run", "_extraction_tools"),
    ("pipeline.run", "ingest_entry"),
    ("pipeline.extract", "extract_document"),
    ("pipeline.run", "write_extract_outputs"),
    ("pipeline.run", "_fingerprint"),
    ("pipeline.analyze", "analyze"),
    ("pipeline.report", "write_reports"),
    ("pipeline.report", "workbook_bytes"),
    ("pipeline.report", "report_html"),
    ("pipeline.report", "chart_jobs"),
    ("pipeline.analyze", "metrics_to_comparison"),
    ("pipeline.analyze", "dimension_scores"),
    ("pipeline.analyze", "all_flags"),
    ("pipeline.analyze", "corpus_sentences"),
    ("pipeline.analyze", "sentences_to_counts"),
    ("pipeline.analyze", "doc_vectors"),
    ("pipeline.analyze", "compared_pairs"),
    ("pipeline.analyze", "similarity_rows"),
    ("pipeline.analyze", "reuse_rows"),
    ("pipeline.analyze", "with_shared_paragraphs"),
    ("pipeline.analyze", "keyword_rows"),
    ("pipeline.analyze", "problem_themes"),
    ("pipeline.analyze", "foreign_names"),
]
# The similarity stage: cosines between compared reports and paragraph reuse, given the
# sentences' word counts. SIMILARITY_WITH_WORDS adds the sentence split and word counting,
# which keywords and problem themes share with it.
SIMILARITY = [
    "doc_vectors",
    "compared_pairs",
    "similarity_rows",
    "reuse_rows",
    "with_shared_paragraphs",
]
SIMILARITY_WITH_WORDS = [*SIMILARITY, "corpus_sentences", "sentences_to_counts"]


def install(timings: dict, command: str) -> list[str]:
    """Given a dict to fill and the command, wrap every TIMED function found; return the names
    wrapped. For ``extract`` the analysis and report modules are not imported (they would add
    their import time to a command that never loads them)."""
    wrapped = []
    for module_name, attr in TIMED:
        if command != "analyze" and module_name in ("pipeline.analyze", "pipeline.report"):
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        func = getattr(module, attr, None)
        if not callable(func):
            continue
        setattr(module, attr, _timer(func, attr, timings))
        wrapped.append(attr)
    return wrapped


def _timer(func, name: str, timings: dict):
    @functools.wraps(func)
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            entry = timings[name]
            entry["calls"] += 1
            entry["seconds"] += time.perf_counter() - started

    return timed


# The analysis sends its batches of counties to pool workers (fresh processes, not forks).
# When this variable names a folder, each worker wraps the same stages and, after each batch,
# writes its totals there as <pid>.json; main() adds them to the run's.
WORKER_TIMINGS_ENV = "PIPELINE_BENCH_WORKER_TIMINGS"
_WORKER: dict = defaultdict(lambda: {"calls": 0, "seconds": 0.0})
_WORKER_WRAPPED: list[str] = []


def timing_worker() -> str | None:
    """In a pool worker: return the folder for its timings (wrapping the stages the first
    time), or None when the run is not timed."""
    folder = os.environ.get(WORKER_TIMINGS_ENV)
    if folder and not _WORKER_WRAPPED:
        _WORKER_WRAPPED.extend(install(_WORKER, "analyze"))
    return folder


def dump_worker(folder: str) -> None:
    """Given the timings folder, write this worker's totals so far."""
    from pipeline.outputs import atomic_write_text

    atomic_write_text(os.path.join(folder, f"{os.getpid()}.json"), json.dumps(dict(_WORKER)))


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        sys.stderr.write("usage: python -m pipeline.bench.timed TIMINGS.json COMMAND ...\n")
        return 2
    target, command = argv[0], argv[1:]
    timings: dict = defaultdict(lambda: {"calls": 0, "seconds": 0.0})
    wrapped = install(timings, command[0])
    from pipeline.cli import main as cli_main

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as folder:
        os.environ[WORKER_TIMINGS_ENV] = folder
        code = cli_main(command)
        for name in sorted(os.listdir(folder)):
            if name.endswith(".json"):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    for stage, entry in json.load(f).items():
                        timings[stage]["calls"] += entry["calls"]
                        timings[stage]["seconds"] += entry["seconds"]
    result = {
        "command_seconds": time.perf_counter() - started,
        "wrapped": wrapped,
        "stages": dict(timings),
    }
    with open(target, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
