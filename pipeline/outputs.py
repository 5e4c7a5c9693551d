"""Writing outputs: atomically, deterministically, in formats Excel/WPS and pandas both open.

A run writes every file into a staging folder inside OUT_DIR and moves them into place only when
the run has finished, so a run killed half-way leaves the previous outputs complete. Each move is
an atomic rename. The same tables give byte-identical files on every run.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from pipeline import contracts

STAGING_PREFIX = ".staging-"


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Given a path and bytes, write them through a temp file and a rename; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Given a path and text, write it as UTF-8 atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def format_number(value) -> str:
    """Given a number, return it as CSV text: integers without '.0', other floats as repr."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(round(value, 6))


def csv_bytes(df: pd.DataFrame) -> bytes:
    """Given a frame, return UTF-8-with-BOM CSV bytes (Excel/WPS read the BOM as UTF-8)."""
    out = df.copy()
    for name in out.columns:
        dtype = str(out[name].dtype)
        if dtype in ("Float64", "float64"):
            out[name] = out[name].map(format_number)
        elif dtype == "boolean":
            out[name] = out[name].map(lambda v: "" if v is pd.NA else ("true" if v else "false"))
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8-sig")


def parquet_bytes(df: pd.DataFrame) -> bytes:
    """Given a frame, return Parquet bytes."""
    buf = io.BytesIO()
    df.to_parquet(buf, index=False, engine="pyarrow", compression="zstd")
    return buf.getvalue()


def read_table(directory: str | os.PathLike, table: str) -> pd.DataFrame:
    """Given an output folder and a table name, return the table typed by its contract."""
    directory = Path(directory)
    parquet = directory / f"{table}.parquet"
    if parquet.exists():
        df = pd.read_parquet(parquet)
    else:
        df = pd.read_csv(directory / f"{table}.csv", dtype=str, keep_default_na=False,
                         na_values=[""], encoding="utf-8-sig")
    if table in contracts.TABLES:
        return contracts.conform(df, table)
    return df


class OutputSet:
    """The files of one run, staged inside OUT_DIR and moved into place by ``commit()``.

    Use as a context manager: on an exception the staging folder is removed and OUT_DIR keeps
    the previous run's files untouched.
    """

    def __init__(self, out_dir: str | os.PathLike):
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        _remove_stale_staging(self.out_dir)
        self.staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.out_dir))
        self.written: list[str] = []

    def path(self, relative: str) -> Path:
        """Given a path relative to OUT_DIR, return where to stage it (parents created)."""
        target = self.staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if relative not in self.written:
            self.written.append(relative)
        return target

    def write_bytes(self, relative: str, data: bytes) -> None:
        self.path(relative).write_bytes(data)

    def write_text(self, relative: str, text: str) -> None:
        self.write_bytes(relative, text.encode("utf-8"))

    def write_table(self, df: pd.DataFrame, table: str, *, parquet: bool = True) -> pd.DataFrame:
        """Check a table against its contract (when it has one) and stage CSV and Parquet."""
        if table in contracts.TABLES:
            df = contracts.conform(df, table)
        self.write_bytes(f"{table}.csv", csv_bytes(df))
        if parquet:
            self.write_bytes(f"{table}.parquet", parquet_bytes(df))
        return df

    def commit(self, replace_dirs: tuple[str, ...] = ()) -> None:
        """Move every staged file into OUT_DIR, each by an atomic rename.

        Folders named in ``replace_dirs`` (e.g. ``figures``) are emptied of files this run did
        not write, so they never mix two runs.
        """
        for name in replace_dirs:
            old = self.out_dir / name
            keep = {r for r in self.written if r.startswith(name + "/")}
            if old.is_dir():
                for f in sorted(old.rglob("*")):
                    rel = f.relative_to(self.out_dir).as_posix()
                    if f.is_file() and rel not in keep:
                        f.unlink()
        for rel in self.written:
            target = self.out_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.staging / rel, target)
        shutil.rmtree(self.staging, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.discard()
        elif self.staging.exists():
            self.commit()


def _remove_stale_staging(out_dir: Path) -> None:
    """Remove staging folders left by runs that were killed."""
    for child in out_dir.glob(STAGING_PREFIX + "*"):
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
