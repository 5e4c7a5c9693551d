"""Wiring: run ingestion and extraction over an input folder, then the analysis and reports.

Per-document work (read, clean, extract) is a pure function of the file's bytes, its path and
the settings, so it runs on a process pool (``--jobs``) or a Dask cluster and is cached by
content hash; results are always assembled in doc_id order, so every executor and every
number of jobs writes the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import inspect
import itertools
import json
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from pipeline import __version__, contracts
from pipeline.config import (
    CACHE_SUBDIR,
    DEFAULT_ANALYSIS,
    FIGURES_SUBDIR,
    PACKAGE_DIR,
    TEXT_SUBDIR,
    Limits,
)
from pipeline.errors import DocumentError, InputError
from pipeline.ingest import Entry, discover, ingest_entry
from pipeline.ingest.accounting import mark_conflicts, mark_duplicates
from pipeline.ingest.model import Document
from pipeline.ingest.townships import read_townships
from pipeline.outputs import OutputSet


@dataclass(frozen=True)
class RunSettings:
    """What a run needs besides the input folder. Picklable: workers receive it."""

    limits: Limits = field(default_factory=Limits)
    catalog: str | None = None  # path to a catalog YAML; None = the shipped one
    ocr: bool = True  # OCR pages without a text layer when the `ocr` extra is installed
    jobs: int | None = None  # worker processes; None = all cores
    cache: bool = True
    executor: str = "local"  # local | dask
    scheduler: str | None = None  # Dask scheduler address
    progress: bool = True


@dataclass
class DocResult:
    """Everything one input entry contributes to the output tables."""

    document: dict
    sections: list[dict]
    metrics: list[dict]
    practices: list[dict]
    text: str


@dataclass
class ExtractResult:
    documents: pd.DataFrame
    sections: pd.DataFrame
    metrics: pd.DataFrame
    practices: pd.DataFrame
    texts: dict[str, str]
    seconds: float = 0.0
    cached: int = 0


# ---------------------------------------------------------------- per document (in workers)

_WORKER_STATE: dict[str, object] = {}


def _extraction_tools(catalog_path: str | None):
    """Return (catalog, tokenizer), loaded once per process and catalog."""
    key = f"tools:{catalog_path}"
    if key not in _WORKER_STATE:
        from pipeline.extract import load_catalog, make_tokenizer

        _WORKER_STATE[key] = (load_catalog(catalog_path), make_tokenizer())
    return _WORKER_STATE[key]


def _ocr_function(enabled: bool):
    """Return the OCR function for pages without a text layer, or None when OCR is off or not
    installed. The engine itself is imported only when a page needs it: importing it costs
    every process about half a second and 50 MB, and most reports have a text layer."""
    if not enabled or not _ocr_installed():
        return None
    from pipeline.ingest import ocr

    return ocr.ocr_pdf_page


@functools.lru_cache(maxsize=1)
def _ocr_installed() -> bool:
    """Whether the OCR engine can be imported; looked up once a process (a third of a
    millisecond a document otherwise)."""
    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


class _Timeout(BaseException):
    """Raised by the SIGALRM handler: a BaseException, so that no ``except Exception`` on the
    way (a reader's fallback, a library's) swallows it."""


# Once the limit is reached the alarm repeats every second: one that lands in a finalizer run
# by the garbage collector is lost ("Exception ignored in ..."), the next one is not.
ALARM_REPEAT_SECONDS = 1.0


def _alarm(_signum, _frame):
    raise _Timeout


def process_entry(entry: Entry, settings: RunSettings) -> DocResult:
    """Given one entry, return its rows; never raises for a bad file."""
    _extraction_tools(settings.catalog)  # loaded once per process, outside the time limit
    use_alarm = hasattr(signal, "SIGALRM") and _in_main_thread()
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, settings.limits.max_seconds, ALARM_REPEAT_SECONDS)
    restore_memory = _cap_memory(settings.limits.max_memory_bytes) if use_alarm else None
    try:
        try:
            doc = ingest_entry(entry, settings.limits, ocr=_ocr_function(settings.ocr))
            metrics, practices = [], []
            if doc.status in ("ok", "warning") and doc.text:
                catalog, tokenizer = _extraction_tools(settings.catalog)
                from pipeline.extract import extract_document

                metrics, practices = extract_document(doc, catalog, tokenizer)
        finally:  # an alarm landing here is still caught below; none comes after this
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except _Timeout:
        doc = _failed(
            entry, f"took longer than the limit max_seconds={settings.limits.max_seconds:g}"
        )
        metrics, practices = [], []
    except MemoryError:
        doc = _failed(
            entry,
            f"needed more memory than the limit max_memory_mb={settings.limits.max_memory_mb:g}",
        )
        metrics, practices = [], []
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        if restore_memory is not None:
            restore_memory()
    return DocResult(
        document=document_row(doc),
        sections=[{"doc_id": doc.doc_id, **_shallow_dict(s)} for s in doc.sections],
        metrics=metrics,
        practices=practices,
        text=doc.text,
    )


def _shallow_dict(obj) -> dict:
    """Given a dataclass of plain values, return its fields as a dict (asdict without the deep
    copy, which took 5 % of extraction)."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def _cap_memory(extra_bytes: int):
    """Cap this process's address space at its current size plus ``extra_bytes`` (RLIMIT_AS);
    return the function that lifts the cap, or None where there is no such limit.

    An allocation past the cap raises MemoryError (caught: the document fails) or kills the
    worker (the pool fails only that document), instead of taking the machine down. A cap
    set by the user is only ever lowered, never raised.
    """
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as f:
            size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = size + extra_bytes
        for limit in (soft, hard):
            if limit != resource.RLIM_INFINITY:
                cap = min(cap, limit)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, OSError, ValueError, AttributeError):  # not Linux: no cap
        return None
    return lambda: resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _failed(entry: Entry, reason: str) -> Document:
    return Document(doc_id=entry.doc_id, format="unknown", status="failed", reason=reason)


