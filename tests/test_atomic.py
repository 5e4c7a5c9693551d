"""Atomic and deterministic outputs.

A run killed by SIGKILL while it extracts leaves the previous processed/ exactly as it was; a
run killed while it moves its files into place is finished by the next one (the commit
journal); two runs over the same input, with one worker or two, write the same bytes.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline import contracts
from pipeline.outputs import JOURNAL, STAGING_PREFIX, OutputSet, read_table
from pipeline.run import RunSettings, run_analyze

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "raw"
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="process groups and SIGKILL")


def snapshot(out: Path) -> dict[str, bytes]:
    """Given an output folder, return every file's bytes by relative path, hidden ones aside."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out).parts)
    }


def pipeline_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", *args, "--quiet"]


def extract(raw: Path, out: Path) -> None:
    """Run the extract command to its end."""
    command = pipeline_command("extract", str(raw), "--out", str(out), "--jobs", "2")
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=600)


# --- a run killed half-way ------------------------------------------------------------------


COPIES = 6  # the sample county again under other names: an extraction of seconds, not one


def test_a_run_killed_while_extracting_leaves_the_previous_outputs(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "processed"
    shutil.copytree(RAW, raw)
    for i in range(COPIES):
        shutil.copytree(RAW / "青溪县", raw / f"复本{i}县")
    reports = 24 * (COPIES + 1)
    extract(raw, out)
    before = snapshot(out)
    assert {"documents.csv", "metrics.csv", "metrics.parquet"} <= set(before)
    # the next run would change every table: one report fewer, and every file re-read
    (raw / "青溪县" / "2024" / "清河镇.txt").unlink()
    process = subprocess.Popen(
        pipeline_command("extract", str(raw), "--out", str(out), "--jobs", "2", "--no-cache"),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not list(out.glob(STAGING_PREFIX + "*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # well inside the extraction of all the reports again
    assert process.poll() is None, "the run ended before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)  # the main process and its workers
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    assert snapshot(out) == before
    for name in ("documents", "sections", "metrics", "practices"):
        table = read_table(out, name)
        assert list(table.columns) == contracts.columns(name)
    assert len(read_table(out, "documents")) == reports

    extract(raw, out)
    assert not list(out.glob(STAGING_PREFIX + "*"))
    assert len(read_table(out, "documents")) == reports - 1


KILL_DURING_COMMIT = """
import os, sys
from pipeline.outputs import OutputSet
out = OutputSet(sys.argv[1])
for name in ("a", "b", "c", "d"):
    out.write_text(f"{name}.txt", "new " + name)
moves = [0]
real_replace = os.replace
def replace_then_die(src, dst):
    real_replace(src, dst)
    moves[0] += 1
    if moves[0] == 3:
        os._exit(9)  # killed after the journal and two of four files were moved into place
os.replace = replace_then_die
out.commit()
"""


def test_a_run_killed_while_moving_its_files_is_finished_by_the_next(tmp_path):
    with OutputSet(tmp_path) as out:
        for name in ("a", "b", "c", "d"):
            out.write_text(f"{name}.txt", "old " + name)
    done = subprocess.run(
        [sys.executable, "-c", KILL_DURING_COMMIT, str(tmp_path)], cwd=ROOT, timeout=60
    )
    assert done.returncode == 9
    assert [(tmp_path / f"{n}.txt").read_text() for n in "abcd"] == [
        "new a",
        "new b",
        "old c",
        "old d",
    ]
    staging = list(tmp_path.glob(STAGING_PREFIX + "*"))
    assert len(staging) == 1 and (staging[0] / JOURNAL).is_file()

    OutputSet(tmp_path).discard()  # any next run starts by finishing the interrupted commit
    assert [(tmp_path / f"{n}.txt").read_text() for n in "abcd"] == [
        "new a",
        "new b",
        "new c",
        "new d",
    ]
    assert not list(tmp_path.glob(STAGING_PREFIX + "*"))


def test_an_exception_while_moving_files_finishes_the_commit_rather_than_mixing(
    tmp_path, monkeypatch
):
    with OutputSet(tmp_path) as out:
        for name in ("a", "b", "c"):
            out.write_text(f"{name}.txt", "old")
    real_replace, moves = os.replace, [0]

    def replace_then_interrupt(src, dst):
        real_replace(src, dst)
        moves[0] += 1
        if moves[0] == 2:  # the journal and one file are in place
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), OutputSet(tmp_path) as out:
        for name in ("a", "b", "c"):
            out.write_text(f"{name}.txt", "new")
        monkeypatch.setattr(os, "replace", replace_then_interrupt)
        out.commit()
    assert {(tmp_path / f"{n}.txt").read_text() for n in "abc"} == {"new"}


def test_a_second_run_into_the_same_folder_is_refused_while_the_first_writes(tmp_path):
    from pipeline.errors import InputError

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom pipeline.outputs import OutputSet\n"
            "out = OutputSet(sys.argv[1])\nprint('holding', flush=True)\ntime.sleep(60)\n",
            str(tmp_path),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(InputError, match="another run is writing to"):
            OutputSet(tmp_path)
        assert len(list(tmp_path.glob(STAGING_PREFIX + "*"))) == 1  # its staging is left alone
    finally:
        holder.kill()
        holder.wait()
    OutputSet(tmp_path).discard()  # the lock died with its process


# --- the same input gives the same bytes ----------------------------------------------------

SUBSET = [
    "青溪县/2023/清河镇.txt", "青溪县/2023/杏花乡.docx", "青溪县/2023/白沙乡.pdf",
    "青溪县/2024/清河镇.txt", "青溪县/2024/竹山镇.docx", "青溪县/2024/柳塘镇.pdf",
    "青溪县/2024/桃源街道.html",
]  # fmt: skip


@pytest.mark.slow
def test_two_runs_write_identical_bytes_whatever_the_number_of_workers(tmp_path):
    raw = tmp_path / "raw"
    for rel in [*SUBSET, "townships.csv"]:
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(RAW / rel, raw / rel)
    outs = []
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        run_analyze(raw, out, RunSettings(jobs=jobs, cache=False, progress=False))
        outs.append(snapshot(out))
    first, second = outs
    assert sorted(first) == sorted(second)
    assert {f"{name}.{ext}" for name in contracts.TABLES for ext in ("csv", "parquet")} <= set(
        first
    )
    different = [name for name in first if first[name] != second[name]]
    assert different == []  # the workbook too: its save time is fixed
