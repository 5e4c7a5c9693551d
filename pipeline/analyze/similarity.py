"""Copied text: TF-IDF cosine between reports, paragraph near-duplicates, other places' names.

Only reports that could have been copied from each other are compared: every pair within a
county-year, and each township's report against its own report of the year before. All work is
on sparse matrices over a batch of whole counties, so the cost grows with the number of reports,
not with its square.

Two cosines are kept for each pair: ``cosine_raw`` over all words, and ``cosine`` after removing
the boilerplate sentences that most reports of the county-year share (slogans, the 纲要's
phrases), so that the common language does not make every pair look copied. Features are the
jieba words of each sentence and their bigrams (vectors.word_ngrams); idf is per county.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from pipeline.analyze.passages import SectionIndex, sentence_at
from pipeline.analyze.vectors import grouped_tfidf, pair_cosines, sum_rows

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
PAIR_COLUMNS = ["doc_a", "doc_b", "kind", "county", "year_a", "year_b", "township_a", "township_b"]
SAME_YEAR, CONSECUTIVE = "same_year", "consecutive_years"
_CHUNK_ROWS = 2000  # paragraph rows multiplied at a time, to bound memory on large county-years


@dataclass(frozen=True)
class DocVectors:
    """The reports of a batch as rows: word counts over all sentences and over the
    non-boilerplate ones, in doc_id order."""

    doc_ids: list[str]
    county_code: np.ndarray  # county of each row, as a code
    raw: sparse.csr_matrix
    discounted: sparse.csr_matrix

    @property
    def row_of(self) -> dict[str, int]:
        return {d: i for i, d in enumerate(self.doc_ids)}


def doc_vectors(
    docs: pd.DataFrame, sentences: pd.DataFrame, counts: sparse.csr_matrix
) -> DocVectors:
    """Given a batch's reports, its sentence rows and their word counts, return the reports' rows."""
    order = sorted(docs["doc_id"])
    row_of = {d: i for i, d in enumerate(order)}
    code = sentences["doc_id"].map(row_of).to_numpy(dtype=np.int64)
    counties = docs.set_index("doc_id").loc[order, "county"]
    county_code = pd.factorize(counties, sort=True)[0].astype(np.int64)
    keep = ~sentences["boilerplate"].to_numpy(dtype=bool)
    raw = sum_rows(counts, code, len(order))
    discounted = sum_rows(counts, code, len(order), keep)
    return DocVectors(order, county_code, raw, discounted)


def compared_pairs(docs: pd.DataFrame) -> pd.DataFrame:
    """Given comparable reports (doc_id, county, year, township), return the pairs to compare:
    every pair of the same county-year, and each township's report with its previous year's."""
    d = docs[["doc_id", "county", "year", "township"]]
    same = d.merge(d, on=["county", "year"], suffixes=("_a", "_b"))
    same = same[same["doc_id_a"] < same["doc_id_b"]]
    same = same.assign(kind=SAME_YEAR, year_a=same["year"], year_b=same["year"])
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
    out = out.rename(columns={"doc_id_a": "doc_a", "doc_id_b": "doc_b"})
    return out.sort_values(["doc_a", "doc_b"], kind="stable").reset_index(drop=True)


def similarity_rows(pairs: pd.DataFrame, vectors: DocVectors) -> pd.DataFrame:
    """Given the pairs to compare and the reports' rows, return the similarity rows (cosine after
    removing boilerplate, cosine_raw over all words; shared_paragraphs filled in later)."""
    if pairs.empty:
        return pd.DataFrame(columns=SIMILARITY_COLUMNS)
    row_of = vectors.row_of
    a = pairs["doc_a"].map(row_of).to_numpy(dtype=np.int64)
    b = pairs["doc_b"].map(row_of).to_numpy(dtype=np.int64)
    out = pairs.copy()
    out["cosine"] = pair_cosines(grouped_tfidf(vectors.discounted, vectors.county_code), a, b)
    out["cosine_raw"] = pair_cosines(grouped_tfidf(vectors.raw, vectors.county_code), a, b)
    out["shared_paragraphs"] = 0
    return out[SIMILARITY_COLUMNS]


# ---------------------------------------------------------------- paragraph reuse


def paragraph_rows(
    sentences: pd.DataFrame, counts: sparse.csr_matrix, min_chars: int
) -> tuple[pd.DataFrame, sparse.csr_matrix]:
    """Given sentence rows and their counts, return the paragraphs with enough non-boilerplate
    text (doc_id, county, year, township, para, start) and their word counts."""
    keep = ~sentences["boilerplate"].to_numpy(dtype=bool)
    kept = sentences[keep]
    if kept.empty:
        return pd.DataFrame(
            columns=["doc_id", "county", "year", "township", "para", "start"]
        ), sparse.csr_matrix((0, counts.shape[1]))
    kept = kept.assign(chars=kept["key"].str.len())
    groups = kept.groupby(["doc_id", "para"], sort=True)
    code = groups.ngroup().to_numpy(dtype=np.int64)
    paras = groups.agg(
        county=("county", "first"),
        year=("year", "first"),
        township=("township", "first"),
        start=("start", "min"),
        chars=("chars", "sum"),
    ).reset_index()
    matrix = sum_rows(counts[np.flatnonzero(keep)], code, len(paras))
    enough = (paras["chars"] >= min_chars).to_numpy()
    return paras[enough].drop(columns="chars").reset_index(drop=True), matrix[
        np.flatnonzero(enough)
    ]


def reuse_rows(
    pairs: pd.DataFrame,
    sentences: pd.DataFrame,
    counts: sparse.csr_matrix,
    texts: dict[str, str],
    sections: SectionIndex,
    settings: dict,
) -> pd.DataFrame:
    """Given the pairs to compare, the sentence rows with their counts and the texts, return the
    near-duplicate paragraph pairs between compared reports, with both texts."""
    paras, matrix = paragraph_rows(sentences, counts, int(settings.get("paragraph_min_chars", 40)))
    if pairs.empty or paras.empty:
        return pd.DataFrame(columns=REUSE_COLUMNS)
    threshold = float(settings.get("paragraph_min_cosine", 0.8))
    weights = grouped_tfidf(matrix, pd.factorize(paras["county"], sort=True)[0].astype(np.int64))
    found = [
        _similar_rows(weights, rows_a, rows_b, threshold)
        for rows_a, rows_b in _paragraph_blocks(paras)
    ]
    i = np.concatenate([f[0] for f in found]) if found else np.zeros(0, dtype=np.int64)
    j = np.concatenate([f[1] for f in found]) if found else np.zeros(0, dtype=np.int64)
    v = np.concatenate([f[2] for f in found]) if found else np.zeros(0)
    hits = pd.DataFrame({"row_a": i, "row_b": j, "cosine": np.round(v, 6)})
    hits["doc_a"] = paras["doc_id"].to_numpy()[hits["row_a"]]
    hits["doc_b"] = paras["doc_id"].to_numpy()[hits["row_b"]]
    hits = hits.merge(pairs, on=["doc_a", "doc_b"], how="inner")
    if hits.empty:
        return pd.DataFrame(columns=REUSE_COLUMNS)
    limit = int(settings.get("max_reuse_pairs_per_doc_pair", 20))
    hits = hits.sort_values(
        ["doc_a", "doc_b", "cosine", "row_a", "row_b"],
        ascending=[True, True, False, True, True],
        kind="stable",
    )
    hits = hits.groupby(["doc_a", "doc_b"], sort=False).head(limit)
    return _reuse_table(hits, paras, texts, sections)


def _paragraph_blocks(paras: pd.DataFrame):
    """Yield (rows_a, rows_b) of paragraphs to compare: a county-year with itself, and a
    county-year with the county's next year."""
    groups = paras.groupby(["county", "year"], sort=True).indices
    for (county, year), rows in groups.items():
        yield rows, rows
        following = groups.get((county, year + 1))
        if following is not None:
            yield rows, following


