"""Paths and settings, defined once.

Everything a user may want to change without touching Python lives in YAML / text files under
``pipeline/data/`` and can be overridden by path; this module only knows where they are and
validates the few settings that are plain values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"
PROJECT_DIR = PACKAGE_DIR.parent

DEFAULT_CATALOG = DATA_DIR / "catalog.yaml"
DEFAULT_USER_DICT = DATA_DIR / "user_dict.txt"
DEFAULT_STRUCTURE = DATA_DIR / "structure.yaml"
DEFAULT_ANALYSIS = DATA_DIR / "analysis.yaml"

# Files directly under RAW_DIR that describe the county rather than being reports.
TOWNSHIPS_FILE = "townships.csv"
RESERVED_RAW_FILES = frozenset({TOWNSHIPS_FILE})

# Where the cleaned text and the cache go inside OUT_DIR.
TEXT_SUBDIR = "text"
CACHE_SUBDIR = ".cache"
FIGURES_SUBDIR = "figures"

MB = 1024 * 1024


# libyaml's safe loader when PyYAML was built with it (the wheels are): the catalog loads in
# 10 ms instead of 75 ms, in every worker process.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: str | os.PathLike) -> Any:
    """Given a YAML path, return its content; a missing or malformed file is a ConfigError."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as f:
            return yaml.load(f, Loader=_SAFE_LOADER)
    except FileNotFoundError:
        raise ConfigError(f"settings file not found: {path}") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{path} is not valid YAML: {e}") from None


@dataclass(frozen=True)
class Limits:
    """Per-file limits. A file over a limit becomes a `failed` row naming the limit."""

    max_file_mb: float = 50.0  # bytes read from one input file
    max_pdf_pages: int = 300  # pages per PDF
    max_docx_inflated_mb: float = 200.0  # decompressed size of a .docx / .xlsx-like zip
    max_seconds: float = 120.0  # wall time per document (enforced in worker processes)
    # Characters of text one document may yield: a long report is 50,000; 2 million is 1,000
    # pages. Checked as soon as a reader has the text, before the costly layout and extraction.
    max_text_chars: int = 2_000_000
    # Address space reading one document may add to its process (RLIMIT_AS, POSIX only): a
    # report needs under 1 GB even when OCR loads its models; more is a hostile file.
    max_memory_mb: float = 2048.0

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ConfigError(
                    f"limit {f.name} must be a positive number, got {value!r}",
                    hint="limits are set with --limit NAME=VALUE; names: "
                    + ", ".join(x.name for x in fields(Limits)),
                )

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * MB)

    @property
    def max_docx_inflated_bytes(self) -> int:
        return int(self.max_docx_inflated_mb * MB)

    @property
    def max_memory_bytes(self) -> int:
        return int(self.max_memory_mb * MB)

    @classmethod
    def from_pairs(cls, pairs: list[str]) -> Limits:
        """Given ``["max_file_mb=10", ...]``, return Limits; unknown names are a ConfigError."""
        known = {f.name: f.type for f in fields(cls)}
        values: dict[str, float] = {}
        for pair in pairs:
            name, sep, raw = pair.partition("=")
            name = name.strip()
            if not sep or name not in known:
                raise ConfigError(
                    f"unknown limit {pair!r}",
                    hint="use NAME=VALUE with NAME one of " + ", ".join(known),
                )
            try:
                values[name] = float(raw)
            except ValueError:
                raise ConfigError(f"limit {name} must be a number, got {raw!r}") from None
        for name in values:
            if known[name] in ("int", int):
                values[name] = int(values[name])
        return cls(**values)
