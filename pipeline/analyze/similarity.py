"""Copied text: TF-IDF cosine between reports, paragraph near-duplicates, other places' names.

Only reports that could have been copied from each other are compared: every pair within a
county-year, and each township's report against its own report of the year before. Work is per
county on sparse matrices, so the cost grows with the number of reports, not its square.

Two cosines are kept for each pair: ``cosine_raw`` over all words, and ``cosine`` after removing
the boilerplate sentences that most reports of the county-year share (slogans, the 纲要's
phrases), so that the common language does not make every pair look copied. Words are jieba
tokens (see passages.words_of) turned into unigrams and bigrams by ``word_ngrams``.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from pipeline.analyze.passages import SectionIndex, sentence_at

SIMILARITY_COLUMNS = [
    "doc_a",
    "doc_b",
    "cosine",
    "cosine_raw",
    "kind",
    "county",
    "year_a",
    "year_b",
    "township_a",
    "township_b",
    "shared_paragraphs",
]
REUSE_COLUMNS = [
    "doc_a",
    "doc_b",
    "cosine",
    "kind",
    "county",
    "year_a",
    "year_b",
    "township_a",
    "township_b",
    "para_a",
    "para_b",
    "section_a",
    "section_b",
    "text_a",
    "text_b",
]
SAME_YEAR, CONSECUTIVE = "same_year", "consecutive_years"
_CHUNK_ROWS = 2000  # paragraph rows multiplied at a time, to bound memory on large counties


def word_ngrams(words: str) -> list[str]:
    """Given space-joined words, return the words and their bigrams (the TF-IDF features)."""
    tokens = words.split()
    return tokens + [f"{a}_{b}" for a, b in itertools.pairwise(tokens)]


def _vectorize(documents: list[str]) -> sparse.csr_matrix:
    """Given space-joined word strings, return their L2-normalised TF-IDF rows."""
    if not any(documents):
        return sparse.csr_matrix((len(documents), 1), dtype=np.float32)
    vectorizer = TfidfVectorizer(analyzer=word_ngrams, sublinear_tf=True, dtype=np.float32)
    return vectorizer.fit_transform(documents).tocsr()


def compared_pairs(docs: pd.DataFrame) -> pd.DataFrame:
    """Given one county's comparable reports (doc_id, county, year, township), return the pairs to
    compare: doc_a, doc_b, kind (same_year | consecutive_years), years and townships."""
    d = docs[["doc_id", "county", "year", "township"]]
    same = d.merge(d, on=["county", "year"], suffixes=("_a", "_b"))
    same = same[same["doc_id_a"] < same["doc_id_b"]].assign(kind=SAME_YEAR)
    same = same.assign(year_a=same["year"], year_b=same["year"]).drop(columns="year")
    nxt = d.assign(year=d["year"] + 1)
    cons = d.merge(nxt, on=["county", "township", "year"], suffixes=("_b", "_a"))
    cons = cons.assign(
        kind=CONSECUTIVE,
        year_b=cons["year"],
        year_a=cons["year"] - 1,
        township_a=cons["township"],
        township_b=cons["township"],
    )
    cols = [
        "doc_id_a",
        "doc_id_b",
        "kind",
        "county",
        "year_a",
        "year_b",
        "township_a",
        "township_b",
    ]
    out = pd.concat([same[cols], cons[cols]], ignore_index=True)
    return out.rename(columns={"doc_id_a": "doc_a", "doc_id_b": "doc_b"})


def sentences_to_similarity(docs: pd.DataFrame, sentences: pd.DataFrame) -> pd.DataFrame:
    """Given one county's reports and their sentence rows, return its similarity rows."""
    pairs = compared_pairs(docs)
    if pairs.empty:
        return pd.DataFrame(columns=SIMILARITY_COLUMNS)
    order = sorted(docs["doc_id"])
    position = {d: i for i, d in enumerate(order)}
    raw = sentences.groupby("doc_id")["words"].agg(" ".join).reindex(order, fill_value="")
    kept = sentences[~sentences["boilerplate"]]
    discounted = kept.groupby("doc_id")["words"].agg(" ".join).reindex(order, fill_value="")
    a = pairs["doc_a"].map(position).to_numpy()
    b = pairs["doc_b"].map(position).to_numpy()
    pairs["cosine"] = _pair_cosines(_vectorize(list(discounted)), a, b)
    pairs["cosine_raw"] = _pair_cosines(_vectorize(list(raw)), a, b)
    pairs["shared_paragraphs"] = 0
    return pairs[SIMILARITY_COLUMNS]


