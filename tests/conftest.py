"""Shared fixtures: paths to the shipped sample county and, when present, ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "raw"
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared"
SEED = SHARED / "corpus" / "seed"
REAL_DEV = SHARED / "corpus" / "real-dev"


def needs_shared(path: Path = SHARED):
    """Skip a test when ../shared (or a part of it) is not beside the checkout."""
    return pytest.mark.skipif(not path.exists(), reason=f"{path} not present")


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not (SEED / "guantian-2023.txt").exists():
        pytest.skip("../shared/corpus/seed not present")
    return (SEED / "guantian-2023.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def sample_processed(tmp_path_factory):
    """The sample county run through `analyze` once per test session; returns the folder."""
    from pipeline.run import RunSettings, run_analyze

    out = tmp_path_factory.mktemp("sample_processed")
    run_analyze(RAW, out, RunSettings(progress=False, jobs=1))
    return out
