"""Ingestion: the only code that opens raw files.

``discover(raw_dir)`` lists every entry of the input folder; ``ingest_entry(entry)`` turns one
into a Document: format sniffed from the bytes (the extension is only a hint), text read by the
format's reader, cleaned and normalized, metadata and heading tree found. A file that cannot be
read is a Document with status ``failed`` (or ``needs_ocr``) and a reason, never an exception.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import RESERVED_RAW_FILES, Limits
from pipeline.errors import DocumentError, InputError
from pipeline.ingest.metadata import extract_metadata
from pipeline.ingest.model import Document, Metadata, RawText
from pipeline.ingest.normalize import normalize_text
from pipeline.ingest.ocr import ENABLE_HINT
from pipeline.ingest.ocr import available as ocr_available
from pipeline.ingest.structure import parse_sections, required_items
from pipeline.ingest.text import read_text

__all__ = ["Document", "Entry", "discover", "ingest_entry", "ingest_path"]

SUPPORTED_SUFFIXES = {
    ".txt": "txt",
    ".text": "txt",
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".shtml": "html",
    ".doc": "doc",
    ".wps": "wps",
}


@dataclass(frozen=True)
class Entry:
    """One item found in the input folder."""

    path: Path  # absolute path
    doc_id: str  # relative to RAW_DIR, forward slashes
    is_symlink: bool = False


def discover(raw_dir: str | os.PathLike) -> list[Entry]:
    """Given the input folder, return every entry below it, sorted by doc_id.

    Symbolic links are listed (never followed); reserved files directly under RAW_DIR
    (townships.csv) are not reports and are left out.
    """
    root = Path(raw_dir)
    if not root.is_dir():
        raise InputError(
            f"input folder not found: {root}", hint="give the folder holding the reports"
        )
    root = root.resolve()
    entries = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        for name in list(dirnames):
            if (here / name).is_symlink():
                dirnames.remove(name)
                filenames.append(name)
        for name in filenames:
            path = here / name
            doc_id = path.relative_to(root).as_posix()
            if doc_id in RESERVED_RAW_FILES:
                continue
            entries.append(Entry(path, display_doc_id(doc_id), path.is_symlink()))
        dirnames.sort()
    return _unique(sorted(entries, key=lambda e: e.doc_id))


def display_doc_id(relative: str) -> str:
    """Given a relative path as the OS gave it, return it as printable UTF-8 text.

    A name whose bytes are not UTF-8 (a GBK name unpacked from a Windows zip) would make every
    UTF-8 output fail; its stray bytes are shown as \\xNN escapes instead.
    """
    return os.fsencode(relative).decode("utf-8", "backslashreplace")


def _unique(entries: list[Entry]) -> list[Entry]:
    """Given entries sorted by doc_id, return them with any repeated doc_id made unique."""
    seen: set[str] = set()
    out = []
    for e in entries:
        doc_id, n = e.doc_id, 1
        while doc_id in seen:  # only a name that already holds the escape of another's bytes
            n += 1
            doc_id = f"{e.doc_id}#{n}"
        seen.add(doc_id)
        out.append(Entry(e.path, doc_id, e.is_symlink) if doc_id != e.doc_id else e)
    return out


def ingest_path(
    path: str | os.PathLike, root: str | os.PathLike | None = None, limits: Limits | None = None
) -> Document:
    """Given a file (and the input folder it belongs to), return its Document."""
    path = Path(path)
    root = Path(root) if root is not None else path.parent
    doc_id = path.absolute().relative_to(root.absolute()).as_posix()
    return ingest_entry(Entry(path.absolute(), doc_id, path.is_symlink()), limits)


def ingest_entry(entry: Entry, limits: Limits | None = None, ocr=None) -> Document:
    """Given an entry, return its Document; problems become the status and reason.

    ``ocr``, when given, is a function (pdf bytes, 1-based page numbers) -> RawText for pages
    without a text layer; without it such documents are ``needs_ocr``.
    """
    limits = limits or Limits()
    fmt = SUPPORTED_SUFFIXES.get(entry.path.suffix.lower(), "unknown")
    try:
        data = _read_bytes(entry, limits)
    except DocumentError as e:
        return Document(doc_id=entry.doc_id, format=fmt, status=e.status, reason=e.reason)
    sha = hashlib.sha256(data).hexdigest()
    try:
        fmt, notes = sniff_format(data, entry.path.suffix.lower())
        notes += name_notes(entry.path)
        raw = _read_format(fmt, data, entry.path.suffix.lower(), limits, ocr)
        check_text_size(raw.text, limits)
        return _build_document(entry.doc_id, fmt, raw, sha, notes, ocr_used=ocr is not None)
    except DocumentError as e:
        return Document(
            doc_id=entry.doc_id, format=fmt, status=e.status, reason=e.reason, sha256=sha
        )


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def _read_bytes(entry: Entry, limits: Limits) -> bytes:
    """Given an entry, return its bytes, refusing links, non-files, empty and oversized files."""
    if entry.is_symlink:
        target = display_doc_id(os.readlink(entry.path))
        raise DocumentError(
            f"symbolic link to {target}: links are not followed; copy the file in instead"
        )
    try:
        # O_NOFOLLOW: a file swapped for a link since it was listed is not followed either;
        # O_NONBLOCK: opening a named pipe does not wait for a writer.
        fd = os.open(entry.path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise DocumentError("not a regular file (a folder, pipe, socket or device)")
            if info.st_size == 0:
                raise DocumentError("empty file (0 bytes)")
            if info.st_size > limits.max_file_bytes:
                raise DocumentError(
                    f"file is {info.st_size / 2**20:.1f} MB, over the limit "
                    f"max_file_mb={limits.max_file_mb:g}"
                )
            data = f.read(limits.max_file_bytes + 1)
    except OSError as e:  # removed since it was listed, no permission, a link, I/O error
        raise DocumentError(f"cannot read the file: {e.strerror or e}") from None
    if len(data) > limits.max_file_bytes:  # grew since stat
        raise DocumentError(f"file is over the limit max_file_mb={limits.max_file_mb:g}")
    return data


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff_format(data: bytes, suffix: str) -> tuple[str, list[str]]:
    """Given the bytes and the extension, return (format, notes) from the content itself.

    The extension decides only between formats the bytes cannot tell apart (.doc vs .wps);
    a mismatch is a note that makes the document a warning.
    """
    claimed = SUPPORTED_SUFFIXES.get(suffix)
    head = data[:1024]
    if head.lstrip()[:5] == b"%PDF-" or b"%PDF-" in head[:1024]:
        sniffed = "pdf"
    elif head.startswith(b"PK\x03\x04"):
        sniffed = "docx"
    elif head.startswith(_OLE_MAGIC):
        sniffed = claimed if claimed in ("doc", "wps") else "doc"
    elif _looks_like_html(head) or (claimed == "html" and _starts_with_tag(head)):
        sniffed = "html"
    elif claimed is None:
        raise DocumentError(
            f"unsupported file type {suffix or '(no extension)'}; "
            "supported: " + " ".join(sorted(SUPPORTED_SUFFIXES))
        )
    else:
        sniffed = "txt"
    if claimed is None:
        raise DocumentError(
            f"unsupported file type {suffix or '(no extension)'} (content looks like {sniffed}); "
            f"rename it to .{sniffed} if it is a report"
        )
    notes = []
    if sniffed != claimed and not (claimed == "txt" and sniffed == "html"):
        notes.append(f"named {suffix} but the content is {sniffed}; read as {sniffed}")
    if claimed == "txt" and sniffed == "html":
        sniffed = "html"
    return sniffed, notes


def name_notes(path: Path) -> list[str]:
    """Given a path, return a note when its name is not UTF-8 (the doc_id shows \\x escapes)."""
    raw = os.fsencode(path.name)
    try:
        raw.decode("utf-8")
        return []
    except UnicodeDecodeError:
        pass
    try:
        guess = f"; read as GBK it is {raw.decode('gb18030')}"
    except UnicodeDecodeError:
        guess = ""
    return [f"file name is not UTF-8 (shown with \\x escapes){guess}: rename the file"]


def _starts_with_tag(head: bytes) -> bool:
    """Given the first bytes, return whether they start with markup (a saved page fragment)."""
    return re.match(rb"(?:\xef\xbb\xbf)?\s*<[!a-zA-Z]", head) is not None


def _looks_like_html(head: bytes) -> bool:
    lowered = head.lower().lstrip(b"\xef\xbb\xbf \t\r\n")
    return (
        lowered.startswith((b"<!doctype html", b"<html", b"<?xml")) and b"<html" in head.lower()
    ) or lowered.startswith((b"<!doctype html", b"<html"))


def _read_format(fmt: str, data: bytes, suffix: str, limits: Limits, ocr) -> RawText:
    """Given the sniffed format and the bytes, return the reader's RawText."""
    if fmt == "txt":
        from pipeline.ingest.layout import repair_breaks

        raw = read_text(data)
        check_text_size(raw.text, limits)
        return RawText(text=repair_breaks(raw.text), warnings=raw.warnings)
    if fmt == "pdf":
        from pipeline.ingest.pdf import read_pdf

        return read_pdf(data, limits, ocr=ocr)
    if fmt == "docx":
        from pipeline.ingest.docx import read_docx

        return read_docx(data, limits)
    if fmt == "html":
        from pipeline.ingest.html import read_html

        return read_html(data)
    if fmt in ("doc", "wps"):
        from pipeline.ingest.legacy import read_legacy

        return read_legacy(data, suffix, limits)
    raise DocumentError(f"unsupported format {fmt}")


