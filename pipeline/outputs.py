"""Writing outputs: atomically, deterministically, in formats Excel/WPS and pandas both open.

A run writes every file into a staging folder inside OUT_DIR and moves them into place only when
the run has finished, so a run killed half-way leaves the previous outputs complete. Each move is
an atomic rename. Before the first move the run writes a journal into the staging folder: a run
killed while moving files is finished by the next run (or by the same run's exception handler)
instead of leaving files of two runs side by side. One run at a time writes to OUT_DIR: a second
one is refused while the first holds OUT_DIR/.lock. The same tables give byte-identical files on
every run.
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import contracts
from pipeline.errors import ContractError, InputError

STAGING_PREFIX = ".staging-"
JOURNAL = ".commit.json"  # in a staging folder: the moves of a commit that has begun
LOCK_FILE = ".lock"


def _file_mode() -> int:
    """The mode a plainly created file gets (0o666 less the umask); mkstemp's is 0o600, which
    would hide the outputs from the other users of a shared office machine."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


FILE_MODE = _file_mode()


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Given a path and bytes, write them through a temp file and a rename; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):  # Python on Windows has it from 3.13
            os.fchmod(fd, FILE_MODE)
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


def _number_texts(series: pd.Series) -> pd.Series:
    """Given a float column, return format_number of each value: whole numbers converted at
    once (most of them: counts), the others one by one."""
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(values) & (np.mod(values, 1) == 0) & (np.abs(values) < 1e15)
    out = np.full(len(values), "", dtype=object)
    out[whole] = values[whole].astype(np.int64).astype(str)
    rest = ~whole & ~np.isnan(values)
    out[rest] = [format_number(v) for v in values[rest]]
    return pd.Series(out, index=series.index, dtype=object)


def _csv_ready(df: pd.DataFrame) -> pd.DataFrame:
    """Given a frame, return it with numbers and booleans as the CSV shows them."""
    out = df.copy()
    for name in out.columns:
        dtype = str(out[name].dtype)
        if dtype in ("Float64", "float64"):
            out[name] = _number_texts(out[name])
        elif dtype == "boolean":
            out[name] = out[name].map(lambda v: "" if v is pd.NA else ("true" if v else "false"))
    return out


# UTF-8 with a BOM: Excel/WPS read the BOM as UTF-8.
_CSV_OPTIONS = {"index": False, "lineterminator": "\n"}
_PARQUET_OPTIONS = {"index": False, "engine": "pyarrow", "compression": "zstd"}


def csv_bytes(df: pd.DataFrame) -> bytes:
    """Given a frame, return UTF-8-with-BOM CSV bytes (the bytes write_csv writes)."""
    buf = io.StringIO()
    _csv_ready(df).to_csv(buf, **_CSV_OPTIONS)
    return buf.getvalue().encode("utf-8-sig")


