"""Accuracy of extraction against gold labels: precision, recall and F1, and every error.

    report = evaluate(gold_path, raw_dir)       # gold .jsonl (one object a line) or .json
    print(format_report(report))                # the last 4 lines are the summary

Scoring. A metric value is right when document, metric and value match (approx and evidence are
shown, not scored). A wrong value is one false positive and one false negative; a predicted
metric the gold does not have is a false positive; a gold metric not predicted is a false
negative. Practices: F1 over the (document, practice) pairs present. Gold evidence is raw text,
so it is normalized before it is looked up in the document.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import DocumentError, InputError
from pipeline.extract import Catalog, extract_document, load_catalog, make_tokenizer
from pipeline.ingest import ingest_path
from pipeline.ingest.model import Document
from pipeline.ingest.normalize import normalize_text


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float(self.fn == 0)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float(self.fp == 0)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn


@dataclass(frozen=True)
class Finding:
    """One error: a missed, wrong or extra metric value, or a missed or extra practice."""

    kind: str  # missed | wrong | extra
    doc_id: str
    item: str  # metric or practice id
    gold: float | None = None
    predicted: float | None = None
    gold_evidence: str = ""
    predicted_evidence: str = ""
    where: str = ""  # where the gold evidence is in the text, or that it is not there
    rule: str = ""  # the rule that produced the predicted value
    note: str = ""  # the gold note


@dataclass
class Report:
    gold_path: str
    raw_dir: str
    documents: int = 0
    metrics: dict[str, Counts] = field(default_factory=dict)
    dimensions: dict[str, Counts] = field(default_factory=dict)
    practices: dict[str, Counts] = field(default_factory=dict)
    metric_findings: list[Finding] = field(default_factory=list)
    practice_findings: list[Finding] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    @property
    def metric_total(self) -> Counts:
        return _sum(self.metrics.values())

    @property
    def practice_total(self) -> Counts:
        return _sum(self.practices.values())


def _sum(counts) -> Counts:
    total = Counts()
    for c in counts:
        total.add(c)
    return total


def load_gold(path: str | os.PathLike) -> list[dict]:
    """Given a gold file (.jsonl: one object a line; .json: one object or a list), return items."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"gold file not found: {path}") from None
    try:
        if path.suffix == ".jsonl":
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            data = json.loads(text)
            items = data if isinstance(data, list) else [data]
    except json.JSONDecodeError as e:
        raise InputError(f"{path} is not valid JSON: {e}") from None
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "file" not in item:
            raise InputError(f"{path}: item {i + 1} has no 'file'")
    return items


def evaluate(
    gold_path: str | os.PathLike,
    raw_dir: str | os.PathLike,
    catalog: Catalog | str | os.PathLike | None = None,
    tok=None,
) -> Report:
    """Given a gold file and the folder its files are relative to, return the Report.

    ``catalog`` is a loaded Catalog, a catalog path, or None for the shipped one.
    """
    raw = Path(raw_dir)
    if not raw.is_dir():
        raise InputError(
            f"input folder not found: {raw}", hint="give the folder the gold files are in"
        )
    if not isinstance(catalog, Catalog):
        catalog = load_catalog(catalog)
    tok = tok or make_tokenizer()
    report = Report(str(gold_path), str(raw))
    for m in catalog.metrics:
        report.metrics[m.id] = Counts()
        report.dimensions.setdefault(m.dimension, Counts())
    for p in catalog.practices:
        report.practices[p.id] = Counts()
    dimension_of = {m.id: m.dimension for m in catalog.metrics}
    for item in load_gold(gold_path):
        report.documents += 1
        doc = _read(raw / item["file"], raw, report)
        metric_rows, practice_rows = extract_document(doc, catalog, tok) if doc else ([], [])
        _score_metrics(report, item, doc, metric_rows, dimension_of)
        _score_practices(report, item, practice_rows)
    return report


def _read(path: Path, root: Path, report: Report) -> Document | None:
    try:
        doc = ingest_path(path, root)
    except (DocumentError, OSError) as e:
        report.unreadable.append(f"{path}: {e}")
        return None
    if doc.status == "failed":
        report.unreadable.append(f"{path}: {doc.reason}")
        return None
    return doc


def _score_metrics(report: Report, item: dict, doc, rows: list[dict], dimension_of: dict) -> None:
    doc_id = item.get("id") or item["file"]
    predicted = {r["metric"]: r for r in rows}
    gold = {g["metric"]: g for g in item.get("metrics", [])}
    for metric in sorted(set(gold) | set(predicted)):
        counts = report.metrics.setdefault(metric, Counts())
        dim = report.dimensions.setdefault(dimension_of.get(metric, "unknown"), Counts())
        g, p = gold.get(metric), predicted.get(metric)
        delta = Counts()
        if g is not None and p is not None and _same(g["value"], p["value"]):
            delta.tp += 1
        else:
            delta.fp += p is not None
            delta.fn += g is not None
            kind = "wrong" if g is not None and p is not None else ("missed" if g else "extra")
            report.metric_findings.append(
                Finding(
                    kind=kind,
                    doc_id=doc_id,
                    item=metric,
                    gold=g["value"] if g else None,
                    predicted=p["value"] if p else None,
                    gold_evidence=g.get("evidence", "") if g else "",
                    predicted_evidence=p["evidence"] if p else "",
                    where=_locate(doc, g.get("evidence", "")) if g else "",
                    rule=p["rule"] if p else "",
                    note=g.get("note", "") if g else "",
                )
            )
        counts.add(delta)
        dim.add(delta)