def _pair_cosines(matrix: sparse.csr_matrix, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Given L2-normalised rows and index arrays, return the cosine of each (a[i], b[i]) pair."""
    if len(a) == 0:
        return np.zeros(0)
    products = matrix[a].multiply(matrix[b]).sum(axis=1)
    return np.round(np.asarray(products).ravel().astype(float), 6)


# ---------------------------------------------------------------- paragraph reuse


def sentences_to_paragraphs(sentences: pd.DataFrame, min_chars: int) -> pd.DataFrame:
    """Given sentence rows, return one row per paragraph with enough non-boilerplate text:
    doc_id, para, start, end, words."""
    kept = sentences[~sentences["boilerplate"]]
    kept = kept.assign(chars=kept["key"].str.len())
    paras = (
        kept.groupby(["doc_id", "para"], sort=True)
        .agg(
            start=("start", "min"),
            end=("end", "max"),
            chars=("chars", "sum"),
            words=("words", " ".join),
        )
        .reset_index()
    )
    return paras[paras["chars"] >= min_chars].reset_index(drop=True)


def sentences_to_reuse_pairs(
    docs: pd.DataFrame,
    sentences: pd.DataFrame,
    texts: dict[str, str],
    sections: SectionIndex,
    settings: dict,
) -> pd.DataFrame:
    """Given one county's reports, their sentence rows and texts, return the near-duplicate
    paragraph pairs between compared reports, with both texts."""
    pairs = compared_pairs(docs)
    paras = sentences_to_paragraphs(sentences, int(settings.get("paragraph_min_chars", 40)))
    if pairs.empty or paras.empty:
        return pd.DataFrame(columns=REUSE_COLUMNS)
    threshold = float(settings.get("paragraph_min_cosine", 0.8))
    matrix = _vectorize(list(paras["words"]))
    doc_of = paras["doc_id"].to_numpy()
    rows_of_doc = paras.groupby("doc_id").indices
    found = []
    for (_kind, _year), group in pairs.groupby(["kind", "year_a"], sort=True):
        docs_a = sorted(set(group["doc_a"]))
        docs_b = sorted(set(group["doc_b"]))
        rows_a = _rows(rows_of_doc, docs_a)
        rows_b = _rows(rows_of_doc, docs_b)
        wanted = set(zip(group["doc_a"], group["doc_b"], strict=True))
        for i, j, cos in _similar_rows(matrix, rows_a, rows_b, threshold):
            da, db = doc_of[i], doc_of[j]
            if (da, db) in wanted:
                found.append((da, db, i, j, cos))
    if not found:
        return pd.DataFrame(columns=REUSE_COLUMNS)
    hits = pd.DataFrame(found, columns=["doc_a", "doc_b", "row_a", "row_b", "cosine"])
    hits = hits.merge(pairs, on=["doc_a", "doc_b"], how="left")
    limit = int(settings.get("max_reuse_pairs_per_doc_pair", 20))
    hits = hits.sort_values(
        ["doc_a", "doc_b", "cosine", "row_a"], ascending=[True, True, False, True]
    )
    hits = hits.groupby(["doc_a", "doc_b"], sort=False).head(limit)
    return _reuse_rows(hits, paras, texts, sections)


def _rows(rows_of_doc: dict, doc_ids: list[str]) -> np.ndarray:
    parts = [rows_of_doc[d] for d in doc_ids if d in rows_of_doc]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=int)


def _similar_rows(matrix, rows_a: np.ndarray, rows_b: np.ndarray, threshold: float):
    """Yield (row_a, row_b, cosine) for every pair of rows at or above the threshold."""
    if len(rows_a) == 0 or len(rows_b) == 0:
        return
    right = matrix[rows_b].T.tocsc()
    for start in range(0, len(rows_a), _CHUNK_ROWS):
        chunk = rows_a[start : start + _CHUNK_ROWS]
        product = (matrix[chunk] @ right).tocoo()
        keep = product.data >= threshold - 1e-6
        for r, c, v in zip(product.row[keep], product.col[keep], product.data[keep], strict=True):
            yield int(chunk[r]), int(rows_b[c]), round(float(v), 6)


def _reuse_rows(
    hits: pd.DataFrame, paras: pd.DataFrame, texts: dict[str, str], sections: SectionIndex
) -> pd.DataFrame:
    out = []
    for h in hits.itertuples(index=False):
        pa, pb = paras.iloc[h.row_a], paras.iloc[h.row_b]
        out.append(
            {
                "doc_a": h.doc_a,
                "doc_b": h.doc_b,
                "cosine": h.cosine,
                "kind": h.kind,
                "county": h.county,
                "year_a": h.year_a,
                "year_b": h.year_b,
                "township_a": h.township_a,
                "township_b": h.township_b,
                "para_a": int(pa["para"]),
                "para_b": int(pb["para"]),
                "section_a": sections.path_at(h.doc_a, int(pa["start"])),
                "section_b": sections.path_at(h.doc_b, int(pb["start"])),
                "text_a": _line(texts.get(h.doc_a, ""), int(pa["start"])),
                "text_b": _line(texts.get(h.doc_b, ""), int(pb["start"])),
            }
        )
    return pd.DataFrame(out, columns=REUSE_COLUMNS)


def _line(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start:] if end < 0 else text[start:end]


def with_shared_paragraphs(similarity: pd.DataFrame, reuse: pd.DataFrame) -> pd.DataFrame:
    """Given similarity and reuse rows, return similarity with shared_paragraphs counted."""
    if similarity.empty:
        return similarity
    counts = reuse.groupby(["doc_a", "doc_b"]).size().rename("n") if len(reuse) else None
    out = similarity.drop(columns="shared_paragraphs")
    if counts is None:
        out["shared_paragraphs"] = 0
    else:
        out = out.merge(counts.reset_index(), on=["doc_a", "doc_b"], how="left")
        out["shared_paragraphs"] = out["n"].fillna(0).astype("int64")
        out = out.drop(columns="n")
    return out[SIMILARITY_COLUMNS]


# ---------------------------------------------------------------- names of other places


def foreign_names(
    docs: pd.DataFrame,
    texts: dict[str, str],
    places: pd.DataFrame,
    sections: SectionIndex,
    ignore_words: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Given reports, their texts, the corpus's places (county, township) and words that make a
    mention legitimate (交界, 毗邻 ...), return every sentence naming another township or county
    of the corpus: doc_id, name, name_kind (township | county), evidence, start, section."""
    townships = sorted(set(places["township"].dropna()), key=lambda n: (-len(n), n))
    counties = sorted(set(places["county"].dropna()), key=lambda n: (-len(n), n))
    columns = ["doc_id", "name", "name_kind", "evidence", "start", "section"]
    if not townships and not counties:
        return pd.DataFrame(columns=columns)
    names = {**{n: "county" for n in counties}, **{n: "township" for n in townships}}
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n))))
    rows = []
    for doc in docs.itertuples(index=False):
        text = texts.get(doc.doc_id) or ""
        own = {doc.township, doc.county}
        seen = set()
        for m in pattern.finditer(text):
            name = m.group()
            if name in own or _inside_own_name(text, m.start(), m.end(), own):
                continue
            start, end = sentence_at(text, m.start())
            sentence = text[start:end]
            if (name, start) in seen or any(w in sentence for w in ignore_words):
                continue
            seen.add((name, start))
            rows.append(
                (
                    doc.doc_id,
                    name,
                    names[name],
                    sentence,
                    start,
                    sections.path_at(doc.doc_id, start),
                )
            )
    return pd.DataFrame(rows, columns=columns)


def _inside_own_name(text: str, start: int, end: int, own: set) -> bool:
    """Whether text[start:end] is part of an occurrence of one of the report's own names."""
    for name in own:
        if not isinstance(name, str) or not name:
            continue
        for k in range(max(0, start - len(name) + 1), start + 1):
            if text.startswith(name, k) and k + len(name) >= end:
                return True
    return False