def write_csv(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Given a frame and a path, write the CSV there a chunk of rows at a time (a table of a
    million rows would otherwise be held three times over: text, buffer and bytes)."""
    _csv_ready(df).to_csv(path, encoding="utf-8-sig", **_CSV_OPTIONS)


def write_parquet(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Given a frame and a path, write the Parquet file there."""
    df.to_parquet(path, **_PARQUET_OPTIONS)


def read_table(directory: str | os.PathLike, table: str) -> pd.DataFrame:
    """Given an output folder and a table name, return the table typed by its contract."""
    directory = Path(directory)
    parquet = directory / f"{table}.parquet"
    if parquet.exists():
        df = pd.read_parquet(parquet)
    else:
        df = pd.read_csv(
            directory / f"{table}.csv",
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            encoding="utf-8-sig",
        )
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
        self._lock = _lock_out_dir(self.out_dir)
        _remove_stale_staging(self.out_dir)
        self.staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.out_dir))
        self._written: dict[str, None] = {}  # an ordered set: 40,000 texts, one lookup each

    def path(self, relative: str) -> Path:
        """Given a path relative to OUT_DIR, return where to stage it (parents created)."""
        target = self.staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        self._written[relative] = None
        return target

    @property
    def written(self) -> list[str]:
        """The paths staged so far, relative to OUT_DIR, in the order first staged."""
        return list(self._written)

    def write_bytes(self, relative: str, data: bytes) -> None:
        self.path(relative).write_bytes(data)

    def write_text(self, relative: str, text: str) -> None:
        self.write_bytes(relative, text.encode("utf-8"))

    def write_table(self, df: pd.DataFrame, table: str, *, parquet: bool = True) -> pd.DataFrame:
        """Check a table against its contract and stage CSV and Parquet; a table without a
        contract is a ContractError (write it down in pipeline/contracts.py first)."""
        if table not in contracts.TABLES:
            raise ContractError(f"table {table!r} has no contract in pipeline/contracts.py")
        df = contracts.conform(df, table)
        write_csv(df, self.path(f"{table}.csv"))
        if parquet:
            write_parquet(df, self.path(f"{table}.parquet"))
        return df

    def commit(self, replace_dirs: tuple[str, ...] = ()) -> None:
        """Move every staged file into OUT_DIR, each by an atomic rename.

        Folders named in ``replace_dirs`` (e.g. ``figures``) are emptied of files this run did
        not write, so they never mix two runs.
        """
        journal = {"written": self.written, "replace_dirs": list(replace_dirs)}
        atomic_write_text(self.staging / JOURNAL, json.dumps(journal, ensure_ascii=False))
        _apply_commit(self.staging, self.out_dir)
        self._unlock()

    def discard(self) -> None:
        """Drop the staged files; a commit that had begun is finished instead (see JOURNAL)."""
        try:
            if (self.staging / JOURNAL).exists():
                _apply_commit(self.staging, self.out_dir)
            else:
                shutil.rmtree(self.staging, ignore_errors=True)
        except OSError:  # cannot finish now: the next run finishes it
            pass
        finally:
            self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.discard()
        elif self.staging.exists():
            self.commit()


def _apply_commit(staging: Path, out_dir: Path) -> None:
    """Given a staging folder holding a JOURNAL, move its files into OUT_DIR and remove it.

    Idempotent: a move already made is skipped, so a commit killed half-way is finished by
    calling this again.
    """
    journal = json.loads((staging / JOURNAL).read_text(encoding="utf-8"))
    written = journal["written"]
    for name in journal["replace_dirs"]:
        old = out_dir / name
        keep = {r for r in written if r.startswith(name + "/")}
        if old.is_dir():
            for f in sorted(old.rglob("*")):
                rel = f.relative_to(out_dir).as_posix()
                if f.is_file() and rel not in keep:
                    f.unlink()
    for rel in written:
        source = staging / rel
        if source.exists():
            target = out_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    shutil.rmtree(staging, ignore_errors=True)


def _remove_stale_staging(out_dir: Path) -> None:
    """Finish the commits and remove the staging folders of runs that were killed."""
    for child in sorted(out_dir.glob(STAGING_PREFIX + "*")):
        if not child.is_dir():
            continue
        if (child / JOURNAL).is_file():
            try:
                _apply_commit(child, out_dir)
                continue
            except (OSError, ValueError, KeyError):  # a journal cut short: the commit had not begun
                pass
        shutil.rmtree(child, ignore_errors=True)


def _lock_out_dir(out_dir: Path):
    """Take OUT_DIR/.lock for this process (a POSIX record lock: freed when the process dies,
    not inherited by worker processes); raise InputError while another run holds it."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock
        return None
    handle = (out_dir / LOCK_FILE).open("a+b")
    try:
        fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise InputError(
            f"another run is writing to {out_dir}",
            hint="wait for it to finish, or give this run another --out folder",
        ) from None
    return handle
