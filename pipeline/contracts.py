"""The columns of every output table, written down once and checked before a table is written.

A table is a tidy DataFrame. ``conform(df, "metrics")`` returns it with exactly the declared
columns, in the declared order, with the declared types, or raises ContractError naming what is
wrong. Other tools read these files: changing a contract is changing the product.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter

import pandas as pd

from pipeline.errors import ContractError

STATUSES = ("ok", "warning", "needs_ocr", "failed")
SECTION_KINDS = ("achievements", "problems", "plans", "other")
SEVERITIES = ("high", "medium", "low")


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # "str" | "int" | "float" | "bool"
    nullable: bool = True
    allowed: tuple[str, ...] = ()


def _cols(spec: str, **enums: tuple[str, ...]) -> tuple[Column, ...]:
    """Given "name:type name:type! ...", return Columns; a trailing ! means not nullable."""
    out = []
    for item in spec.split():
        name, dtype = item.split(":")
        required = dtype.endswith("!")
        dtype = dtype.rstrip("!")
        out.append(Column(name, dtype, nullable=not required, allowed=enums.get(name, ())))
    return tuple(out)


REQUIRED_ITEMS = (
    "item_measures",
    "item_problems",
    "item_first_responsible",
    "item_next_year",
    "item_other",
)

TABLES: dict[str, tuple[Column, ...]] = {
    "documents": _cols(
        "doc_id:str! format:str! status:str! reason:str township:str county:str year:int "
        "doc_number:str date:str issuers:str title:str pages:int chars:int! sha256:str "
        "duplicate_of:str ocr_pages:int ocr_confidence:float "
        + " ".join(f"{item}:bool" for item in REQUIRED_ITEMS),
        status=STATUSES,
    ),
    "sections": _cols(
        "doc_id:str! level:int! number:str title:str! kind:str! start:int! end:int!",
        kind=SECTION_KINDS,
    ),
    "metrics": _cols(
        "doc_id:str! township:str county:str year:int dimension:str! metric:str! value:float! "
        "unit:str approx:bool! evidence:str! start:int! end:int! section:str rule:str! note:str"
    ),
    "practices": _cols(
        "doc_id:str! township:str county:str year:int dimension:str! practice:str! "
        "present:bool! evidence:str start:int end:int section:str rule:str"
    ),
}


# ---------------------------------------------------------------- the analysis tables (issue #4)
SIMILARITY_KINDS = ("same_year", "consecutive_years")

TABLES.update(
    {
        "comparison": _cols(
            "county:str! year:int! township:str! doc_id:str! dimension:str! metric:str! direction:str "
            "reported:bool! value:float unit:str approx:bool basis:str basis_value:float n_reports:int "
            "n_reported:int median:float q1:float q3:float rank:int percentile:float robust_z:float "
            "prev_doc_id:str prev_reported:bool prev_value:float change:float change_pct:float "
            "evidence:str section:str"
        ),
        "peer_stats": _cols(
            "county:str! year:int! dimension:str! metric:str! direction:str basis:str n_reports:int "
            "n_reported:int median:float q1:float q3:float min:float max:float"
        ),
        "scores": _cols(
            "county:str! year:int! township:str! doc_id:str! dimension:str! label:str score:float "
            "metric_score:float practice_score:float metrics_reported:int metrics_expected:int "
            "practices_present:int practices_expected:int rank:int n_townships:int percentile:float "
            "band:str"
        ),
        "flags": _cols(
            "township:str! year:int! dimension:str! severity:str! rule:str! message:str! evidence:str "
            "county:str doc_id:str! section:str dimension_label:str metric:str practice:str "
            "value:float peer_value:float other_doc:str",
            severity=SEVERITIES,
        ),
        "similarity": _cols(
            "doc_a:str! doc_b:str! cosine:float! cosine_raw:float kind:str! county:str year_a:int "
            "year_b:int township_a:str township_b:str shared_paragraphs:int",
            kind=SIMILARITY_KINDS,
        ),
        "reuse_pairs": _cols(
            "doc_a:str! doc_b:str! cosine:float! kind:str! county:str year_a:int year_b:int "
            "township_a:str township_b:str para_a:int para_b:int section_a:str section_b:str "
            "text_a:str! text_b:str!",
            kind=SIMILARITY_KINDS,
        ),
        "keywords": _cols(
            "county:str year:int township:str doc_id:str! rank:int! term:str! weight:float!"
        ),
        "problem_themes": _cols(
            "county:str year:int township:str doc_id:str! dimension:str! label:str sentences:int "
            "keywords:str evidence:str section:str"
        ),
        "foreign_names": _cols(
            "county:str year:int township:str doc_id:str! place:str! name:str! name_kind:str "
            "evidence:str start:int section:str"
        ),
    }
)


def columns(table: str) -> list[str]:
    """Given a table name, return its column names in order."""
    return [c.name for c in _spec(table)]


def _spec(table: str) -> tuple[Column, ...]:
    try:
        return TABLES[table]
    except KeyError:
        raise ContractError(f"no contract for table {table!r}") from None


_PANDAS_TYPES = {"str": "string", "int": "Int64", "float": "Float64", "bool": "boolean"}
_TYPED = {name: pd.Series([], dtype=t).dtype for name, t in _PANDAS_TYPES.items()}


def empty(table: str) -> pd.DataFrame:
    """Given a table name, return an empty frame with its columns and types."""
    return conform(pd.DataFrame({c: [] for c in columns(table)}), table)


def frame(rows: list[dict], table: str) -> pd.DataFrame:
    """Given rows as dicts holding (at least) the table's columns, return the conformed table.
    Each column is made at once in its type: a frame of the dicts typed column by column
    afterwards took 0.8 ms a report. Rows a column cannot take at once go the long way, whose
    checks name what is wrong."""
    spec = _spec(table)
    if not rows:
        return empty(table)
    try:
        values = zip(*map(itemgetter(*(c.name for c in spec)), rows), strict=True)
        data = {
            c.name: pd.array(list(v), dtype=_TYPED[c.dtype])
            for c, v in zip(spec, values, strict=True)
        }
    except (KeyError, TypeError, ValueError):
        return conform(pd.DataFrame(rows, columns=columns(table)), table)
    return conform(pd.DataFrame(data), table)


def conform(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Given a frame and a table name, return the frame checked and typed, columns in order."""
    spec = _spec(table)
    missing = [c.name for c in spec if c.name not in df.columns]
    extra = [c for c in df.columns if c not in {s.name for s in spec}]
    if missing or extra:
        raise ContractError(f"table {table}: missing columns {missing}, unexpected columns {extra}")
    out = pd.DataFrame(index=df.index)
    for col in spec:
        try:
            out[col.name] = _coerce(df[col.name], col.dtype)
        except (TypeError, ValueError) as e:
            raise ContractError(
                f"table {table}: column {col.name} is not {col.dtype}: {e}"
            ) from None
        if not col.nullable and out[col.name].isna().any():
            raise ContractError(f"table {table}: column {col.name} has empty values")
        if col.allowed:
            bad = set(out[col.name].dropna().unique()) - set(col.allowed)
            if bad:
                raise ContractError(
                    f"table {table}: column {col.name} has values {sorted(bad)}, "
                    f"allowed {list(col.allowed)}"
                )
    return out.reset_index(drop=True)


def _coerce(series: pd.Series, dtype: str) -> pd.Series:
    if series.dtype == _TYPED[dtype]:
        return series  # conformed already (tables are conformed again at each stage)
    if dtype == "str":
        return series.astype("object").where(series.notna(), None).astype("string")
    if dtype == "bool":
        return series.astype("object").map(_to_bool).astype("boolean")
    if dtype == "int":
        numeric = pd.to_numeric(series, errors="raise")
        if (numeric.dropna() % 1 != 0).any():
            raise ValueError("has fractional values")
        return numeric.astype("Int64")
    return pd.to_numeric(series, errors="raise").astype("Float64")


def _to_bool(value):
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return pd.NA
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise ValueError(f"{value!r} is not a boolean")
    return bool(value)
