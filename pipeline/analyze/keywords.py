"""Keywords: each report's distinctive terms against its county, and the themes of its problems part.

Distinctive terms are the highest TF-IDF words of a report among all reports of its county (any
year), after boilerplate sentences are removed; numbers, numerals with a measure word, short
words and stopwords are never terms. Themes map the jieba words of the problems part
(存在的问题 / 不足) to dimensions through the keyword lists of analysis.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from pipeline.analyze.passages import OWN_COUNTY, OWN_TOWNSHIP, SectionIndex, words_of
from pipeline.analyze.settings import AnalysisSettings

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


@dataclass(frozen=True)
class KeywordTerms:
    """The TF-IDF analyzer of keywords: given space-joined words, return the candidate terms."""

    stopwords: frozenset[str]
    min_chars: int = 2

    def __call__(self, words: str) -> list[str]:
        return [
            w
            for w in words.split()
            if len(w) >= self.min_chars and w not in self.stopwords and not _NUMERAL_RE.match(w)
        ]


def sentences_to_keywords(
    docs: pd.DataFrame, sentences: pd.DataFrame, settings: AnalysisSettings
) -> pd.DataFrame:
    """Given one county's reports and sentence rows, return the top distinctive terms per report."""
    options = settings.keywords
    stop = frozenset(str(w) for w in options.get("stopwords", [])) | {OWN_TOWNSHIP, OWN_COUNTY}
    analyzer = KeywordTerms(stop, int(options.get("min_chars", 2)))
    order = sorted(docs["doc_id"])
    kept = sentences[~sentences["boilerplate"]]
    joined = kept.groupby("doc_id")["words"].agg(" ".join).reindex(order, fill_value="")
    if not any(analyzer(w) for w in joined):
        return pd.DataFrame(columns=KEYWORD_COLUMNS)
    vectorizer = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True)
    matrix = vectorizer.fit_transform(list(joined)).tocsr()
    terms = vectorizer.get_feature_names_out()
    per = int(options.get("per_report", 10))
    info = docs.set_index("doc_id")
    rows = []
    for i, doc_id in enumerate(order):
        row = matrix.getrow(i)
        if row.nnz == 0:
            continue
        # Highest weight first; ties broken by the term, so runs are reproducible.
        pairs = sorted(
            zip(row.data, terms[row.indices], strict=True),
            key=lambda p: (-round(float(p[0]), 9), p[1]),
        )
        for rank, (weight, term) in enumerate(pairs[:per], start=1):
            rows.append(
                (
                    info.at[doc_id, "county"],
                    int(info.at[doc_id, "year"]),
                    info.at[doc_id, "township"],
                    doc_id,
                    rank,
                    term,
                    round(float(weight), 6),
                )
            )
    return pd.DataFrame(rows, columns=KEYWORD_COLUMNS)


def keyword_sequences(settings: AnalysisSettings, tokenizer) -> dict[str, list[tuple[str, ...]]]:
    """Given the settings and a tokenizer, return each dimension's keywords as word sequences."""
    return {
        dim: [tuple(words_of(k, tokenizer)) for k in keywords if words_of(k, tokenizer)]
        for dim, keywords in settings.dimension_keywords.items()
    }


def words_to_dimensions(
    words: list[str], sequences: dict[str, list[tuple[str, ...]]]
) -> dict[str, list[str]]:
    """Given a sentence's words and the keyword sequences, return {dimension: matched keywords}."""
    found: dict[str, list[str]] = {}
    for dim, seqs in sequences.items():
        for seq in seqs:
            n = len(seq)
            if any(tuple(words[i : i + n]) == seq for i in range(len(words) - n + 1)):
                found.setdefault(dim, []).append("".join(seq))
    return found


def problem_themes(
    docs: pd.DataFrame,
    sentences: pd.DataFrame,
    texts: dict[str, str],
    sections: SectionIndex,
    settings: AnalysisSettings,
    tokenizer,
) -> pd.DataFrame:
    """Given one county's reports, sentence rows and texts, return per report and dimension the
    problems-part sentences naming it: count, keywords, the first sentence and its section."""
    sequences = keyword_sequences(settings, tokenizer)
    info = docs.set_index("doc_id")
    rows = []
    for doc_id, group in sentences.groupby("doc_id", sort=True):
        spans = sections.kind_spans(doc_id, "problems")
        if not spans:
            continue
        starts = group["start"].to_numpy()
        inside = np.zeros(len(group), dtype=bool)
        for a, b in spans:
            inside |= (starts >= a) & (starts < b)
        hits: dict[str, dict] = {}
        for s in group[inside].itertuples(index=False):
            for dim, matched in words_to_dimensions(s.words.split(), sequences).items():
                entry = hits.setdefault(
                    dim, {"n": 0, "keywords": [], "start": s.start, "end": s.end}
                )
                entry["n"] += 1
                entry["keywords"] += [k for k in matched if k not in entry["keywords"]]
        text = texts.get(doc_id, "")
        for dim in settings.dimensions:
            if dim not in hits:
                continue
            h = hits[dim]
            rows.append(
                (
                    info.at[doc_id, "county"],
                    int(info.at[doc_id, "year"]),
                    info.at[doc_id, "township"],
                    doc_id,
                    dim,
                    settings.dimension_label(dim),
                    h["n"],
                    "、".join(h["keywords"]),
                    text[h["start"] : h["end"]],
                    sections.path_at(doc_id, h["start"]),
                )
            )
    return pd.DataFrame(rows, columns=THEME_COLUMNS)
