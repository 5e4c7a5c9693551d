"""Analysis: tables in, tables out. Compare townships, score dimensions, flag weak areas, find
copied text, pick keywords. Nothing here sees a path or prints.

    settings = load_settings()            # pipeline/data/analysis.yaml, or a path
    tables = analyze(tables, texts, settings, townships)

``tables`` holds the extraction's documents, sections, metrics and practices; ``texts`` the
cleaned text of each report by doc_id; ``townships`` the optional county, township, population,
villages table. Comparisons count each report once (ingest.accounting.comparable_doc_ids).
"""

from __future__ import annotations

import functools

import pandas as pd
from tqdm import tqdm

from pipeline import contracts
from pipeline.analyze.compare import (
    comparison_to_peer_stats,
    documents_to_comparable,
    metrics_to_comparison,
)
from pipeline.analyze.flags import FlagInputs, all_flags
from pipeline.analyze.keywords import keyword_rows, problem_themes
from pipeline.analyze.passages import SectionIndex, corpus_sentences, make_tokenizer
from pipeline.analyze.scores import dimension_scores
from pipeline.analyze.settings import AnalysisSettings, load_settings
from pipeline.analyze.similarity import (
    compared_pairs,
    doc_vectors,
    foreign_names,
    reuse_rows,
    similarity_rows,
    with_shared_paragraphs,
)
from pipeline.analyze.vectors import sentences_to_counts

__all__ = ["ANALYSIS_TABLES", "AnalysisSettings", "analyze", "load_settings"]

# The tables analyze() returns, in the order they are written.
ANALYSIS_TABLES = (
    "comparison",
    "peer_stats",
    "scores",
    "flags",
    "similarity",
    "reuse_pairs",
    "keywords",
    "problem_themes",
    "foreign_names",
)


def analyze(
    tables: dict[str, pd.DataFrame],
    texts: dict[str, str],
    settings: AnalysisSettings,
    townships: pd.DataFrame | None = None,
    tokenizer=None,
    progress: bool = False,
    jobs: int = 1,
) -> dict[str, pd.DataFrame]:
    """Given the extraction tables, the cleaned texts, the settings and the townships table (or
    None), return the analysis tables named in ANALYSIS_TABLES, conformed to their contracts.
    ``progress`` shows a bar over the reports of the text analysis (the long part) on stderr;
    with ``jobs`` > 1 its batches of counties run on that many processes (same tables)."""
    documents = tables["documents"]
    metrics = tables.get("metrics", contracts.empty("metrics"))
    practices = tables.get("practices", contracts.empty("practices"))
    section_rows = tables.get("sections", contracts.empty("sections"))
    sections = SectionIndex.from_table(section_rows)
    docs = documents_to_comparable(documents)
    if docs.empty:
        return {name: contracts.empty(name) for name in ANALYSIS_TABLES}
    metrics = metrics[metrics["doc_id"].isin(docs["doc_id"])]
    practices = practices[practices["doc_id"].isin(docs["doc_id"])]

    comparison = metrics_to_comparison(docs, metrics, townships, settings)
    scores = dimension_scores(docs, comparison, practices, settings)
    text_tables = _text_tables(
        docs, texts, sections, section_rows, settings, tokenizer, townships, progress, jobs
    )
    flags = all_flags(
        FlagInputs(
            docs=docs,
            documents=documents,
            comparison=comparison,
            scores=scores,
            practices=practices,
            similarity=text_tables["similarity"],
            reuse_pairs=text_tables["reuse_pairs"],
            problem_themes=text_tables["problem_themes"],
            foreign_names=text_tables["foreign_names"],
            texts=texts,
            sections=sections,
        ),
        settings,
    )
    out = {
        "comparison": comparison,
        "peer_stats": comparison_to_peer_stats(comparison),
        "scores": scores,
        "flags": flags,
        **text_tables,
    }
    return {name: contracts.conform(out[name], name) for name in ANALYSIS_TABLES}