def document_row(doc: Document) -> dict:
    """Given a Document, return its documents-table row."""
    row = {
        "doc_id": doc.doc_id,
        "format": doc.format,
        "status": doc.status,
        "reason": doc.reason or None,
        "township": doc.meta.township,
        "county": doc.meta.county,
        "year": doc.meta.year,
        "doc_number": doc.meta.doc_number,
        "date": doc.meta.date,
        "issuers": "; ".join(doc.meta.issuers) or None,
        "title": doc.meta.title,
        "pages": doc.pages,
        "chars": len(doc.text),
        "sha256": doc.sha256,
        "duplicate_of": None,
        "ocr_pages": doc.ocr_pages,
        "ocr_confidence": doc.ocr_confidence,
    }
    for item in contracts.REQUIRED_ITEMS:
        row[item] = doc.items.get(item) if doc.items else None
    return row


# ---------------------------------------------------------------- the corpus


def _fingerprint(settings: RunSettings) -> str:
    """Return a hash of everything besides a file's bytes that its results depend on: the
    ingest and extract code, the data files they read (not the analysis settings), the
    per-document functions of this module, the required items, the catalog and the limits."""
    h = hashlib.sha256(__version__.encode())
    roots = [PACKAGE_DIR / "ingest", PACKAGE_DIR / "extract", PACKAGE_DIR / "data"]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path == DEFAULT_ANALYSIS:
                continue
            if path.is_file() and path.suffix in (".py", ".yaml", ".txt"):
                h.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
                h.update(path.read_bytes())
    for func in (process_entry, document_row, _failed, _shallow_dict):
        h.update(inspect.getsource(func).encode())
    h.update(json.dumps(contracts.REQUIRED_ITEMS).encode())
    if settings.catalog:
        h.update(Path(settings.catalog).read_bytes())
    h.update(json.dumps(asdict(settings.limits), sort_keys=True).encode())
    h.update(str(settings.ocr and _ocr_function(True) is not None).encode())
    return h.hexdigest()[:16]


