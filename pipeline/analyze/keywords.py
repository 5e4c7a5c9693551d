"""Keywords: each report's distinctive terms against its county, and the themes of its problems part.

Distinctive terms are the words with the highest TF-IDF weight in a report, the idf taken among
the reports of its county (any year), boilerplate sentences left out; numbers, numerals with a
measure word, short words, stopwords and the masked own names are never terms. Themes map the
jieba words of the problems part (存在的问题 / 不足) to dimensions through the keyword lists of
analysis.yaml: a keyword matches where its own jieba words occur in a row in a sentence.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipeline.analyze.passages import OWN_COUNTY, OWN_TOWNSHIP, SectionIndex, words_of
from pipeline.analyze.settings import AnalysisSettings
from pipeline.analyze.similarity import DocVectors
from pipeline.analyze.vectors import grouped_tfidf

KEYWORD_COLUMNS = ["county", "year", "township", "doc_id", "rank", "term", "weight"]
THEME_COLUMNS = [
    "county",
    "year",
    "township",
    "doc_id",
    "dimension",
    "label",
    "sentences",
    "keywords",
    "evidence",
    "section",
]

# Chinese numerals, alone or with a measure word (十二, 两场, 三次): counts, not terms.
_NUMERAL_RE = re.compile(
    r"^[零〇一二三四五六七八九十百千万亿两余多几第]+[次件个项场人名份条期批轮起所年月日]?$"
)


def keyword_columns(terms: np.ndarray, settings: AnalysisSettings) -> np.ndarray:
    """Given the feature names, return the indices of those that can be keywords: single words
    of at least min_chars, no numeral, no stopword, not a masked own name."""
    options = settings.keywords
    stop = {str(w) for w in options.get("stopwords", [])} | {OWN_TOWNSHIP, OWN_COUNTY}
    min_chars = int(options.get("min_chars", 2))
    return np.array(
        [
            i
            for i, t in enumerate(terms)
            if "_" not in t and len(t) >= min_chars and t not in stop and not _NUMERAL_RE.match(t)
        ],
        dtype=np.int64,
    )


def keyword_rows(
    docs: pd.DataFrame, vectors: DocVectors, terms: np.ndarray, settings: AnalysisSettings
) -> pd.DataFrame:
    """Given a batch's reports, their rows and the feature names, return the top distinctive
    terms of each report (rank 1 = most distinctive; ties broken by the term)."""
    columns = keyword_columns(terms, settings)
    if len(columns) == 0:
        return pd.DataFrame(columns=KEYWORD_COLUMNS)
    share = settings.keywords.get("max_doc_share")
    weights = grouped_tfidf(
        vectors.discounted[:, columns],
        vectors.county_code,
        None if share is None else float(share),
    )
    names = terms[columns]
    per = int(settings.keywords.get("per_report", 10))
    info = docs.set_index("doc_id")
    rows = []
    for r, doc_id in enumerate(vectors.doc_ids):
        start, end = weights.indptr[r], weights.indptr[r + 1]
        if start == end:
            continue
        data = np.round(weights.data[start:end], 9)
        words = names[weights.indices[start:end]]
        order = np.lexsort((words, -data))[:per]
        county, year, township = (
            info.at[doc_id, "county"],
            int(info.at[doc_id, "year"]),
            info.at[doc_id, "township"],
        )
        for rank, k in enumerate(order, start=1):
            rows.append(
                (county, year, township, doc_id, rank, str(words[k]), round(float(data[k]), 6))
            )
    return pd.DataFrame(rows, columns=KEYWORD_COLUMNS)


# ---------------------------------------------------------------- problems part


def keyword_sequences(
    settings: AnalysisSettings, tokenizer
) -> dict[str, dict[str, list[tuple[str, ...]]]]:
    """Given the settings and a tokenizer, return {first word: {dimension: [word sequences]}} of
    the dimension keywords."""
    index: dict[str, dict[str, list[tuple[str, ...]]]] = {}
    for dim, keywords in settings.dimension_keywords.items():
        for keyword in keywords:
            seq = tuple(words_of(keyword, tokenizer))
            if seq:
                index.setdefault(seq[0], {}).setdefault(dim, []).append(seq)
    return index


def words_to_dimensions(words: list[str], index: dict) -> dict[str, list[str]]:
    """Given a sentence's words and the keyword index, return {dimension: matched keywords}."""
    found: dict[str, list[str]] = {}
    for i, word in enumerate(words):
        for dim, seqs in index.get(word, {}).items():
            for seq in seqs:
                if tuple(words[i : i + len(seq)]) == seq:
                    matched = "".join(seq)
                    if matched not in found.setdefault(dim, []):
                        found[dim].append(matched)
    return found


def problem_sentences(sentences: pd.DataFrame, sections: SectionIndex) -> pd.DataFrame:
    """Given sentence rows, return those inside a top-level problems part."""
    spans = [
        (doc_id, a, b)
        for doc_id in sentences["doc_id"].unique()
        for a, b in sections.kind_spans(doc_id, "problems")
    ]
    if not spans:
        return sentences.iloc[0:0]
    parts = pd.DataFrame(spans, columns=["doc_id", "part_start", "part_end"])
    merged = sentences.reset_index(drop=True).reset_index().merge(parts, on="doc_id")
    inside = merged[
        (merged["start"] >= merged["part_start"]) & (merged["start"] < merged["part_end"])
    ]
    inside = inside.drop_duplicates("index").sort_values(["doc_id", "start"], kind="stable")
    return inside.drop(columns=["index", "part_start", "part_end"])


def problem_themes(
    sentences: pd.DataFrame,
    texts: dict[str, str],
    sections: SectionIndex,
    settings: AnalysisSettings,
    tokenizer,
) -> pd.DataFrame:
    """Given sentence rows and texts, return per report and dimension the problems-part sentences
    naming it: how many, the keywords, the first such sentence and its section."""
    index = keyword_sequences(settings, tokenizer)
    hits: dict[tuple[str, str], dict] = {}
    for s in problem_sentences(sentences, sections).itertuples(index=False):
        for dim, matched in words_to_dimensions(s.words.split(), index).items():
            entry = hits.setdefault((s.doc_id, dim), {"row": s, "n": 0, "keywords": []})
            entry["n"] += 1
            entry["keywords"] += [k for k in matched if k not in entry["keywords"]]
    order = {d: i for i, d in enumerate(settings.dimensions)}
    rows = []
    for (doc_id, dim), h in sorted(
        hits.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 99))
    ):
        s = h["row"]
        text = texts.get(doc_id) or ""
        rows.append(
            (
                s.county,
                int(s.year),
                s.township,
                doc_id,
                dim,
                settings.dimension_label(dim),
                h["n"],
                "、".join(h["keywords"]),
                text[s.start : s.end],
                sections.path_at(doc_id, int(s.start)),
            )
        )
    return pd.DataFrame(rows, columns=THEME_COLUMNS)