def check_text_size(text: str, limits: Limits) -> None:
    """Given a reader's text, raise DocumentError when it is over the limit max_text_chars."""
    if len(text) > limits.max_text_chars:
        raise DocumentError(
            f"the file holds {len(text):,} characters of text, over the limit "
            f"max_text_chars={limits.max_text_chars} (a report holds under 100,000)"
        )


def _ocr_hint(ocr_used: bool) -> str:
    if ocr_used:
        return "OCR could not read these pages"
    if not ocr_available():
        return ENABLE_HINT
    return "OCR is available: run without --no-ocr to read these pages"


def _build_document(
    doc_id: str, fmt: str, raw: RawText, sha: str, notes: list[str], ocr_used: bool = False
) -> Document:
    """Given a reader's RawText, return the normalized Document with metadata and sections."""
    text = normalize_text(raw.text)
    reasons = list(notes) + list(raw.warnings)
    if raw.unusable_pages:
        # The reader's warnings say which pages and why; add what to do about it.
        hint = _ocr_hint(ocr_used)
        reason = "; ".join([*reasons, hint])
        if not text:
            raise DocumentError(reason, status="needs_ocr")
        status = "needs_ocr"
    elif not text:
        raise DocumentError(
            "no text: the file contains only whitespace"
            if fmt == "txt"
            else f"no text found in the {fmt} file"
        )
    meta, disagreements = extract_metadata(text, doc_id)
    sections = parse_sections(text)
    reasons += disagreements
    if not raw.unusable_pages:
        status = "warning" if reasons else "ok"
    else:
        reasons.append(hint)
    return Document(
        doc_id=doc_id,
        format=fmt,
        status=status,
        reason="; ".join(reasons),
        text=text,
        meta=meta,
        sections=sections,
        items=required_items(text, sections),
        pages=raw.pages,
        sha256=sha,
        ocr_pages=raw.ocr_pages,
        ocr_confidence=raw.ocr_confidence,
    )


def failed_document(doc_id: str, reason: str, fmt: str = "unknown") -> Document:
    """Given a doc_id and a reason, return a failed Document (for errors outside the readers)."""
    return Document(doc_id=doc_id, format=fmt, status="failed", reason=reason, meta=Metadata())
