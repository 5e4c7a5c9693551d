"""The command line: ``python -m pipeline <command>``.

Library code raises the project's errors; this module alone turns them into a one-line message
that says what happened and what to try, and into an exit code:
0 the run completed (even if some files failed: the documents table says which),
1 ``--strict`` and some file failed, 2 the run could not be done as asked.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path

from pipeline import __version__
from pipeline.config import Limits
from pipeline.errors import PipelineError

EXIT_OK, EXIT_FAILED_FILES, EXIT_ERROR = 0, 1, 2


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "raw_dir",
        metavar="RAW_DIR",
        help="folder of reports, e.g. raw/<county>/<year>/<township>.pdf",
    )
    p.add_argument(
        "--out", metavar="OUT_DIR", default="processed", help="output folder (default: processed)"
    )
    p.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="worker processes (default: all cores; 1 = in-process)",
    )
    p.add_argument(
        "--catalog",
        metavar="PATH",
        help="metric catalog YAML (default: the shipped pipeline/data/catalog.yaml)",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 when any file failed")
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="re-read every file instead of reusing OUT_DIR/.cache",
    )
    p.add_argument(
        "--no-ocr",
        action="store_true",
        help="never OCR; pages without text make the file needs_ocr",
    )
    p.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="per-file limit, repeatable: "
        + ", ".join(f"{f.name} (default {f.default:.15g})" for f in fields(Limits)),
    )
    p.add_argument(
        "--executor",
        choices=["local", "dask"],
        default="local",
        help="where per-document work runs (default: local process pool)",
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler address, with --executor dask"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Read township rule-of-law government reports, extract metrics with evidence, "
        "compare townships and write tables, charts, a workbook and an HTML report.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "extract",
        help="read every report; write documents, sections, metrics, practices",
        description="Ingest every file under RAW_DIR and extract the catalog's metrics and "
        "practices into OUT_DIR (documents.csv, sections.csv, metrics.csv, practices.csv, text/).",
    )
    _add_run_options(p)
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser(
        "analyze",
        help="extract, then compare, score, flag, find copies, write reports",
        description="Run extract, then the comparison, scores, flags, similarity, keywords, "
        "charts, the Excel workbook and the HTML report into OUT_DIR.",
    )
    _add_run_options(p)
    p.add_argument(
        "--settings",
        metavar="PATH",
        help="analysis thresholds and weights YAML (default: pipeline/data/analysis.yaml)",
    )
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser(
        "eval",
        help="precision, recall and F1 against gold labels",
        description="Extract RAW_DIR and compare with gold labels (JSON lines, or one JSON object).",
    )
    p.add_argument(
        "raw_dir", metavar="RAW_DIR", help="folder the gold file's `file` paths are relative to"
    )
    p.add_argument("--gold", required=True, metavar="GOLD", help="gold.jsonl or gold.json")
    p.add_argument("--catalog", metavar="PATH", help="metric catalog YAML")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser(
        "notebooks",
        help="execute the analysts' notebooks into HTML",
        description="Execute notebooks/*.ipynb on the sample county (or PROCESSED_DIR) "
        "and write them as HTML.",
    )
    p.add_argument(
        "--out", default="processed/notebooks", metavar="DIR", help="where the HTML goes"
    )
    p.add_argument(
        "--processed",
        metavar="DIR",
        help="processed folder the notebooks read (default: processed)",
    )
    p.set_defaults(func=cmd_notebooks)
    return parser


def _settings(args):
    from pipeline.run import RunSettings

    if args.jobs is not None and args.jobs < 1:
        raise PipelineError(f"--jobs must be at least 1, got {args.jobs}")
    if args.executor == "dask" and not args.scheduler:
        raise PipelineError(
            "--executor dask needs --scheduler ADDRESS", hint="e.g. --scheduler tcp://10.0.0.5:8786"
        )
    return RunSettings(
        limits=Limits.from_pairs(args.limit),
        catalog=args.catalog,
        ocr=not args.no_ocr,
        jobs=args.jobs,
        cache=not args.no_cache,
        executor=args.executor,
        scheduler=args.scheduler,
        progress=not args.quiet,
    )


def _status_line(documents) -> str:
    counts = documents["status"].value_counts()
    parts = [
        f"{counts.get(s, 0)} {s}"
        for s in ("ok", "warning", "needs_ocr", "failed")
        if counts.get(s, 0)
    ]
    return f"{len(documents)} files: " + ", ".join(parts)


def cmd_extract(args) -> int:
    from pipeline.run import failed_count, run_extract

    result = run_extract(args.raw_dir, args.out, _settings(args))
    print(_status_line(result.documents))
    print(
        f"{len(result.metrics)} metric values, {int(result.practices['present'].sum()) if len(result.practices) else 0} "
        f"practices found; tables in {args.out}/ ({result.seconds:.1f} s, {result.cached} from cache)"
    )
    return EXIT_FAILED_FILES if args.strict and failed_count(result.documents) else EXIT_OK


def cmd_analyze(args) -> int:
    from pipeline.run import failed_count, run_analyze

    summary = run_analyze(args.raw_dir, args.out, _settings(args), args.settings)
    print(summary.text)
    return EXIT_FAILED_FILES if args.strict and failed_count(summary.documents) else EXIT_OK


def cmd_eval(args) -> int:
    from pipeline.evaluate import evaluate, format_report

    print(format_report(evaluate(args.gold, args.raw_dir, catalog=args.catalog)))
    return EXIT_OK


def cmd_notebooks(args) -> int:
    from pipeline.notebooks import execute_notebooks

    for path in execute_notebooks(Path(args.out), processed=args.processed):
        print(path)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except PipelineError as e:
        hint = f" ({e.hint})" if e.hint else ""
        print(f"error: {e}{hint}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted: previous outputs are left as they were", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
