"""Word .docx reader: paragraphs and tables in body order, read safely from the zip.

The WordprocessingML is read directly with lxml (no python-docx object model): the main part is
streamed with ``iterparse`` and each top-level block is dropped once read, so memory stays at
one paragraph or table. Hostile archives are refused before anything is inflated:

- the sum of the uncompressed sizes in the zip directory over ``limits.max_docx_inflated_mb``
  (a zip bomb), and the bytes actually inflated are counted against the same budget;
- a DOCTYPE or ENTITY declaration in any XML part (entity expansion, "billion laughs");
  entities are never resolved and no DTD or network resource is loaded;
- a file that is not a zip, or a zip that is not a Word document, with what it looks like.

A table row becomes one line, its cells joined by a TAB. Automatic list numbering ("一、",
"（一）", "1.") is rendered into the text, as Word shows it.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from pipeline.config import MB, Limits
from pipeline.errors import DocumentError
from pipeline.ingest.docx_numbering import Numbering, local_name, read_numbering
from pipeline.ingest.model import RawText
from pipeline.ingest.text import decode_text

_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOCUMENT = "/officeDocument"  # relationship type suffix of the main part
MAX_ZIP_ENTRIES = 10_000
CHUNK = 64 * 1024
# Declarations that define entities: never accepted, in any encoding XML may use.
_DECLARATIONS = tuple(
    word.encode(enc)
    for word in ("<!DOCTYPE", "<!ENTITY")
    for enc in ("ascii", "utf-16-le", "utf-16-be")
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
# What a zip that is not a Word document is, by a part it holds.
_OTHER_ZIPS = (
    ("xl/workbook.xml", "an Excel workbook (.xlsx)"),
    ("ppt/presentation.xml", "a PowerPoint presentation (.pptx)"),
    ("content.xml", "an OpenDocument file (.odt): save it as .docx"),
)


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        dtd_validation=False,
    )


# --- the zip --------------------------------------------------------------------------------


def describe_non_zip(data: bytes) -> str:
    """Given bytes that are not a zip archive, return what they look like, for the reason."""
    head = data[:2048].lstrip()
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_PACKAGE in data[: 1 << 20]:
            return "Word document is encrypted with a password: ask for an unprotected copy"
        return "a legacy Word/WPS binary document (.doc) with a .docx name: convert it to .docx"
    if head.startswith(b"%PDF-"):
        return "a PDF file with a .docx name"
    if head.startswith(b"{\\rtf"):
        return "an RTF file with a .docx name: save it as .docx"
    if b"<?mso-application" in head and b"Word.Document" in head:
        return "a Word 2003 XML document with a .docx name: save it as .docx"
    if head[:200].lower().lstrip(b"\xef\xbb\xbf").startswith((b"<!doctype html", b"<html")):
        return "a web page (HTML) with a .docx name"
    try:
        decode_text(data[: 1 << 16])
    except DocumentError:
        return "not a Word document: the file is not a zip archive"
    return "a plain text file with a .docx name, not a Word document"


def open_zip(data: bytes) -> zipfile.ZipFile:
    """Given the bytes of a .docx, return the open zip, or raise DocumentError saying why not."""
    if not data.strip():
        raise DocumentError("empty file")
    if not data.startswith(b"PK"):
        raise DocumentError(describe_non_zip(data))
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as e:
        raise DocumentError(f"corrupt Word document: not a readable zip archive ({e})") from None


def check_archive(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Given an open zip, raise DocumentError for a bomb, too many entries or encryption.

    Uses the zip directory only: nothing is inflated.
    """
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise DocumentError(f"zip has {len(infos)} entries, more than a Word document holds")
    total = sum(info.file_size for info in infos)
    if total > limits.max_docx_inflated_bytes:
        raise DocumentError(
            f"Word document inflates to {total / MB:,.0f} MB, over the limit "
            f"max_docx_inflated_mb={limits.max_docx_inflated_mb:g} (possible zip bomb)"
        )
    if any(info.flag_bits & 0x1 for info in infos):
        raise DocumentError("zip entries are encrypted with a password")