class _Cache:
    """Per-document results keyed by (file bytes, doc_id, code and settings fingerprint)."""

    def __init__(self, directory: Path | None, fingerprint: str, max_bytes: int):
        self.directory = directory
        self.fingerprint = fingerprint
        self.max_bytes = max_bytes
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def key(self, entry: Entry) -> str | None:
        if self.directory is None or entry.is_symlink:
            return None
        try:  # ingest_entry reports a file that cannot be read; here it is only not cached
            if not entry.path.is_file() or entry.path.stat().st_size > self.max_bytes:
                return None
            data = entry.path.read_bytes()
        except OSError:
            return None
        h = hashlib.sha256(self.fingerprint.encode())
        h.update(entry.doc_id.encode() + b"\0")
        h.update(data)
        return h.hexdigest()

    def get(self, key: str | None) -> DocResult | None:
        if key is None:
            return None
        path = self.directory / f"{key}.json"
        try:
            return DocResult(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def put(self, key: str | None, result: DocResult) -> None:
        """Store a result: temp file and rename, without fsync (a cache entry lost in a crash
        is only a miss, and 40,000 fsyncs cost minutes)."""
        if key is None:
            return
        # The fields are plain lists and dicts already: asdict's deep copy cost more than the
        # extraction itself in the main process of a --jobs run.
        data = json.dumps(_shallow_dict(result), ensure_ascii=False).encode("utf-8")
        tmp = self.directory / f".{key}.{os.getpid()}.tmp"
        try:
            tmp.write_bytes(data)
            os.replace(tmp, self.directory / f"{key}.json")
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def prune(self, keep: set[str]) -> None:
        """Remove cached results that no current input uses."""
        if self.directory is None or not self.directory.is_dir():
            return
        for path in self.directory.glob("*.json"):
            if path.stem not in keep:
                path.unlink(missing_ok=True)
        for path in self.directory.glob(".*.tmp"):  # left by a run that was killed
            path.unlink(missing_ok=True)


def _default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


# A mapper runs process_entry on every entry and yields (entry, result) as results arrive, in
# any order; extract_corpus caches each result at once (an interrupted run resumes from the
# cache) and puts them in doc_id order.
Mapped = Iterator[tuple[Entry, DocResult]]


def _map_local(entries: list[Entry], settings: RunSettings, bar) -> Mapped:
    jobs = settings.jobs or _default_jobs()
    if jobs == 1 or len(entries) <= 1:
        for e in entries:
            yield e, process_entry(e, settings)
            bar.update(1)
        return
    yield from _map_pool(entries, settings, jobs, bar)


QUEUED_PER_WORKER = 8  # documents submitted ahead of the one awaited, per worker


def _map_pool(entries: list[Entry], settings: RunSettings, jobs: int, bar) -> Mapped:
    """Run entries on a process pool; a worker that dies fails only its own document.

    A window of QUEUED_PER_WORKER documents per worker is in flight, and each future is let go
    once its result is taken: holding all of them held every result (2.4 GB at 40,000)."""
    done: set[str] = set()
    pending = list(entries)
    while pending:
        workers = min(jobs, len(pending))
        pool = ProcessPoolExecutor(max_workers=workers)
        try:
            queue = iter(pending)
            window: deque = deque()
            for e in itertools.islice(queue, workers * QUEUED_PER_WORKER):
                window.append((pool.submit(process_entry, e, settings), e))
            while window:
                future, e = window.popleft()
                result = future.result()
                following = next(queue, None)
                if following is not None:
                    window.append((pool.submit(process_entry, following, settings), following))
                done.add(e.doc_id)
                bar.update(1)
                yield e, result
            pending = []
        except BrokenProcessPool:
            pending = [e for e in pending if e.doc_id not in done]
            # The first unfinished entry is the likeliest culprit: run it alone.
            culprit = pending.pop(0)
            done.add(culprit.doc_id)
            bar.update(1)
            yield culprit, _isolated(culprit, settings)
        finally:  # also when the caller stops early (Ctrl-C): drop the work not started
            pool.shutdown(wait=True, cancel_futures=True)


def _isolated(entry: Entry, settings: RunSettings) -> DocResult:
    """Run one entry in its own process; if that process dies, return a failed row."""
    try:
        with ProcessPoolExecutor(max_workers=1) as pool:
            return pool.submit(process_entry, entry, settings).result()
    except BrokenProcessPool:
        doc = _failed(entry, "the reader crashed on this file (worker process died)")
        return DocResult(document_row(doc), [], [], [], "")


def _map_dask(entries: list[Entry], settings: RunSettings, bar) -> Mapped:
    from pipeline.distributed import map_on_dask

    return map_on_dask(entries, settings, bar)


def extract_corpus(
    raw_dir: str | os.PathLike, settings: RunSettings, cache_dir: Path | None = None
) -> ExtractResult:
    """Given the input folder, return the documents, sections, metrics and practices tables."""
    started = time.perf_counter()
    entries = discover(raw_dir)
    if not entries:
        raise InputError(
            f"no files found in {raw_dir}",
            hint="put the reports under it, e.g. raw/<county>/<year>/<township>.pdf",
        )
    cache = _Cache(
        cache_dir if settings.cache else None,
        _fingerprint(settings),
        settings.limits.max_file_bytes,
    )
    keys = {e.doc_id: cache.key(e) for e in entries}
    rows = _Rows()
    for e in entries:
        hit = cache.get(keys[e.doc_id])
        if hit is not None:
            rows.add(e.doc_id, hit)
    todo = [e for e in entries if e.doc_id not in rows.documents]
    with tqdm(
        total=len(todo),
        desc="reading reports",
        unit="doc",
        disable=not settings.progress or None,
        leave=False,
    ) as bar:
        mapper = _map_dask if settings.executor == "dask" else _map_local
        for e, r in mapper(todo, settings, bar):
            cache.put(keys[e.doc_id], r)
            rows.add(e.doc_id, r)
    cache.prune({k for k in keys.values() if k})
    return ExtractResult(
        documents=_documents_table([rows.documents[e.doc_id] for e in entries]),
        sections=rows.table("sections"),
        metrics=rows.table("metrics"),
        practices=rows.table("practices"),
        texts={e.doc_id: rows.texts[e.doc_id] for e in entries if e.doc_id in rows.texts},
        seconds=time.perf_counter() - started,
        cached=len(entries) - len(todo),
    )


FRAME_DOCUMENTS = 500  # documents whose rows become one typed frame
# The per-document tables and the columns they are sorted by.
TABLE_ORDER = {
    "sections": ["doc_id", "start", "level"],
    "metrics": ["doc_id", "metric"],
    "practices": ["doc_id", "practice"],
}


class _Rows:
    """The rows of a corpus's documents, gathered as results arrive in any order. The rows of
    every FRAME_DOCUMENTS documents become typed frames: a few KB a document instead of the
    60 KB their dicts take, so that 40,000 documents fit in memory. A document's rows stay
    together and in order, so the sorted tables are the same whatever the arrival order."""

    def __init__(self):
        self.documents: dict[str, dict] = {}
        self.texts: dict[str, str] = {}
        self._pending: dict[str, list[dict]] = {name: [] for name in TABLE_ORDER}
        self._frames: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLE_ORDER}
        self._waiting = 0

    def add(self, doc_id: str, result: DocResult) -> None:
        self.documents[doc_id] = result.document
        if result.text:
            self.texts[doc_id] = result.text
        for name in TABLE_ORDER:
            self._pending[name].extend(getattr(result, name))
        self._waiting += 1
        if self._waiting >= FRAME_DOCUMENTS:
            self._flush()

    def _flush(self) -> None:
        for name, pending in self._pending.items():
            if pending:
                self._frames[name].append(contracts.frame(pending, name))
            self._pending[name] = []
        self._waiting = 0

    def table(self, name: str) -> pd.DataFrame:
        """Given a table name, return the table, sorted (once: the rows are let go)."""
        self._flush()
        frames = self._frames.pop(name)  # let the parts go as soon as they are joined
        if not frames:
            return contracts.empty(name)
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        del frames
        # The parts are conformed already: sorting keeps their types.
        return df.sort_values(TABLE_ORDER[name], kind="stable", ignore_index=True)


