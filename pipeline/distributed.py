"""Per-document extraction on an existing Dask distributed cluster.

``--executor dask --scheduler tcp://HOST:8786`` sends the per-document work (read, clean,
extract: ``run.process_entry``) to the cluster's workers; everything else (discovering the
files, the cache, the tables, the analysis) stays on the machine running the command.

**Bytes are sent, paths are not.** The command reads each file and sends its bytes with the
task, so workers need no shared file system and no copy of the input folder. A worker writes the
bytes to a temporary file with the original name and runs the same ``process_entry`` as a local
run, so results are identical to ``--executor local``. A custom ``--catalog`` is sent the same
way. What workers do need: the same version of the pipeline and its dependencies (and the
``ocr`` extra if the command has it). This is checked before any work is sent: a worker whose
code and settings fingerprint (the cache's) differs makes the run stop with a message.

Files the command cannot send (symbolic links, non-regular files, files over ``max_file_mb``)
are not sent: they become their ``failed`` rows locally, as in a local run. Documents are sent
in batches of about ``BATCH_BYTES``, a few batches per worker thread in flight, so the
command's memory stays small whatever the corpus size. A batch whose worker died is retried
document by document; a document that kills its worker again is a ``failed`` row, as on the
local process pool.

Workers run tasks in threads, and PDFium is not thread-safe: each worker process runs one
document at a time. Start workers as processes with one thread each:
``dask worker tcp://HOST:8786 --nworkers <cores> --nthreads 1``. The per-document time limit
(``max_seconds``) is enforced with a signal in a process's main thread, which Dask tasks are not
in: on Dask, use the cluster's own timeouts instead.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.ingest import Entry
from pipeline.run import DocResult, RunSettings, _failed, _fingerprint, document_row, process_entry

BATCH_BYTES = 4 * 2**20  # bytes of input per task (well under Dask's large-graph warning)
BATCH_DOCS = 64  # documents per task at most
IN_FLIGHT_PER_THREAD = 2  # batches queued per worker thread
CONNECT_SECONDS = 30
WORKERS_SECONDS = 60  # how long to wait for a first worker to join the scheduler
CRASHED = "the reader crashed on this file (worker process died)"

_DOCUMENT_LOCK = threading.Lock()  # one document at a time per worker process (PDFium)

# One item of a batch: doc_id, file name (for the extension), bytes.
Item = tuple[str, str, bytes]


def map_on_dask(
    entries: list[Entry], settings: RunSettings, bar
) -> Iterator[tuple[Entry, DocResult]]:
    """Given entries and the settings (``settings.scheduler`` is the scheduler's address), run
    process_entry on the cluster and yield (entry, result) as results arrive."""
    client = _connect(settings.scheduler)
    try:
        _check_workers(client, settings)
        catalog = Path(settings.catalog).read_bytes() if settings.catalog else None
        remote = replace(settings, catalog=None, jobs=1, progress=False)
        sendable = [e for e in entries if _sendable(e, settings)]
        for e in entries:
            if not _sendable(e, settings):
                bar.update(1)
                yield e, process_entry(e, settings)
        yield from _run_batches(client, _batches(sendable), remote, catalog, bar)
    finally:
        client.close()


def _connect(address: str | None):
    try:
        from distributed import Client
    except ImportError:
        raise PipelineError(
            "--executor dask needs Dask's distributed scheduler, which is not installed",
            hint="install the dask extra: pip install '.[dask]'",
        ) from None
    if not address:
        raise PipelineError(
            "--executor dask needs --scheduler ADDRESS", hint="e.g. --scheduler tcp://10.0.0.5:8786"
        )
    try:
        return Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise PipelineError(
            f"cannot reach the Dask scheduler at {address}: {e}",
            hint="start it with `dask scheduler` and workers with `dask worker ADDRESS "
            "--nworkers N --nthreads 1`, or run without --executor dask",
        ) from None


def _check_workers(client, settings: RunSettings) -> None:
    """Stop with a PipelineError when no worker joins or a worker runs other code or settings."""
    try:
        client.wait_for_workers(1, timeout=WORKERS_SECONDS)
    except TimeoutError:
        raise PipelineError(
            f"no Dask worker joined the scheduler within {WORKERS_SECONDS} s",
            hint="start workers with `dask worker ADDRESS --nworkers N --nthreads 1`",
        ) from None
    plain = replace(settings, catalog=None)
    mine = _fingerprint(plain)
    theirs = client.run(worker_fingerprint, plain)
    different = sorted(addr for addr, fp in theirs.items() if fp != mine)
    if different:
        raise PipelineError(
            f"Dask workers {', '.join(different)} run a different version of the pipeline "
            "(code, data files or the OCR extra differ from this machine's)",
            hint="install the same version on every worker, or run with --no-ocr if only OCR differs",
        )


def _sendable(entry: Entry, settings: RunSettings) -> bool:
    """Whether the entry is a regular file within the size limit (else it fails locally)."""
    if entry.is_symlink or not entry.path.is_file():
        return False
    size = entry.path.stat().st_size
    return 0 < size <= settings.limits.max_file_bytes


def _batches(entries: list[Entry]) -> Iterator[list[Entry]]:
    """Given entries, yield them in batches of at most BATCH_DOCS and about BATCH_BYTES."""
    batch: list[Entry] = []
    size = 0
    for e in entries:
        n = e.path.stat().st_size
        if batch and (size + n > BATCH_BYTES or len(batch) >= BATCH_DOCS):
            yield batch
            batch, size = [], 0
        batch.append(e)
        size += n
    if batch:
        yield batch


def _items(batch: list[Entry]) -> list[Item]:
    return [(e.doc_id, e.path.name, e.path.read_bytes()) for e in batch]


def _run_batches(
    client, batches: Iterator[list[Entry]], settings: RunSettings, catalog: bytes | None, bar
) -> Iterator[tuple[Entry, DocResult]]:
    """Given batches of entries, keep a few per worker thread in flight; yield the results."""
    from distributed import as_completed
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    limit = max(2, IN_FLIGHT_PER_THREAD * sum(client.nthreads().values()))
    queue = iter(batches)
    retry: list[list[Entry]] = []  # batches of one, after their worker died
    running = as_completed(loop=client.loop)
    batch_of = {}

    def submit_next() -> bool:
        batch = retry.pop() if retry else next(queue, None)
        if batch is None:
            return False
        future = client.submit(run_batch, _items(batch), settings, catalog, pure=False)
        batch_of[future.key] = batch
        running.add(future)
        return True

    while len(batch_of) < limit and submit_next():
        pass
    for future in running:
        batch = batch_of.pop(future.key)
        try:
            results = future.result()
        except (KilledWorker, FutureCancelledError):
            if len(batch) > 1:
                retry.extend([e] for e in batch)
            else:
                bar.update(1)
                yield batch[0], DocResult(document_row(_failed(batch[0], CRASHED)), [], [], [], "")
            results = None
        finally:
            future.release()
        for e, r in zip(batch, results or [], strict=False):
            bar.update(1)
            yield e, r
        while len(batch_of) < limit and submit_next():
            pass


# ---------------------------------------------------------------- on the workers


def worker_fingerprint(settings: RunSettings) -> str:
    """Return the cache fingerprint of the code, data files and settings on this worker."""
    return _fingerprint(settings)


def run_batch(items: list[Item], settings: RunSettings, catalog: bytes | None) -> list[DocResult]:
    """Given (doc_id, file name, bytes) items, the settings and the catalog's bytes (or None),
    return each item's DocResult, exactly as process_entry gives it for the original file."""
    with _DOCUMENT_LOCK, tempfile.TemporaryDirectory(prefix="pipeline-dask-") as tmp:
        if catalog is not None:
            settings = replace(settings, catalog=str(_catalog_file(catalog)))
        out = []
        for i, (doc_id, name, data) in enumerate(items):
            folder = Path(tmp) / str(i)
            folder.mkdir()
            path = folder / name
            path.write_bytes(data)
            out.append(process_entry(Entry(path, doc_id), settings))
            path.unlink()
        return out


def _catalog_file(catalog: bytes) -> Path:
    """Given a catalog's bytes, return a file holding them, named by their hash (so the worker's
    loaded catalog and tokenizer are reused from batch to batch)."""
    path = (
        Path(tempfile.gettempdir())
        / f"pipeline-catalog-{hashlib.sha256(catalog).hexdigest()[:16]}.yaml"
    )
    if not path.is_file():
        tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
        tmp.write_bytes(catalog)
        tmp.replace(path)
    return path
