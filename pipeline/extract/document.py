"""One document in, metric rows and practice rows out.

The chain: text -> sentences -> numbers with measure words -> candidates (metrics.py, cues.py)
-> one value per metric (resolve.py) -> rows with the contract's columns. Numbers that are
changes (比上年多8场, the 2 of 由2名增加到3名: the catalog's ``change_by`` / ``change_from`` cues)
are no values; table cells take their row's measure word and only the report year's column
counts (tables.py). Practices come from practices.py. Sentences in the plans part are skipped: the document's heading tree says where
it is; a document without one gets its plans part from the catalog's ``plan_headings`` cue.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import jieba

from pipeline.extract.catalog import Catalog
from pipeline.extract.cues import full_rate_candidates, negation_candidates
from pipeline.extract.metrics import Candidate, Sentence, quantity_to_candidates
from pipeline.extract.numbers import Quantity, find_quantities
from pipeline.extract.practices import text_to_practices
from pipeline.extract.resolve import Resolved, candidates_to_values
from pipeline.extract.sentences import Span, text_to_sentences
from pipeline.extract.tables import table_fixer
from pipeline.ingest.model import Document

EVIDENCE_REACH = 300  # summed values from sentences closer than this share one evidence span
CHANGE_REACH = 24  # chars around a number searched for a change wording (比上年多开展, 增加到)
_CLAUSE_END_RE = re.compile(r"[,;:。!?\n]")

# A top-level heading: 一、 … at the start of a line.
_TOP_HEADING_RE = re.compile(r"^[一二三四五六七八九十]+[、.]", re.MULTILINE)


def extract_document(
    doc: Document, catalog: Catalog, tok: jieba.Tokenizer
) -> tuple[list[dict], list[dict]]:
    """Given a document, the catalog and the tokenizer, return (metric rows, practice rows).

    Metric rows: one per metric found. Practice rows: one per catalog practice. A document
    without text (failed ingestion) gives no rows.
    """
    text = doc.text
    if not text:
        return [], []
    in_plans = _plans_test(doc, catalog)
    sentences = text_to_sentences(text)
    candidates = text_to_candidates(text, sentences, catalog, tok, in_plans, doc.meta.year)
    values = candidates_to_values(candidates, catalog)
    metric_rows = [_metric_row(doc, v) for v in values]
    practice_rows = [
        _practice_row(doc, r) for r in text_to_practices(text, sentences, catalog, in_plans)
    ]
    return metric_rows, practice_rows


def text_to_candidates(
    text: str,
    sentences: list[Span],
    catalog: Catalog,
    tok: jieba.Tokenizer,
    in_plans: Callable[[int], bool],
    year: int | None = None,
) -> list[Candidate]:
    """Given normalized text and its sentences, return every metric candidate outside plans;
    ``year`` is the report's year (which column of a table with year columns counts)."""
    known = set(catalog.measures)
    is_change = _change_test(text, catalog)
    in_table = table_fixer(text, catalog.measures, year)
    quantities = [
        q
        for q in map(in_table, find_quantities(text, catalog.measures))
        if not q.skip and (q.percent or q.measure in known) and not is_change(q)
    ]
    cued_re = _cued_regex(catalog)
    out: list[Candidate] = []
    qi = 0
    for index, span in enumerate(sentences):
        here = []
        while qi < len(quantities) and quantities[qi].start < span.end:
            if quantities[qi].start >= span.start:
                here.append(quantities[qi])
            qi += 1
        cued = cued_re.search(text, span.start, span.end) is not None
        if (not here and not cued) or in_plans(span.start):
            continue
        sentence = Sentence(text, span, catalog, tok, here, index)
        for q in here:
            out.extend(quantity_to_candidates(sentence, q))
        if cued:
            out.extend(negation_candidates(sentence))
            out.extend(full_rate_candidates(sentence))
    return out


