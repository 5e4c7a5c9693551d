"""Run one command as a child process and measure it as a user would see it.

Wall time is from start to exit. CPU time (user + system) and the largest resident set of any
single process of the tree come from ``os.wait4``, which reports the child together with every
descendant it waited for (pool workers included). The peak of the whole tree's resident memory
(main process plus all workers at the same moment) is sampled every 50 ms with psutil when it
is installed (it comes with the ``dask`` extra); without it that figure is the single-process
peak.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.05


@dataclass(frozen=True)
class Measurement:
    """What one run of a command cost."""

    wall: float  # seconds
    cpu: float  # user + system seconds of the process and its waited-for children
    max_rss_mb: float  # largest resident set of one process of the tree
    tree_rss_mb: float  # largest sum of resident sets of the tree at one moment
    returncode: int
    stdout: str
    stderr: str

    def to_dict(self) -> dict:
        out = asdict(self)
        out.pop("stdout")
        out.pop("stderr")
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}


def measure(
    command: list[str], cwd: str | os.PathLike | None = None, env: dict | None = None
) -> Measurement:
    """Given a command, run it to the end and return what it cost; raise on a non-zero exit."""
    out_path, err_path = _scratch("stdout"), _scratch("stderr")
    with out_path.open("w+b") as out, err_path.open("w+b") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        sampler = _TreeSampler(child.pid)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        sampler.stop()
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    max_rss = usage.ru_maxrss / 1024  # kilobytes on Linux
    result = Measurement(
        wall,
        usage.ru_utime + usage.ru_stime,
        max_rss,
        max(sampler.peak_mb, max_rss),
        child.returncode,
        stdout,
        stderr,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}:\n{stderr[-3000:]}")
    return result


def _scratch(name: str) -> Path:
    import tempfile

    fd, path = tempfile.mkstemp(prefix=f"bench-{name}-")
    os.close(fd)
    return Path(path)


class _TreeSampler:
    """Samples the summed resident memory of a process and its descendants in a thread."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peak_mb = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            import psutil
        except ImportError:
            return
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._done.is_set():
            total = 0
            try:
                for p in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
            except psutil.Error:
                return
            self.peak_mb = max(self.peak_mb, total / 2**20)
            self._done.wait(SAMPLE_SECONDS)