def _score_practices(report: Report, item: dict, rows: list[dict]) -> None:
    doc_id = item.get("id") or item["file"]
    gold = set(item.get("practices", []))
    predicted = {r["practice"]: r for r in rows if r["present"]}
    for practice in sorted(gold | set(predicted)):
        counts = report.practices.setdefault(practice, Counts())
        if practice in gold and practice in predicted:
            counts.tp += 1
            continue
        if practice in predicted:
            counts.fp += 1
            evidence, kind = predicted[practice]["evidence"], "extra"
        else:
            counts.fn += 1
            row = next((r for r in rows if r["practice"] == practice), None)
            evidence = f"({row['rule']}) {row['evidence']}" if row else ""
            kind = "missed"
        report.practice_findings.append(
            Finding(kind=kind, doc_id=doc_id, item=practice, predicted_evidence=evidence)
        )


def _same(gold_value, predicted_value) -> bool:
    try:
        return math.isclose(float(gold_value), float(predicted_value), rel_tol=1e-9, abs_tol=1e-6)
    except (TypeError, ValueError):
        return False


def _locate(doc: Document | None, evidence: str) -> str:
    """Given a document and raw gold evidence, return where the evidence is in its text."""
    if doc is None or not evidence:
        return ""
    needle = normalize_text(evidence)
    at = doc.text.find(needle)
    if at < 0:
        return "evidence not found in the text"
    section = doc.section_at(at)
    title = f"{section.number}{section.title}"[:20] if section else "-"
    return f"at {at}, part {doc.kind_at(at)}, section {title}"


# ---------------------------------------------------------------------------------------------
# The text report


def format_report(report: Report) -> str:
    """Given a Report, return it as text; the last 4 lines are the summary."""
    lines = [f"evaluation of {report.gold_path} on {report.raw_dir}: {report.documents} documents"]
    for path in report.unreadable:
        lines.append(f"  unreadable: {path}")
    lines += _table("metric", report.metrics)
    lines += _table("dimension", report.dimensions)
    lines += _table("practice", report.practices)
    for kind in ("wrong", "missed", "extra"):
        found = [f for f in report.metric_findings if f.kind == kind]
        lines.append(f"{kind} metric values ({len(found)})")
        lines += [_finding_line(f) for f in found]
    for kind in ("missed", "extra"):
        found = [f for f in report.practice_findings if f.kind == kind]
        lines.append(f"{kind} practices ({len(found)})")
        lines += [f"  {f.doc_id} {f.item}: {_short(f.predicted_evidence)}" for f in found]
    m, p = report.metric_total, report.practice_total
    kinds = [sum(f.kind == k for f in report.metric_findings) for k in ("wrong", "missed", "extra")]
    lines += [
        f"== summary: {report.gold_path} ({report.documents} documents)",
        f"metrics    micro {_prf(m)}",
        f"practices  micro {_prf(p)}",
        f"metric errors: {kinds[0]} wrong, {kinds[1]} missed, {kinds[2]} extra",
    ]
    return "\n".join(lines)


def _prf(c: Counts) -> str:
    return f"P={c.precision:.3f} R={c.recall:.3f} F1={c.f1:.3f} (tp={c.tp} fp={c.fp} fn={c.fn})"


def _table(what: str, counts: dict[str, Counts]) -> list[str]:
    lines = [
        f"by {what}:",
        f"  {what:<26} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}",
    ]
    for key, c in counts.items():
        if c.tp + c.fp + c.fn == 0:
            continue
        lines.append(
            f"  {key:<26} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} {c.tp:4} {c.fp:4} {c.fn:4}"
        )
    return lines


def _finding_line(f: Finding) -> str:
    head = f"  {f.doc_id} {f.item}: gold={_num(f.gold)} predicted={_num(f.predicted)}"
    parts = [head]
    if f.gold_evidence:
        parts.append(
            f"    gold: {_short(f.gold_evidence)} [{f.where}]" + (f" ({f.note})" if f.note else "")
        )
    if f.predicted_evidence:
        parts.append(f"    predicted ({f.rule}): {_short(f.predicted_evidence)}")
    return "\n".join(parts)


def _num(value) -> str:
    if value is None:
        return "-"
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def _short(text: str, limit: int = 120) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