def _documents_table(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=contracts.columns("documents"))
    df = mark_conflicts(mark_duplicates(df))
    return contracts.conform(df.sort_values("doc_id"), "documents")


def write_extract_outputs(result: ExtractResult, out: OutputSet) -> None:
    """Given extraction results, stage the four tables and the cleaned texts."""
    for name in ("documents", "sections", "metrics", "practices"):
        out.write_table(getattr(result, name), name)
    for doc_id, text in sorted(result.texts.items()):
        out.write_text(text_path(doc_id), text + "\n")


MAX_NAME_BYTES = 255  # longest file name most file systems take


def text_path(doc_id: str) -> str:
    """Given a doc_id, return where its cleaned text goes: ``text/<doc_id>.txt``; a name that
    would be too long is cut and given a hash of the doc_id, so that it stays unique."""
    folder, _, name = f"{TEXT_SUBDIR}/{doc_id}".rpartition("/")
    if len((name + ".txt").encode()) > MAX_NAME_BYTES:
        digest = hashlib.sha256(doc_id.encode()).hexdigest()[:12]
        keep = name.encode()[: MAX_NAME_BYTES - len(digest) - 6].decode("utf-8", "ignore")
        name = f"{keep}~{digest}"
    return f"{folder}/{name}.txt"


def run_extract(raw_dir, out_dir, settings: RunSettings) -> ExtractResult:
    """Given the input and output folders, extract and write the tables; return the results."""
    out_dir = Path(out_dir)
    _check_folders(raw_dir, out_dir)
    with OutputSet(out_dir) as out:
        result = extract_corpus(raw_dir, settings, out_dir / CACHE_SUBDIR)
        write_extract_outputs(result, out)
        out.commit(replace_dirs=(TEXT_SUBDIR,))
    return result


