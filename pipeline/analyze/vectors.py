"""Word counts of sentences and TF-IDF computed per county, all as sparse matrices.

Sentences are counted once (unigrams and bigrams of their jieba words, see ``word_ngrams``);
reports and paragraphs are sums of their sentences' rows. TF-IDF weights are computed per
county (the idf of a word is its rarity among the reports of that county), with scikit-learn's
smooth idf and sublinear tf, and every row is L2-normalised, so a dot product is a cosine.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import sparse

# scikit-learn is imported where it is used: its import takes 1.5 s, and the process that runs
# `analyze` needs it only when the text analysis runs in that process (--jobs 1).


def word_ngrams(words: str) -> list[str]:
    """Given space-joined jieba words, return the words and their bigrams (the TF-IDF features)."""
    tokens = words.split()
    return tokens + [f"{a}_{b}" for a, b in itertools.pairwise(tokens)]


def sentences_to_counts(words: list[str]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Given each sentence's space-joined words, return (sentence × feature counts, feature
    names). Repeated sentences (boilerplate, copies) are counted once and their row reused."""
    unique, inverse = np.unique(np.asarray(words, dtype=object), return_inverse=True)
    if not any(unique):
        return sparse.csr_matrix((len(words), 0), dtype=np.float64), np.array([], dtype=object)
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(analyzer=word_ngrams, dtype=np.float64)
    counts = vectorizer.fit_transform(list(unique)).tocsr()
    return counts[inverse.ravel()], vectorizer.get_feature_names_out()


def sum_rows(
    counts: sparse.csr_matrix, group: np.ndarray, n_groups: int, keep: np.ndarray | None = None
) -> sparse.csr_matrix:
    """Given row counts, each row's group code and optionally which rows to keep, return the
    group × feature sums."""
    rows = np.arange(counts.shape[0])
    if keep is not None:
        rows, group = rows[keep], group[keep]
    member = sparse.csr_matrix(
        (np.ones(len(rows)), (group, rows)), shape=(n_groups, counts.shape[0])
    )
    return (member @ counts).tocsr()


def grouped_tfidf(
    counts: sparse.csr_matrix, group: np.ndarray, max_df_share: float | None = None
) -> sparse.csr_matrix:
    """Given row counts and each row's group (county) code, return L2-normalised TF-IDF rows
    whose idf is computed among the rows of the same group only (smooth idf, sublinear tf).
    With ``max_df_share``, features found in more than that share of the group's rows are
    dropped."""
    counts = sparse.csr_matrix(counts, dtype=np.float64)
    counts.sum_duplicates()
    counts.eliminate_zeros()
    if counts.shape[0] == 0:
        return counts
    order = np.argsort(group, kind="stable")
    cuts = np.flatnonzero(np.diff(group[order])) + 1
    parts = []
    for rows in np.split(order, cuts):
        block = counts[rows]
        df = np.bincount(block.indices, minlength=counts.shape[1])
        idf = np.log((1.0 + len(rows)) / (1.0 + df)) + 1.0
        data = (1.0 + np.log(block.data)) * idf[block.indices]
        if max_df_share is not None:
            data[df[block.indices] > max_df_share * len(rows)] = 0.0
        block.data = data
        parts.append(block)
    weighted = sparse.vstack(parts, format="csr")[np.argsort(order, kind="stable")]
    weighted.eliminate_zeros()
    from sklearn.preprocessing import normalize

    return normalize(weighted, norm="l2", copy=False)


PAIR_CHUNK = 2048  # pairs whose rows are gathered at once


def pair_cosines(matrix: sparse.csr_matrix, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Given L2-normalised rows and two index arrays, return the cosine of each (a[i], b[i])."""
    if len(a) == 0:
        return np.zeros(0)
    out = np.empty(len(a))
    for lo in range(0, len(a), PAIR_CHUNK):  # the rows of all pairs at once took a gigabyte
        hi = lo + PAIR_CHUNK
        products = matrix[a[lo:hi]].multiply(matrix[b[lo:hi]]).sum(axis=1)
        out[lo:hi] = np.asarray(products).ravel()
    return np.round(out, 6)
