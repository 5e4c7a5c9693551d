"""Process pools of fresh processes, for the work done after extraction (text analysis, charts).

Not forks of the running process: a fork shares, and as its garbage collector walks them
copies, all the tables and texts the main process holds (6.6 GB at 40,000 reports, 15.6 GB for
the process tree with two forked chart workers). Workers start from a forkserver (or spawn where
there is none) and receive only what their task needs.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor


def fresh_pool(workers: int, preload: tuple[str, ...] = ()) -> ProcessPoolExecutor:
    """Given a number of workers and modules to import once in the forkserver, return a pool."""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver" and preload:
        context.set_forkserver_preload(list(preload))
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)
