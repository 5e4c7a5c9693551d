"""The hostile folder, analyzed once per test session by the real command, under a guard.

``hostile_run()`` writes the hostile folder (pipeline.samples.hostile), runs
``python -m pipeline analyze FOLDER --out OUT --jobs 2 --quiet`` in a subprocess and returns what
the tests look at: exit code, output, peak memory of the whole process tree, the documents
table and the guard's log. The guard is a ``sitecustomize`` module on PYTHONPATH, so every
Python process of the run (the main one and each worker) installs an audit hook that refuses
network access and logs every Python-level open of a path the run must never read (the
targets of the folder's symbolic links, and the links themselves).
"""

from __future__ import annotations

import atexit
import functools
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.outputs import read_table
from pipeline.samples.hostile import ENTRIES, Spec, write_hostile_folder

ROOT = Path(__file__).resolve().parents[1]
JOBS = 2

GUARD = r"""
import os
import socket
import sys

_LOG = os.environ.get("PIPELINE_GUARD_LOG")
_WATCH = tuple(p for p in os.environ.get("PIPELINE_GUARD_WATCH", "").split(os.pathsep) if p)
_LOOKUPS = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
            "socket.gethostbyaddr"}
_SENDS = {"socket.connect", "socket.sendto", "socket.sendmsg"}
_INTERNET = (socket.AF_INET, socket.AF_INET6)


def _log(line):
    os.write(_FD, (line.replace("\n", " ") + "\n").encode("utf-8", "backslashreplace"))


def _hook(event, args):
    global _PID
    if os.getpid() != _PID:  # a forked worker: the hook came with the fork
        _PID = os.getpid()
        _log(f"guard inherited pid={_PID}")
    if event in _LOOKUPS or (event in _SENDS and getattr(args[0], "family", None) in _INTERNET):
        _log(f"network {event} {args[1:]!r} pid={os.getpid()}")
        raise PermissionError(f"network access refused by the test guard: {event}")
    if event == "open" and _WATCH and isinstance(args[0], (str, bytes)):
        path = os.fsdecode(args[0])
        if path.startswith(_WATCH):
            _log(f"open {path} pid={os.getpid()}")


if _LOG:
    _FD = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    _PID = os.getpid()
    _log(f"guard installed pid={_PID}")
    sys.addaudithook(_hook)
"""


@dataclass
class HostileRun:
    folder: Path
    out: Path
    specs: list[Spec]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_tree_rss: int  # bytes: the largest sum of RSS over the run's processes (5 samples/s)
    peak_tree_pss: int  # bytes: the same with PSS: shared pages counted once
    max_single_rss: int  # bytes: ru_maxrss of the largest process (getrusage RUSAGE_CHILDREN)
    guard_log: list[str]

    @property
    def documents(self) -> pd.DataFrame:
        return read_table(self.out, "documents")

    def table(self, name: str) -> pd.DataFrame:
        return read_table(self.out, name)

    def row(self, doc_id: str) -> dict:
        docs = self.documents
        rows = docs[docs["doc_id"] == doc_id]
        assert len(rows) == 1, f"{len(rows)} rows for {doc_id}"
        return rows.iloc[0].to_dict()


def _children(ppid_of: dict[int, int], root: int) -> set[int]:
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, ppid in ppid_of.items() if ppid in tree} - tree
        tree |= more
        grew = bool(more)
    return tree


def _memory(pid: int, page: int) -> tuple[int, int]:
    """Given a process id, return its (RSS, PSS) in bytes; PSS shares a page among the
    processes that map it (forked workers share their parent's pages), RSS counts it in each."""
    rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
    pss = rss
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
                break
    except OSError:
        pass
    return rss, pss


def tree_memory(root: int) -> tuple[int, int]:
    """Given a process id, return the summed (RSS, PSS) of it and its descendants."""
    ppid_of, page = {}, os.sysconf("SC_PAGE_SIZE")
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
                ppid_of[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    rss = pss = 0
    for pid in _children(ppid_of, root):
        try:
            one_rss, one_pss = _memory(pid, page)
        except (OSError, ValueError, IndexError):
            continue
        rss, pss = rss + one_rss, pss + one_pss
    return rss, pss


def run_guarded(args: list[str], guard_dir: Path, watch: list[str], timeout: float = 900) -> tuple:
    """Run ``python -m pipeline ARGS`` under the guard; return (returncode, stdout, stderr,
    seconds, (peak RSS, peak PSS) summed over the process tree, guard log lines)."""
    guard_dir.mkdir(parents=True, exist_ok=True)
    (guard_dir / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    log = guard_dir / "guard.log"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(guard_dir), str(ROOT)]),
        "PIPELINE_GUARD_LOG": str(log),
        "PIPELINE_GUARD_WATCH": os.pathsep.join(watch),
    }
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[:] = [max(a, b) for a, b in zip(peak, tree_memory(process.pid), strict=True)]
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        done.set()
        sampler.join()
    seconds = time.perf_counter() - started
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return process.returncode, stdout, stderr, seconds, tuple(peak), lines


@functools.lru_cache(maxsize=1)
def hostile_run() -> HostileRun:
    """Write the hostile folder and analyze it once; return the run."""
    work = Path(tempfile.mkdtemp(prefix="hostile-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    folder, out = work / "raw", work / "processed"
    specs = write_hostile_folder(folder)
    watch = ["/etc/passwd", str(folder / "links") + "/"]
    args = ["analyze", str(folder), "--out", str(out), "--jobs", str(JOBS), "--quiet"]
    code, stdout, stderr, seconds, (rss, pss), log = run_guarded(args, work / "guard", watch)
    max_single = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return HostileRun(folder, out, specs, code, stdout, stderr, seconds, rss, pss, max_single, log)


def specs_by_path() -> dict[str, Spec]:
    return {s.path: s for s in ENTRIES}
