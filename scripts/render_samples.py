"""Render the sample county's canonical reports into raw/, in the formats formats.yaml lists.

Reads samples/formats.yaml and samples/source/<year>/<township>.txt; writes
raw/<county>/<year>/<township>.<ext> (txt and txt-gbk -> .txt) and copies
samples/townships.csv to raw/townships.csv. Deterministic: a second run gives byte-identical
files, so the committed raw/ can be checked against the sources with --check.

Usage:
    python scripts/render_samples.py            # (re)write raw/
    python scripts/render_samples.py --check    # exit 1 when raw/ differs from a fresh render
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.samples.render import (  # noqa: E402
    RenderMeta,
    render_docx,
    render_html,
    render_pdf,
    render_txt,
)

# format in formats.yaml -> (file extension in raw/, renderer)
FORMATS = {
    "txt": (".txt", lambda text, meta: render_txt(text, "utf-8")),
    "txt-gbk": (".txt", lambda text, meta: render_txt(text, "gbk", newline="\r\n")),
    "docx": (".docx", render_docx),
    "pdf": (".pdf", render_pdf),
    "html": (".html", render_html),
}


def planned_files(samples: Path, raw: Path) -> dict[Path, bytes]:
    """Given the samples folder and the raw folder, return every file to write and its bytes."""
    spec = yaml.safe_load((samples / "formats.yaml").read_text(encoding="utf-8"))
    county, city = spec["county"], spec.get("city", "")
    files: dict[Path, bytes] = {}
    problems = []
    for report in spec["reports"]:
        township, year, fmt = report["township"], int(report["year"]), report["format"]
        source = samples / "source" / str(year) / f"{township}.txt"
        if fmt not in FORMATS:
            problems.append(
                f"{township} {year}: unknown format {fmt!r}; known: {', '.join(FORMATS)}"
            )
            continue
        if not source.is_file():
            problems.append(f"{township} {year}: source text missing: {source}")
            continue
        ext, render = FORMATS[fmt]
        text = source.read_text(encoding="utf-8")
        meta = RenderMeta(county=county, township=township, year=year, city=city)
        files[raw / county / str(year) / f"{township}{ext}"] = render(text, meta)
    if problems:
        raise SystemExit("cannot render the samples:\n  " + "\n  ".join(problems))
    files[raw / "townships.csv"] = (samples / "townships.csv").read_bytes()
    return files


def write_atomic(path: Path, data: bytes) -> None:
    """Given a path and bytes, write them through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=ROOT / "samples", help="samples folder")
    parser.add_argument("--raw", type=Path, default=ROOT / "raw", help="output folder (raw/)")
    parser.add_argument(
        "--check", action="store_true", help="only compare raw/ with a fresh render"
    )
    args = parser.parse_args(argv)
    files = planned_files(args.samples, args.raw)
    stale = [p for p, data in files.items() if not p.is_file() or p.read_bytes() != data]
    if args.check:
        for p in stale:
            print(f"out of date: {p.relative_to(args.raw)}")
        print(f"{len(files) - len(stale)} of {len(files)} files up to date")
        return 1 if stale else 0
    for p in stale:
        write_atomic(p, files[p])
    print(
        f"wrote {len(stale)} files, {len(files) - len(stale)} already up to date, under {args.raw}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
