"""Corpus-level accounting of the documents table: duplicates and conflicting claims.

Two files with identical bytes are one report: the later one (by doc_id) points to the first with
``duplicate_of`` and is counted once in comparisons. Two different files claiming the same
township and year are a conflict: both are kept, both say so, nothing is merged silently.
"""

from __future__ import annotations

import pandas as pd


def _append_reason(reason, extra: str) -> str:
    return extra if reason is None or pd.isna(reason) or reason == "" else f"{reason}; {extra}"


def mark_duplicates(documents: pd.DataFrame) -> pd.DataFrame:
    """Given the documents table, return it with ``duplicate_of`` set for repeated content."""
    docs = documents.sort_values("doc_id").copy()
    first_by_hash: dict[str, str] = {}
    for i, row in docs.iterrows():
        sha = row["sha256"]
        if sha is None or sha is pd.NA or row["status"] == "failed":
            continue
        if sha in first_by_hash:
            docs.at[i, "duplicate_of"] = first_by_hash[sha]
            docs.at[i, "reason"] = _append_reason(
                row["reason"], f"same content as {first_by_hash[sha]}; counted once"
            )
            if row["status"] == "ok":
                docs.at[i, "status"] = "warning"
        else:
            first_by_hash[sha] = row["doc_id"]
    return docs


def mark_conflicts(documents: pd.DataFrame) -> pd.DataFrame:
    """Given the documents table, return it with a warning on every file whose county, township
    and year another (non-duplicate) file also claims. Same-named townships of different counties
    (there are many 城关镇) are different townships."""
    docs = documents.copy()
    usable = docs[
        docs["status"].isin(["ok", "warning"])
        & docs["duplicate_of"].isna()
        & docs["township"].notna()
        & docs["year"].notna()
    ]
    for (_county, _town, _year), group in usable.groupby(
        ["county", "township", "year"], sort=True, dropna=False
    ):
        if len(group) < 2:
            continue
        ids = sorted(group["doc_id"])
        for i in group.index:
            others = ", ".join(x for x in ids if x != docs.at[i, "doc_id"])
            docs.at[i, "reason"] = _append_reason(
                docs.at[i, "reason"],
                f"conflict: {others} also reports {_town} {int(_year)}; comparisons use {ids[0]}",
            )
            docs.at[i, "status"] = "warning"
    return docs


def comparable_doc_ids(documents: pd.DataFrame) -> list[str]:
    """Given the documents table, return the doc_ids that comparisons count: readable, not a
    duplicate, and the first file of any conflicting township-year."""
    docs = documents[
        documents["status"].isin(["ok", "warning"]) & documents["duplicate_of"].isna()
    ].sort_values("doc_id")
    keyed = docs.dropna(subset=["township", "year"])
    first = keyed.drop_duplicates(subset=["county", "township", "year"], keep="first")
    return sorted(first["doc_id"])