def _text_tables(
    docs: pd.DataFrame,
    texts: dict[str, str],
    sections: SectionIndex,
    section_rows: pd.DataFrame,
    settings: AnalysisSettings,
    tokenizer,
    townships: pd.DataFrame | None,
    progress: bool = False,
    jobs: int = 1,
) -> dict:
    """Given the comparable reports and their texts, return similarity, reuse_pairs, keywords,
    problem_themes and foreign_names, computed over batches of whole counties (a report is
    compared only within its county, so the batches do not change the tables)."""
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in BATCH_TABLES}
    batches = list(county_batches(docs, int(settings.similarity.get("batch_reports", 500))))
    bar = tqdm(
        total=len(docs),
        desc="text analysis",
        unit="report",
        disable=not progress or None,
        leave=False,
    )
    done = _batches_tables(batches, texts, sections, section_rows, settings, tokenizer, jobs)
    for batch, tables in zip(batches, done, strict=True):
        for name in BATCH_TABLES:
            parts[name].append(tables[name])
        bar.update(len(batch))
    bar.close()
    out = {name: _concat(frames, name) for name, frames in parts.items()}
    places = docs[["county", "township"]]
    if townships is not None and len(townships):
        places = pd.concat([places, townships[["county", "township"]]], ignore_index=True)
    ignore = tuple((settings.flags.get("foreign_name") or {}).get("ignore_when_sentence_has", ()))
    names = foreign_names(docs, texts, places, sections, ignore)
    out["foreign_names"] = docs.merge(names, on="doc_id")[contracts.columns("foreign_names")]
    return out


BATCH_TABLES = ("similarity", "reuse_pairs", "keywords", "problem_themes")


def batch_tables(
    batch: pd.DataFrame,
    texts: dict[str, str],
    sections: SectionIndex,
    settings: AnalysisSettings,
    tokenizer,
) -> dict[str, pd.DataFrame]:
    """Given a batch of whole counties and their texts, return its BATCH_TABLES."""
    sentences = corpus_sentences(batch, texts, tokenizer, settings.similarity)
    counts, terms = sentences_to_counts(list(sentences["words"]))
    vectors = doc_vectors(batch, sentences, counts)
    pairs = compared_pairs(batch)
    reuse = reuse_rows(pairs, sentences, counts, texts, sections, settings.similarity)
    return {
        "similarity": with_shared_paragraphs(similarity_rows(pairs, vectors), reuse),
        "reuse_pairs": reuse,
        "keywords": keyword_rows(batch, vectors, terms, settings),
        "problem_themes": problem_themes(sentences, texts, sections, settings, tokenizer),
    }


def _batches_tables(batches, texts, sections, section_rows, settings, tokenizer, jobs: int):
    """Yield each batch's tables, in order: in this process, or with ``jobs`` > 1 and more
    than one batch on a pool of fresh processes (pipeline.pools), each sent only its batch's
    texts and headings."""
    workers = min(jobs, len(batches))
    if workers <= 1:
        if batches and tokenizer is None:
            tokenizer = make_tokenizer()
        for batch in batches:
            yield batch_tables(batch, texts, sections, settings, tokenizer)
        return
    from pipeline.pools import fresh_pool

    with fresh_pool(workers) as pool:
        work = []
        for batch in batches:
            ids = set(batch["doc_id"])
            work.append(
                (
                    batch,
                    {doc_id: texts[doc_id] for doc_id in batch["doc_id"] if doc_id in texts},
                    section_rows[section_rows["doc_id"].isin(ids)],
                    settings,
                )
            )
        yield from pool.map(_batch_in_worker, work)


@functools.lru_cache(maxsize=1)
def _worker_tokenizer():
    return make_tokenizer()  # once per worker process


def _batch_in_worker(work) -> dict[str, pd.DataFrame]:
    from pipeline.bench.timed import dump_worker, timing_worker  # the standard library only

    batch, texts, section_rows, settings = work
    timings = timing_worker()  # a folder when make bench times this run, else None
    sections = SectionIndex.from_table(section_rows)
    tables = batch_tables(batch, texts, sections, settings, _worker_tokenizer())
    if timings:
        dump_worker(timings)
    return tables


def county_batches(docs: pd.DataFrame, size: int):
    """Given the comparable reports, yield frames of whole counties of about ``size`` reports."""
    batch: list[pd.DataFrame] = []
    count = 0
    for _county, group in docs.groupby("county", sort=True):
        if batch and count + len(group) > size:
            yield pd.concat(batch, ignore_index=True)
            batch, count = [], 0
        batch.append(group)
        count += len(group)
    if batch:
        yield pd.concat(batch, ignore_index=True)


def _concat(frames: list[pd.DataFrame], name: str) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return contracts.empty(name)
    return pd.concat(frames, ignore_index=True)
