"""``python -m pipeline.bench`` (``make bench``): run the benchmark, print the table, write
OUT/bench.json.

    python -m pipeline.bench --out processed                 # all sizes: 100, 2,000, 40,000 + 300 PDF pages
    python -m pipeline.bench --sizes 100,2000 --repeats 3    # a quick run (a few minutes)

Corpora are generated under OUT/bench/ (reused while the generator and the samples are
unchanged) and are never committed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from pipeline.bench.suite import Options, run_suite
from pipeline.bench.table import derive, format_table, targets


def _sizes(value: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(v.replace("_", "")) for v in value.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--sizes takes numbers like 100,2000; got {value!r}"
        ) from None
    if not sizes or min(sizes) < 2:
        raise argparse.ArgumentTypeError(
            f"--sizes needs sizes of at least 2 reports; got {value!r}"
        )
    return sizes


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m pipeline.bench",
        description=(
            "Benchmark extract and analyze on synthetic corpora against bare jieba, pdfplumber and "
            "pypdfium2; print the table and write OUT/bench.json."
        ),
    )
    p.add_argument(
        "--out",
        default="processed",
        metavar="OUT_DIR",
        help="where bench.json goes; corpora and runs go to OUT_DIR/bench (default: processed)",
    )
    p.add_argument(
        "--sizes",
        type=_sizes,
        default=(100, 2000, 40000),
        metavar="N,N,...",
        help="text corpus sizes in reports (default: 100,2000,40000)",
    )
    p.add_argument(
        "--pdf-pages",
        type=int,
        default=300,
        metavar="N",
        help="pages of the PDF set (default: 300; 0 = no PDF benchmark)",
    )
    p.add_argument(
        "--repeats",
        type=int,
        default=3,
        metavar="N",
        help="runs of each measurement, median kept (corpora over 2,000 reports: 1)",
    )
    p.add_argument(
        "--jobs", type=int, metavar="N", help="--jobs of the parallel runs (default: all cores)"
    )
    p.add_argument(
        "--single-max",
        type=int,
        default=2000,
        metavar="N",
        help="largest corpus also run with --jobs 1 against the jieba baseline (default: 2000)",
    )
    p.add_argument("--seed", type=int, default=7, help="seed of the synthetic corpora (default: 7)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = Path(args.out)
    opts = Options(
        work=out / "bench",
        sizes=args.sizes,
        pdf_pages=args.pdf_pages,
        repeats=max(1, args.repeats),
        seed=args.seed,
        jobs=args.jobs,
        single_max=args.single_max,
    )
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {message}", file=sys.stderr, flush=True)

    results = run_suite(opts, log)
    derived = derive(results)
    results["derived"] = derived
    results["targets"] = targets(results, derived)
    results["command"] = "python -m pipeline.bench " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    results["seconds"] = round(time.perf_counter() - started, 1)
    from pipeline.outputs import atomic_write_text

    atomic_write_text(out / "bench.json", json.dumps(results, ensure_ascii=False, indent=1) + "\n")
    print(format_table(results))
    print(f"\nwritten: {out / 'bench.json'} ({results['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