def _change_test(text: str, catalog: Catalog) -> Callable[[Quantity], bool]:
    """Given text, return a test telling whether a number is a change, not a value: the
    difference after 比上年多 / 同比增长, or the starting value before 增加到 / 增至."""
    by, start = catalog.cue("change_by"), catalog.cue("change_from")

    def is_change(q: Quantity) -> bool:
        lo = max(0, q.start - CHANGE_REACH)
        before = _CLAUSE_END_RE.split(text[lo : q.start])[-1]
        after = text[q.measure_end : q.measure_end + CHANGE_REACH]
        return by.search(before) is not None or start.search(after) is not None

    return is_change


def _cued_regex(catalog: Catalog) -> re.Pattern:
    """Given the catalog, return one regex finding sentences that may hold a value without a
    number (a negation or a full-rate wording)."""
    parts = [catalog.cue(n).pattern for n in ("negation", "negation_after", "negation_direct")]
    parts += [p.pattern for m in catalog.metrics for p in m.full]
    return _compiled("|".join(f"(?:{p})" for p in parts))


_REGEX_CACHE: dict[str, re.Pattern] = {}


def _compiled(source: str) -> re.Pattern:
    if source not in _REGEX_CACHE:
        _REGEX_CACHE[source] = re.compile(source)
    return _REGEX_CACHE[source]


def _plans_test(doc: Document, catalog: Catalog) -> Callable[[int], bool]:
    """Given a document, return a test telling whether an offset lies in its plans part."""
    if doc.sections:
        return lambda offset: doc.kind_at(offset) == "plans"
    spans = plan_spans(doc.text, catalog.cue("plan_headings"))
    return lambda offset: any(lo <= offset < hi for lo, hi in spans)


def plan_spans(text: str, plan_heading: re.Pattern) -> list[tuple[int, int]]:
    """Given text without a heading tree, return the spans of top-level parts titled as plans."""
    heads = [m.start() for m in _TOP_HEADING_RE.finditer(text)]
    out = []
    for i, start in enumerate(heads):
        line_end = text.find("\n", start)
        title = text[start : line_end if line_end >= 0 else len(text)][:40]
        if plan_heading.search(title):
            out.append((start, heads[i + 1] if i + 1 < len(heads) else len(text)))
    return out


def _metric_row(doc: Document, v: Resolved) -> dict:
    first = v.sources[0]
    last = max(v.sources, key=lambda c: c.sentence.end)
    if last.sentence.end - first.sentence.start <= EVIDENCE_REACH:
        evidence = doc.text[first.sentence.start : last.sentence.end]
    else:
        evidence = doc.text[first.sentence.start : first.sentence.end]
    return {
        **_doc_columns(doc, v.metric.dimension),
        "metric": v.metric.id,
        "value": float(v.value),
        "unit": v.metric.unit,
        "approx": bool(v.approx),
        "evidence": evidence,
        "start": first.start,
        "end": first.end,
        "section": _section_title(doc, first.start),
        "rule": v.rule,
        "note": v.note,
    }


def _practice_row(doc: Document, r) -> dict:
    m = r.mention
    return {
        **_doc_columns(doc, r.practice.dimension),
        "practice": r.practice.id,
        "present": r.present,
        "evidence": doc.text[m.sentence.start : m.sentence.end] if m else "",
        "start": m.start if m else None,
        "end": m.end if m else None,
        "section": _section_title(doc, m.start) if m else "",
        "rule": (m.rule if r.present else m.status) if m else "absent",
    }


def _doc_columns(doc: Document, dimension: str) -> dict:
    return {
        "doc_id": doc.doc_id,
        "township": doc.meta.township,
        "county": doc.meta.county,
        "year": doc.meta.year,
        "dimension": dimension,
    }


def _section_title(doc: Document, offset: int) -> str:
    section = doc.section_at(offset)
    return f"{section.number}{section.title}" if section is not None else ""
