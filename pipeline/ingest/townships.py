"""The county's township table (raw/townships.csv): population and villages per township."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from pipeline.config import TOWNSHIPS_FILE
from pipeline.errors import InputError

COLUMNS = ["county", "township", "population", "villages"]


def read_townships(raw_dir: str | os.PathLike) -> pd.DataFrame | None:
    """Given the input folder, return its townships table, or None when there is none.

    Columns: county, township, population (residents), villages (villages and communities).
    """
    path = Path(raw_dir) / TOWNSHIPS_FILE
    if not path.is_file() or path.is_symlink():
        return None
    try:
        df = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError) as e:
        raise InputError(f"{path} cannot be read as UTF-8 CSV: {e}") from None
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"{path} lacks columns {missing}", hint="columns: " + ",".join(COLUMNS))
    out = df[COLUMNS].copy()
    for col in ("population", "villages"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("Float64")
    out["county"] = out["county"].str.strip()
    out["township"] = out["township"].str.strip()
    return out.sort_values(["county", "township"]).reset_index(drop=True)