@dataclass
class AnalyzeSummary:
    documents: pd.DataFrame
    flags: pd.DataFrame
    report: Path
    text: str


def run_analyze(
    raw_dir, out_dir, settings: RunSettings, analysis_settings: str | None = None
) -> AnalyzeSummary:
    """Given the input and output folders, run extract, analysis and reports; return a summary."""
    from pipeline.analyze import analyze, load_settings
    from pipeline.report import write_reports

    out_dir = Path(out_dir)
    _check_folders(raw_dir, out_dir)
    options = load_settings(analysis_settings)
    townships = read_townships(raw_dir)
    with OutputSet(out_dir) as out:
        result = extract_corpus(raw_dir, settings, out_dir / CACHE_SUBDIR)
        write_extract_outputs(result, out)
        base = {
            name: getattr(result, name)
            for name in ("documents", "sections", "metrics", "practices")
        }
        _say(settings, f"analysing {len(result.documents)} reports …")
        jobs = settings.jobs or _default_jobs()
        tables = analyze(
            base, result.texts, options, townships, progress=settings.progress, jobs=jobs
        )
        tables = {name: out.write_table(df, name) for name, df in tables.items()}
        _say(settings, "writing the charts, report.xlsx and report.html …")
        write_reports({**base, **tables}, result.texts, options, out, jobs)
        out.write_text(MANIFEST_FILE, manifest_json(raw_dir, result))
        out.commit(replace_dirs=(TEXT_SUBDIR, FIGURES_SUBDIR))
    flags = tables.get("flags", pd.DataFrame(columns=["severity"]))
    return AnalyzeSummary(
        result.documents, flags, out_dir / "report.html", summary_text(result, flags, out_dir)
    )


def _say(settings: RunSettings, message: str) -> None:
    """Given the settings and a message, tell a user watching (not --quiet) what is going on."""
    if settings.progress:
        print(message, file=sys.stderr, flush=True)


MANIFEST_FILE = "manifest.json"


def manifest_json(raw_dir, result: ExtractResult) -> str:
    """Given the run, return what a later reader of OUT_DIR needs to know about its input."""
    counts = result.documents["status"].value_counts()
    manifest = {
        "raw_dir": str(Path(raw_dir).resolve()),
        "pipeline_version": __version__,
        "documents": len(result.documents),
        "status": {s: int(counts.get(s, 0)) for s in contracts.STATUSES},
    }
    return json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"


def summary_text(result: ExtractResult, flags: pd.DataFrame, out_dir: Path) -> str:
    """Given the results, return the short summary `make analyze` ends with."""
    docs = result.documents
    statuses = docs["status"].value_counts()
    severities = flags["severity"].value_counts() if len(flags) else {}
    lines = [
        f"documents: {len(docs)} ("
        + ", ".join(f"{s} {int(statuses.get(s, 0))}" for s in contracts.STATUSES)
        + ")",
        f"metric values: {len(result.metrics)}; practices found: "
        f"{int(result.practices['present'].fillna(False).sum()) if len(result.practices) else 0}",
        "flags: " + ", ".join(f"{s} {int(severities.get(s, 0))}" for s in contracts.SEVERITIES),
        f"report: {out_dir / 'report.html'}",
        f"workbook: {out_dir / 'report.xlsx'}",
        f"({result.seconds:.1f} s; {result.cached} documents from cache)",
    ]
    problems = docs[docs["status"].isin(["failed", "needs_ocr"])]
    for _, row in problems.iterrows():
        lines.append(f"  {row['status']}: {row['doc_id']}: {row['reason']}")
    return "\n".join(lines)


def _check_folders(raw_dir, out_dir: Path) -> None:
    raw = Path(raw_dir).resolve()
    out = out_dir.resolve()
    if out == raw or raw in out.parents:
        raise InputError(
            f"output folder {out_dir} is inside the input folder {raw_dir}",
            hint="raw/ is never written to; choose --out outside it, e.g. processed/",
        )


def failed_count(documents: pd.DataFrame) -> int:
    return int((documents["status"] == "failed").sum())


__all__ = [
    "AnalyzeSummary",
    "DocResult",
    "DocumentError",
    "ExtractResult",
    "RunSettings",
    "extract_corpus",
    "failed_count",
    "process_entry",
    "run_analyze",
    "run_extract",
    "write_extract_outputs",
]