def _similar_rows(
    weights: sparse.csr_matrix, rows_a: np.ndarray, rows_b: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Given paragraph rows of two blocks, return (row_a, row_b, cosine) of every pair at or
    above the threshold (each unordered pair once when the blocks are the same)."""
    out_i, out_j, out_v = [], [], []
    right = weights[rows_b].T.tocsc()
    same = rows_a is rows_b
    for start in range(0, len(rows_a), _CHUNK_ROWS):
        chunk = rows_a[start : start + _CHUNK_ROWS]
        product = (weights[chunk] @ right).tocoo()
        i = chunk[product.row]
        j = rows_b[product.col]
        keep = product.data >= threshold - 1e-9
        if same:
            keep &= i < j
        out_i.append(i[keep])
        out_j.append(j[keep])
        out_v.append(product.data[keep])
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_v)


def _reuse_table(
    hits: pd.DataFrame, paras: pd.DataFrame, texts: dict[str, str], sections: SectionIndex
) -> pd.DataFrame:
    lines: dict[str, list[str]] = {}

    def line(doc_id: str, para: int) -> str:
        if doc_id not in lines:
            lines[doc_id] = (texts.get(doc_id) or "").split("\n")
        doc_lines = lines[doc_id]
        return doc_lines[para] if 0 <= para < len(doc_lines) else ""

    para_of = paras["para"].to_numpy()
    start_of = paras["start"].to_numpy()
    rows = []
    for h in hits.itertuples(index=False):
        pa, pb = int(para_of[h.row_a]), int(para_of[h.row_b])
        rows.append(
            (
                h.doc_a,
                h.doc_b,
                h.cosine,
                h.kind,
                h.county,
                h.year_a,
                h.year_b,
                h.township_a,
                h.township_b,
                pa,
                pb,
                sections.path_at(h.doc_a, int(start_of[h.row_a])),
                sections.path_at(h.doc_b, int(start_of[h.row_b])),
                line(h.doc_a, pa),
                line(h.doc_b, pb),
            )
        )
    return pd.DataFrame(rows, columns=REUSE_COLUMNS)


def with_shared_paragraphs(similarity: pd.DataFrame, reuse: pd.DataFrame) -> pd.DataFrame:
    """Given similarity and reuse rows, return similarity with shared_paragraphs counted."""
    if similarity.empty:
        return similarity
    out = similarity.drop(columns="shared_paragraphs")
    if reuse.empty:
        out["shared_paragraphs"] = 0
        return out[SIMILARITY_COLUMNS]
    counts = reuse.groupby(["doc_a", "doc_b"]).size().rename("shared_paragraphs").reset_index()
    out = out.merge(counts, on=["doc_a", "doc_b"], how="left")
    out["shared_paragraphs"] = out["shared_paragraphs"].fillna(0).astype("int64")
    return out[SIMILARITY_COLUMNS]


# ---------------------------------------------------------------- names of other places


_TOWNSHIP_SUFFIX_RE = re.compile(r"(?:街道办事处|街道|办事处|镇|乡)$")
_COUNTY_SUFFIX_RE = re.compile(r"(?:自治县|县|区|市|旗)$")
FOREIGN_NAME_COLUMNS = ["doc_id", "place", "name", "name_kind", "evidence", "start", "section"]


def short_name(name: str, kind: str) -> str | None:
    """Given a township or county name, return its short form (柳塘镇 -> 柳塘), or None when the
    short form would be a single character."""
    pattern = _TOWNSHIP_SUFFIX_RE if kind == "township" else _COUNTY_SUFFIX_RE
    short = pattern.sub("", name)
    return short if len(short) >= 2 and short != name else None


def foreign_names(
    docs: pd.DataFrame,
    texts: dict[str, str],
    places: pd.DataFrame,
    sections: SectionIndex,
    ignore_words: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Given reports, their texts, the corpus's places (county, township) and words that make a
    mention legitimate (交界, 毗邻 ...), return every sentence naming another township or county:
    doc_id, place (the full name), name (as written), name_kind, evidence, start, section.

    Full names of every place of the corpus are found by looking back from each suffix character
    (镇, 乡, 县 ...), so the cost does not grow with the number of places; short names (柳塘 for
    柳塘镇) only for the townships of the report's own county."""
    places = places.dropna(subset=["township"]).drop_duplicates()
    full: dict[str, tuple[str, str]] = {}
    for county in places["county"].dropna().unique():
        full[county] = (county, "county")
    for town in places["township"].unique():
        full[town] = (town, "township")
    if not full:
        return pd.DataFrame(columns=FOREIGN_NAME_COLUMNS)
    lengths = sorted({len(n) for n in full}, reverse=True)
    ends = re.compile("|".join(sorted({re.escape(n[-1]) for n in full})))
    shorts_by_county = {
        county: {
            short: (town, "township")
            for town in group["township"]
            if (short := short_name(town, "township"))
        }
        for county, group in places.groupby("county")
    }
    short_patterns = {
        county: re.compile(
            "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))
        )
        for county, names in shorts_by_county.items()
        if names
    }
    rows = []
    for doc in docs.itertuples(index=False):
        text = texts.get(doc.doc_id) or ""
        own_names = {n for n in (doc.township, doc.county) if isinstance(n, str) and n}
        own_names |= {short_name(doc.township, "township"), short_name(doc.county, "county")} - {
            None
        }
        hits = _full_name_hits(text, full, lengths, ends)
        shorts = shorts_by_county.get(doc.county, {})
        if doc.county in short_patterns:
            covered = [(a, b) for a, b, _ in hits]
            hits += [
                (m.start(), m.end(), m.group())
                for m in short_patterns[doc.county].finditer(text)
                if m.group() not in own_names and not any(a <= m.start() < b for a, b in covered)
            ]
        seen = set()
        for start_name, end_name, name in sorted(hits):
            place, kind = full.get(name) or shorts[name]
            if place in own_names or _inside_own_name(text, start_name, end_name, own_names):
                continue
            start, end = sentence_at(text, start_name)
            sentence = text[start:end]
            if (place, start) in seen or any(w in sentence for w in ignore_words):
                continue
            seen.add((place, start))
            rows.append(
                (
                    doc.doc_id,
                    place,
                    name,
                    kind,
                    sentence,
                    start,
                    sections.path_at(doc.doc_id, start),
                )
            )
    return pd.DataFrame(rows, columns=FOREIGN_NAME_COLUMNS)


def _full_name_hits(text: str, names: dict, lengths: list[int], ends: re.Pattern) -> list:
    """Given text and the full place names, return (start, end, name) of every occurrence,
    found by looking back from each character that can end a name (longest name first)."""
    hits = []
    for m in ends.finditer(text):
        end = m.end()
        for length in lengths:
            if end - length >= 0 and text[end - length : end] in names:
                hits.append((end - length, end, text[end - length : end]))
                break
    return hits


def _inside_own_name(text: str, start: int, end: int, own: set) -> bool:
    """Whether text[start:end] is part of an occurrence of one of the report's own names."""
    for name in own:
        for k in range(max(0, start - len(name) + 1), start + 1):
            if text.startswith(name, k) and k + len(name) >= end:
                return True
    return False
