"""The analysts' entry point: load a processed folder and ask it questions.

The notebooks use this module and nothing they would otherwise have to write themselves::

    from pipeline import explore
    out = explore.load()                  # the sample county (built on first use) or a folder
    out.metrics, out.flags, out.text("青溪县/2024/清河镇.txt")
    explore.coverage(out, 2024)           # township x metric, 未报告 kept apart from 0
    explore.evidence(out, "清河镇", "disputes_mediated")
    explore.reflag(out, settings)         # the flags again under other thresholds
    explore.extract_one(path, catalog)    # one report through a (modified) catalog
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import contracts
from pipeline.config import DEFAULT_CATALOG, PROJECT_DIR, TEXT_SUBDIR
from pipeline.errors import InputError
from pipeline.outputs import read_table

ENV_VAR = "PIPELINE_PROCESSED"
SAMPLE_RAW = PROJECT_DIR / "raw"
SAMPLE_PROCESSED = PROJECT_DIR / "processed"
NOT_REPORTED = "未报告"


def processed_dir(path: str | os.PathLike | None = None) -> Path:
    """Given a processed folder or None, return the folder to read.

    None means: the PIPELINE_PROCESSED environment variable when set, else the project's
    processed/ folder, which is built from the sample county in raw/ when it has no report yet.
    """
    if path is not None:
        folder = Path(path)
    elif os.environ.get(ENV_VAR):
        folder = Path(os.environ[ENV_VAR])
    else:
        folder = SAMPLE_PROCESSED
        if not (folder / "scores.csv").exists():
            from pipeline.run import RunSettings, run_analyze

            run_analyze(SAMPLE_RAW, folder, RunSettings(progress=False))
    if not (folder / "documents.csv").exists():
        raise InputError(
            f"{folder} is not a processed folder (no documents.csv)",
            hint="run `make analyze` or `python -m pipeline analyze RAW_DIR --out FOLDER` first",
        )
    return folder


@dataclass
class Outputs:
    """The tables of one processed folder, read on first use."""

    folder: Path
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def table(self, name: str) -> pd.DataFrame:
        """Given a table name (documents, metrics, flags, …), return it typed by its contract."""
        if name not in self._tables:
            if (
                not (self.folder / f"{name}.csv").exists()
                and not (self.folder / f"{name}.parquet").exists()
            ):
                raise InputError(
                    f"{self.folder} has no {name} table",
                    hint="run `python -m pipeline analyze` for the analysis tables",
                )
            self._tables[name] = read_table(self.folder, name)
        return self._tables[name]

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_") or name not in contracts.TABLES:
            raise AttributeError(name)
        return self.table(name)

    def text(self, doc_id: str) -> str:
        """Given a doc_id, return the cleaned text the offsets in the tables refer to."""
        path = self.folder / TEXT_SUBDIR / f"{doc_id}.txt"
        return path.read_text(encoding="utf-8").removesuffix("\n")

    def texts(self) -> dict[str, str]:
        """Return the cleaned text of every document that has one."""
        docs = self.documents
        return {
            d: self.text(d)
            for d in docs["doc_id"]
            if (self.folder / TEXT_SUBDIR / f"{d}.txt").exists()
        }

    def base_tables(self) -> dict[str, pd.DataFrame]:
        return {
            name: self.table(name) for name in ("documents", "sections", "metrics", "practices")
        }


def load(path: str | os.PathLike | None = None) -> Outputs:
    """Given a processed folder (or None: see processed_dir), return its Outputs."""
    return Outputs(processed_dir(path))


def coverage(out: Outputs, year: int | None = None, county: str | None = None) -> pd.DataFrame:
    """Given outputs, return township x metric with each value, 未报告 where not reported.

    Reported zeros stay 0: "not reported" and 0 are different answers.
    """
    comparison = out.comparison
    rows = comparison
    if year is not None:
        rows = rows[rows["year"] == year]
    if county is not None:
        rows = rows[rows["county"] == county]
    shown = rows.assign(
        shown=rows["value"].astype(object).where(rows["reported"].fillna(False), NOT_REPORTED)
    )
    return shown.pivot_table(
        index=["county", "year", "township"], columns="metric", values="shown", aggfunc="first"
    ).reindex(columns=sorted(rows["metric"].unique()))


def reporting_share(out: Outputs) -> pd.DataFrame:
    """Given outputs, return per metric how many reports give it, give it as 0, or leave it out."""
    c = out.comparison
    reported = c["reported"].fillna(False)
    grouped = (
        c.assign(
            reported=reported,
            zero=reported & (c["value"] == 0),
            not_reported=~reported,
        )
        .groupby("metric")[["reported", "zero", "not_reported"]]
        .sum()
    )
    grouped["share_reported"] = grouped["reported"] / (
        grouped["reported"] + grouped["not_reported"]
    )
    return grouped.sort_values("share_reported", ascending=False)


def evidence(out: Outputs, township: str, metric: str, year: int | None = None) -> pd.DataFrame:
    """Given a township and a metric (and a year), return the values with their evidence."""
    m = out.metrics
    rows = m[(m["township"] == township) & (m["metric"] == metric)]
    if year is not None:
        rows = rows[rows["year"] == year]
    return rows[["doc_id", "year", "value", "unit", "approx", "evidence", "section", "rule"]]


def evidence_in_context(out: Outputs, doc_id: str, start: int, end: int, margin: int = 40) -> str:
    """Given a span of a document, return it in its surrounding text with the span in 【】."""
    text = out.text(doc_id)
    return (
        text[max(0, start - margin) : start]
        + "【"
        + text[start:end]
        + "】"
        + text[end : end + margin]
    )


def reflag(out: Outputs, settings) -> pd.DataFrame:
    """Given outputs and (modified) analysis settings, return the flags those settings give."""
    from pipeline.analyze import analyze
    from pipeline.ingest.townships import read_townships

    townships = (
        read_townships(SAMPLE_RAW) if out.folder.resolve() == SAMPLE_PROCESSED.resolve() else None
    )
    manifest = out.folder / "manifest.json"
    if manifest.exists():
        import json

        raw_dir = json.loads(manifest.read_text(encoding="utf-8")).get("raw_dir")
        if raw_dir and Path(raw_dir).is_dir():
            townships = read_townships(raw_dir)
    return analyze(out.base_tables(), out.texts(), settings, townships)["flags"]


def copy_catalog(folder: str | os.PathLike) -> Path:
    """Given a folder, copy the shipped catalog into it and return the copy's path."""
    target = Path(folder) / DEFAULT_CATALOG.name
    shutil.copy(DEFAULT_CATALOG, target)
    return target


def extract_one(
    path: str | os.PathLike,
    catalog: str | os.PathLike | None = None,
    root: str | os.PathLike | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Given one report file (and a catalog), return its metrics and practices tables."""
    from pipeline.extract import extract_document, load_catalog, make_tokenizer
    from pipeline.ingest import ingest_path

    doc = ingest_path(path, root)
    if doc.status not in ("ok", "warning"):
        raise InputError(f"{path} could not be read: {doc.reason}")
    metrics, practices = extract_document(doc, load_catalog(catalog), make_tokenizer())
    return (
        contracts.conform(pd.DataFrame(metrics, columns=contracts.columns("metrics")), "metrics"),
        contracts.conform(
            pd.DataFrame(practices, columns=contracts.columns("practices")), "practices"
        ),
    )
