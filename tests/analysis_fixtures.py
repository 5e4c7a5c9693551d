"""The sample county as the analysis sees it, built from samples/ without the extraction engine.

Documents and sections come from the real ingestion of samples/source texts (under the doc_ids
formats.yaml gives them); metrics and practices come from samples/gold.jsonl, the true values.
So the analysis tests check the analysis, not extraction accuracy.
"""

from __future__ import annotations

import functools
import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import yaml

from pipeline import contracts
from pipeline.analyze import load_settings
from pipeline.analyze.passages import SectionIndex, sentence_at
from pipeline.ingest import ingest_path
from pipeline.ingest.accounting import mark_conflicts, mark_duplicates
from pipeline.ingest.normalize import normalize_char_forms
from pipeline.run import document_row

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
EXTENSIONS = {"txt": ".txt", "txt-gbk": ".txt", "docx": ".docx", "pdf": ".pdf", "html": ".html"}


@functools.lru_cache(maxsize=1)
def sample_county() -> tuple[dict[str, pd.DataFrame], dict[str, str], pd.DataFrame]:
    """Return (tables, texts, townships) of the sample county: documents, sections, metrics,
    practices; cleaned texts by doc_id; the townships table."""
    formats = yaml.safe_load((SAMPLES / "formats.yaml").read_text(encoding="utf-8"))
    county = formats["county"]
    gold = {}
    for line in (SAMPLES / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            gold[(record["meta"]["township"], int(record["meta"]["year"]))] = record
    docs, sections, texts = [], [], {}
    tmp = Path(tempfile.mkdtemp(prefix="sample-county-"))
    try:
        for report in formats["reports"]:
            source = SAMPLES / "source" / str(report["year"]) / f"{report['township']}.txt"
            if not source.exists():
                continue
            doc_id = f"{county}/{report['year']}/{report['township']}{EXTENSIONS[report['format']]}"
            path = tmp / county / str(report["year"]) / f"{report['township']}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, path)
            doc = ingest_path(path, tmp)
            row = document_row(doc)
            row["doc_id"] = doc_id
            docs.append(row)
            texts[doc_id] = doc.text
            sections += [
                {
                    "doc_id": doc_id,
                    "level": s.level,
                    "number": s.number,
                    "title": s.title,
                    "kind": s.kind,
                    "start": s.start,
                    "end": s.end,
                }
                for s in doc.sections
            ]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    documents = pd.DataFrame(docs, columns=contracts.columns("documents"))
    documents = contracts.conform(mark_conflicts(mark_duplicates(documents)), "documents")
    sections_df = contracts.conform(
        pd.DataFrame(sections, columns=contracts.columns("sections")), "sections"
    )
    metrics, practices = _gold_rows(documents, sections_df, texts, gold)
    townships = pd.read_csv(SAMPLES / "townships.csv", encoding="utf-8")
    tables = {
        "documents": documents,
        "sections": sections_df,
        "metrics": metrics,
        "practices": practices,
    }
    return tables, texts, townships


def _gold_rows(documents, sections, texts, gold):
    settings = load_settings()
    index = SectionIndex.from_table(sections)
    metrics, practices = [], []
    for doc in documents.itertuples(index=False):
        record = gold.get((doc.township, int(doc.year)))
        if record is None:
            continue
        text = texts[doc.doc_id]
        base = {
            "doc_id": doc.doc_id,
            "township": doc.township,
            "county": doc.county,
            "year": doc.year,
        }
        for m in record["metrics"]:
            evidence = normalize_char_forms(m["evidence"])
            start = max(text.find(evidence), 0)
            spec = settings.metrics[m["metric"]]
            metrics.append(
                {
                    **base,
                    "dimension": spec.dimension,
                    "metric": m["metric"],
                    "value": m["value"],
                    "unit": spec.unit,
                    "approx": m["approx"],
                    "evidence": evidence,
                    "start": start,
                    "end": start + len(evidence),
                    "section": index.path_at(doc.doc_id, start),
                    "rule": "gold",
                    "note": m.get("note"),
                }
            )
        present = set(record["practices"])
        for practice, spec in settings.practices.items():
            row = {
                **base,
                "dimension": spec.dimension,
                "practice": practice,
                "present": practice in present,
                "evidence": None,
                "start": None,
                "end": None,
                "section": None,
                "rule": "gold",
            }
            if practice in present:
                hits = [text.find(w) for w in spec.words if w in text]
                if hits:
                    s, e = sentence_at(text, min(hits))
                    row.update(
                        evidence=text[s:e], start=s, end=e, section=index.path_at(doc.doc_id, s)
                    )
            practices.append(row)
    metrics_df = contracts.conform(
        pd.DataFrame(metrics, columns=contracts.columns("metrics")), "metrics"
    )
    practices_df = contracts.conform(
        pd.DataFrame(practices, columns=contracts.columns("practices")), "practices"
    )
    return metrics_df, practices_df


@functools.lru_cache(maxsize=1)
def sample_analysis() -> tuple[
    dict[str, pd.DataFrame], dict[str, str], pd.DataFrame, dict[str, pd.DataFrame]
]:
    """Return (tables, texts, townships, analysis tables) of the sample county, computed once."""
    from pipeline.analyze import analyze

    tables, texts, townships = sample_county()
    return tables, texts, townships, analyze(tables, texts, load_settings(), townships)


def documents_frame(rows: list[dict]) -> pd.DataFrame:
    """Given partial documents rows (doc_id, county, township, year ...), return a documents table."""
    full = []
    for row in rows:
        base = {c: None for c in contracts.columns("documents")}
        base.update(format="txt", status="ok", chars=100, sha256=row["doc_id"])
        base.update({item: True for item in contracts.REQUIRED_ITEMS})
        base.update(row)
        full.append(base)
    return contracts.conform(
        pd.DataFrame(full, columns=contracts.columns("documents")), "documents"
    )


def metrics_frame(rows: list[dict]) -> pd.DataFrame:
    """Given (doc_id, metric, value[, dimension]) rows, return a metrics table."""
    settings = load_settings()
    full = []
    for row in rows:
        spec = settings.metrics.get(row["metric"])
        base = {c: None for c in contracts.columns("metrics")}
        base.update(
            dimension=spec.dimension if spec else "leadership",
            unit=spec.unit if spec else "",
            approx=False,
            evidence=f"{row['metric']} {row['value']}",
            start=0,
            end=1,
            rule="test",
            section="一、主要工作",
        )
        base.update(row)
        full.append(base)
    return contracts.conform(pd.DataFrame(full, columns=contracts.columns("metrics")), "metrics")
