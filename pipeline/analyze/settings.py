"""The analysis settings: pipeline/data/analysis.yaml read into a validated, frozen dataclass.

Every error names the setting, what is allowed and what the file says, so an office editing the
YAML knows what to fix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config import DEFAULT_ANALYSIS, load_yaml
from pipeline.contracts import SEVERITIES
from pipeline.errors import ConfigError

DIRECTIONS = ("higher", "lower", "neutral")
PER_BASES = ("raw", "per_10k", "per_village")
OVERALL = "overall"  # the dimension of flags about the whole report (copying, missing items)
OVERALL_LABEL = "整体"


@dataclass(frozen=True)
class DimensionSpec:
    label: str
    weight: float


@dataclass(frozen=True)
class MetricSpec:
    dimension: str
    label: str
    unit: str = ""
    direction: str = "higher"
    per: str = "raw"


@dataclass(frozen=True)
class PracticeSpec:
    dimension: str
    label: str
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnalysisSettings:
    """Everything the analysis and the reports read from analysis.yaml."""

    dimensions: dict[str, DimensionSpec]
    metrics: dict[str, MetricSpec]
    practices: dict[str, PracticeSpec]
    comparison: dict[str, Any]
    scoring: dict[str, Any]
    flags: dict[str, dict[str, Any]]
    similarity: dict[str, Any]
    keywords: dict[str, Any]
    dimension_keywords: dict[str, tuple[str, ...]]
    charts: dict[str, Any]
    report: dict[str, Any]
    source: str = ""

    def dimension_label(self, dimension: str) -> str:
        """Given a dimension id, return its Chinese label (the id when unknown)."""
        if dimension == OVERALL:
            return OVERALL_LABEL
        spec = self.dimensions.get(dimension)
        return spec.label if spec else dimension

    def metric_label(self, metric: str) -> str:
        spec = self.metrics.get(metric)
        return spec.label if spec else metric

    def practice_label(self, practice: str) -> str:
        spec = self.practices.get(practice)
        return spec.label if spec else practice

    def band_of(self, score: float) -> str | None:
        """Given a 0-100 score, return its band (None for a missing score)."""
        if score is None or score != score:
            return None
        for band in self.scoring["bands"]:
            if score >= band["min"]:
                return band["band"]
        return self.scoring["bands"][-1]["band"]


def load_settings(path: str | os.PathLike | None = None) -> AnalysisSettings:
    """Given a YAML path (None: the shipped analysis.yaml), return validated settings."""
    path = Path(path) if path is not None else DEFAULT_ANALYSIS
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings, got {type(raw).__name__}")
    return settings_from_dict(raw, str(path))


def settings_from_dict(raw: dict, source: str = "<dict>") -> AnalysisSettings:
    """Given the parsed YAML, return validated settings; errors name the setting."""
    where = source
    dimensions = {
        key: DimensionSpec(
            label=_str(spec, "label", f"{where}: dimensions.{key}"),
            weight=_number(spec, "weight", f"{where}: dimensions.{key}", minimum=0),
        )
        for key, spec in _mapping(raw, "dimensions", where).items()
    }
    if not dimensions:
        raise ConfigError(f"{where}: dimensions is empty; at least one dimension is needed")
    metrics = {
        key: _metric(key, spec, dimensions, where)
        for key, spec in _mapping(raw, "metrics", where).items()
    }
    practices = {
        key: _practice(key, spec, dimensions, where)
        for key, spec in _mapping(raw, "practices", where).items()
    }
    scoring = _mapping(raw, "scoring", where)
    for name in ("metric_weight", "practice_weight", "reported_credit"):
        _number(scoring, name, f"{where}: scoring", minimum=0)
    if not 0 <= scoring["reported_credit"] <= 1:
        raise ConfigError(
            f"{where}: scoring.reported_credit must be between 0 and 1, "
            f"got {scoring['reported_credit']!r}"
        )
    bands = scoring.get("bands")
    if (
        not isinstance(bands, list)
        or not bands
        or not all(
            isinstance(b, dict) and "band" in b and isinstance(b.get("min"), (int, float))
            for b in bands
        )
    ):
        raise ConfigError(
            f"{where}: scoring.bands must be a list of {{band: NAME, min: NUMBER}}, got {bands!r}"
        )
    scoring = {**scoring, "bands": sorted(bands, key=lambda b: -b["min"])}
    flags = _mapping(raw, "flags", where)
    _check_severities(flags, where)
    dimension_keywords = {
        key: tuple(str(w) for w in _list(words, f"{where}: dimension_keywords.{key}"))
        for key, words in _mapping(raw, "dimension_keywords", where).items()
    }
    unknown = set(dimension_keywords) - set(dimensions)
    if unknown:
        raise ConfigError(
            f"{where}: dimension_keywords names unknown dimensions {sorted(unknown)}; "
            f"known: {list(dimensions)}"
        )
    return AnalysisSettings(
        dimensions=dimensions,
        metrics=metrics,
        practices=practices,
        comparison=_mapping(raw, "comparison", where),
        scoring=scoring,
        flags=flags,
        similarity=_mapping(raw, "similarity", where),
        keywords=_mapping(raw, "keywords", where),
        dimension_keywords=dimension_keywords,
        charts=_mapping(raw, "charts", where),
        report=_mapping(raw, "report", where),
        source=source,
    )


def _metric(key: str, spec: Any, dimensions: dict, where: str) -> MetricSpec:
    at = f"{where}: metrics.{key}"
    if not isinstance(spec, dict):
        raise ConfigError(f"{at} must be a mapping, got {spec!r}")
    dimension = _choice(spec, "dimension", at, tuple(dimensions))
    direction = _choice(spec, "direction", at, DIRECTIONS, default="higher")
    per = _choice(spec, "per", at, PER_BASES, default="raw")
    return MetricSpec(dimension, _str(spec, "label", at), str(spec.get("unit", "")), direction, per)


def _practice(key: str, spec: Any, dimensions: dict, where: str) -> PracticeSpec:
    at = f"{where}: practices.{key}"
    if not isinstance(spec, dict):
        raise ConfigError(f"{at} must be a mapping, got {spec!r}")
    words = tuple(str(w) for w in _list(spec.get("words", []), f"{at}.words"))
    return PracticeSpec(
        _choice(spec, "dimension", at, tuple(dimensions)), _str(spec, "label", at), words
    )


def _check_severities(flags: dict, where: str) -> None:
    """Every `severity*` value in the flags settings must be a known severity (or null)."""

    def walk(node, at):
        if isinstance(node, dict):
            for k, v in node.items():
                is_severity = k == "severity" or k.endswith("_severity")
                if is_severity and v is not None and v not in SEVERITIES:
                    raise ConfigError(
                        f"{at}.{k} must be one of {list(SEVERITIES)} or null, got {v!r}"
                    )
                walk(v, f"{at}.{k}")

    walk(flags, f"{where}: flags")


def _mapping(raw: dict, key: str, where: str) -> dict:
    value = raw.get(key)
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: `{key}` must be a mapping, got {value!r}")
    return value


def _list(value: Any, at: str) -> list:
    if not isinstance(value, list):
        raise ConfigError(f"{at} must be a list, got {value!r}")
    return value


def _str(spec: Any, key: str, at: str) -> str:
    value = spec.get(key) if isinstance(spec, dict) else None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{at}.{key} must be a non-empty text, got {value!r}")
    return value


def _number(spec: dict, key: str, at: str, minimum: float | None = None) -> float:
    value = spec.get(key) if isinstance(spec, dict) else None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ConfigError(f"{at}.{key} must be a number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{at}.{key} must be at least {minimum}, got {value!r}")
    return float(value)


def _choice(
    spec: dict, key: str, at: str, allowed: tuple[str, ...], default: str | None = None
) -> str:
    value = spec.get(key, default)
    if value not in allowed:
        raise ConfigError(f"{at}.{key} must be one of {list(allowed)}, got {value!r}")
    return value