class _Budget:
    """Bytes that may still be inflated from the archive."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.left = limits.max_docx_inflated_bytes

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise DocumentError(
                "Word document inflates beyond the limit "
                f"max_docx_inflated_mb={self.limits.max_docx_inflated_mb:g} (possible zip bomb)"
            )


class _CountingReader(io.RawIOBase):
    """A zip part as a stream whose inflated bytes are charged to a budget."""

    def __init__(self, stream, budget: _Budget):
        self.stream = stream
        self.budget = budget

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(CHUNK if n is None or n < 0 else min(n, CHUNK))
        self.budget.spend(len(data))
        return data


def read_part(archive: zipfile.ZipFile, name: str, budget: _Budget) -> bytes:
    """Given the zip and a part name, return the part's bytes, charged to the budget."""
    out = bytearray()
    with archive.open(name) as stream:
        reader = _CountingReader(stream, budget)
        while chunk := reader.read(CHUNK):
            out += chunk
    return bytes(out)


def check_no_declarations(archive: zipfile.ZipFile, budget: _Budget) -> None:
    """Given the zip, raise DocumentError when any XML part declares a DOCTYPE or entities."""
    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels")):
            continue
        tail = b""
        with archive.open(info) as stream:
            reader = _CountingReader(stream, budget)
            while chunk := reader.read(CHUNK):
                window = tail + chunk
                if any(d in window for d in _DECLARATIONS):
                    raise DocumentError(
                        f"Word document part {info.filename} declares a DOCTYPE or entities "
                        "(XML entity expansion attack); refused"
                    )
                tail = window[-32:]


def main_part_name(archive: zipfile.ZipFile, budget: _Budget) -> str:
    """Given the zip, return the name of the main document part, or raise DocumentError."""
    names = set(archive.namelist())
    if "_rels/.rels" in names:
        rels = etree.fromstring(read_part(archive, "_rels/.rels", budget), _safe_parser())
        for rel in rels.iter(f"{{{_REL_NS}}}Relationship"):
            if rel.get("Type", "").endswith(_OFFICE_DOCUMENT):
                target = rel.get("Target", "").lstrip("/")
                if target in names:
                    return target
    if "word/document.xml" in names:
        return "word/document.xml"
    for part, what in _OTHER_ZIPS:
        if part in names:
            raise DocumentError(f"{what}, not a Word document")
    raise DocumentError("zip archive is not a Word document (no word/document.xml)")


# --- the XML --------------------------------------------------------------------------------


@dataclass
class _Paragraph:
    """Text of one paragraph and the text boxes anchored in it (emitted after it)."""

    text: str
    boxes: list[str]


# Elements whose text is not part of the document as shown.
_SKIP = frozenset(
    {
        "del",
        "moveFrom",
        "delText",
        "instrText",
        "pPr",
        "rPr",
        "sectPr",
        "Fallback",
        "footnoteReference",
        "endnoteReference",
        "commentReference",
        "tblPr",
        "trPr",
        "tcPr",
    }
)


def paragraph_text(p, numbering: Numbering | None) -> _Paragraph:
    """Given a w:p element, return its text as shown, with list numbering and text boxes."""
    parts: list[str] = []
    boxes: list[str] = []
    marker = numbering.marker(p) if numbering is not None else ""
    if marker:
        parts.append(marker)

    def walk(el) -> None:
        for child in el:
            name = local_name(child.tag)
            if name in _SKIP or not name:
                continue
            if name == "t":
                parts.append(child.text or "")
            elif name in ("tab", "ptab"):
                parts.append(" ")  # tabs inside a paragraph align text; TAB is for cells
            elif name in ("br", "cr"):
                parts.append("\n")
            elif name == "noBreakHyphen":
                parts.append("-")
            elif name == "txbxContent":
                boxes.extend(block_lines(child, numbering))
            elif name == "AlternateContent":
                choices = [c for c in child if local_name(c.tag) == "Choice"]
                if choices:
                    walk(choices[0])
            else:
                walk(child)

    walk(p)
    return _Paragraph("".join(parts), boxes)


def table_lines(tbl, numbering: Numbering | None) -> list[str]:
    """Given a w:tbl element, return one line per row, cells joined by TAB."""
    lines = []
    for tr in (c for c in tbl if local_name(c.tag) == "tr"):
        cells = []
        for tc in _cells(tr):
            text = " ".join(s for s in block_lines(tc, numbering) if s.strip())
            cells.append(text.replace("\t", " ").replace("\n", " ").strip())
        if any(cells):
            lines.append("\t".join(cells))
    return lines


def _cells(tr) -> Iterator:
    """Given a w:tr, yield its w:tc cells (looking inside content controls)."""
    for child in tr:
        name = local_name(child.tag)
        if name == "tc":
            yield child
        elif name in ("sdt", "customXml"):
            inner = next((c for c in child if local_name(c.tag) == "sdtContent"), child)
            yield from _cells(inner)


def block_lines(el, numbering: Numbering | None) -> list[str]:
    """Given a container of blocks (body, cell, text box, content control), return its lines."""
    return blocks_to_lines(el, numbering)


def blocks_to_lines(blocks, numbering: Numbering | None) -> list[str]:
    """Given block elements (w:p, w:tbl, w:sdt...), return their lines in order."""
    lines: list[str] = []
    for child in blocks:
        name = local_name(child.tag)
        if name == "p":
            para = paragraph_text(child, numbering)
            lines.extend(para.text.split("\n"))
            lines.extend(para.boxes)
        elif name == "tbl":
            lines.extend(table_lines(child, numbering))
        elif name in ("sdt", "sdtContent", "customXml", "ins", "moveTo"):
            lines.extend(block_lines(child, numbering))
    return lines


def body_lines(stream, numbering: Numbering | None, max_chars: int | None = None) -> list[str]:
    """Given the main document part as a stream, return its lines, one top-level block at a time.

    Raises DocumentError as soon as the lines hold more than ``max_chars`` characters.
    """
    lines: list[str] = []
    chars = 0
    context = etree.iterparse(
        stream,
        events=("end",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    for _event, el in context:
        parent = el.getparent()
        if parent is None or local_name(parent.tag) != "body":
            continue
        block = blocks_to_lines([el], numbering)
        lines.extend(block)
        chars += sum(len(line) + 1 for line in block)
        if max_chars is not None and chars > max_chars:
            raise DocumentError(
                f"Word document text runs past the limit max_text_chars={max_chars} "
                "(a report holds under 100,000 characters)"
            )
        el.clear(keep_tail=True)  # done with: keep memory at one block
        while el.getprevious() is not None:
            del parent[0]
    return lines


def _part_rels(archive: zipfile.ZipFile, main: str, budget: _Budget) -> dict[str, str]:
    """Given the zip and the main part, return its relationship targets by type suffix."""
    folder, _, base = main.rpartition("/")
    rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
    if rels_name not in archive.namelist():
        return {}
    rels = etree.fromstring(read_part(archive, rels_name, budget), _safe_parser())
    targets = {}
    for rel in rels.iter(f"{{{_REL_NS}}}Relationship"):
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        target = rel.get("Target", "")
        targets[kind] = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
    return targets


def read_docx(data: bytes, limits: Limits) -> RawText:
    """Given the bytes of a .docx, return its text; raise DocumentError when it cannot be read."""
    archive = open_zip(data)
    try:
        with archive:
            check_archive(archive, limits)
            budget = _Budget(limits)
            main = main_part_name(archive, budget)
            check_no_declarations(archive, budget)
            rels = _part_rels(archive, main, budget)
            numbering = read_numbering(
                {
                    kind: read_part(archive, rels[kind], budget)
                    for kind in ("numbering", "styles")
                    if rels.get(kind) in archive.namelist()
                },
                _safe_parser(),
            )
            with archive.open(main) as stream:
                lines = body_lines(
                    _CountingReader(stream, budget), numbering, limits.max_text_chars
                )
    except DocumentError:
        raise
    except etree.XMLSyntaxError as e:
        raise DocumentError(f"corrupt Word document: XML is not well-formed ({e})") from None
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        KeyError,
        OSError,
        ValueError,
        RuntimeError,
        NotImplementedError,
    ) as e:
        raise DocumentError(f"corrupt Word document: {type(e).__name__}: {e}") from None
    text = "\n".join(line.rstrip() for line in lines)
    if not text.strip():
        raise DocumentError("Word document has no text")
    return RawText(text=text)
