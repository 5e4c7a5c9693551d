"""What ingestion produces: a cleaned document with its metadata and heading tree."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    """One heading of the report and the span of text it governs, in the cleaned text.

    ``kind`` is the kind of the top-level part the heading belongs to.
    """

    level: int  # 1 = top-level part
    number: str  # the marker as written: "一、", "（二）", "3.", "一是"
    title: str  # the heading text without the marker
    kind: str  # achievements | problems | plans | other
    start: int  # offset of the heading in the cleaned text
    end: int  # offset where the part governed by the heading ends


@dataclass(frozen=True)
class Metadata:
    township: str | None = None
    county: str | None = None
    year: int | None = None  # the year reported on
    doc_number: str | None = None  # 漳官委〔2023〕18号
    date: str | None = None  # signing date, ISO YYYY-MM-DD
    issuers: tuple[str, ...] = ()  # 中共官田乡委员会, 官田乡人民政府
    title: str | None = None


@dataclass(frozen=True)
class Document:
    """One input entry after ingestion. A failed entry has status ``failed`` and empty text."""

    doc_id: str  # path relative to RAW_DIR, forward slashes
    format: str  # txt | pdf | docx | html | doc | wps | unknown
    status: str  # ok | warning | needs_ocr | failed
    reason: str = ""  # why the status is not ok; "; "-joined when several
    text: str = ""  # cleaned, normalized text: one paragraph per line
    meta: Metadata = field(default_factory=Metadata)
    sections: tuple[Section, ...] = ()
    items: dict[str, bool] = field(default_factory=dict)  # required report items present
    pages: int | None = None
    sha256: str | None = None
    ocr_pages: int | None = None
    ocr_confidence: float | None = None

    def kind_at(self, offset: int) -> str:
        """Given an offset in the text, return the kind of the top-level part holding it."""
        kind = "other"
        for s in self.sections:
            if s.level == 1 and s.start <= offset < s.end:
                kind = s.kind
        return kind

    def section_at(self, offset: int) -> Section | None:
        """Given an offset in the text, return the innermost heading whose part holds it."""
        best = None
        for s in self.sections:
            if s.start <= offset < s.end and (best is None or s.level >= best.level):
                best = s
        return best


@dataclass(frozen=True)
class RawText:
    """What a format reader returns: decoded text before normalization.

    Readers join pages themselves (a newline between pages) after removing page furniture
    (running headers, footers, page numbers) and re-joining lines broken by the layout.
    """

    text: str
    pages: int | None = None  # for paged formats
    unusable_pages: tuple[int, ...] = ()  # 1-based pages without a usable text layer
    warnings: tuple[str, ...] = ()  # things a person should know; make the status `warning`
    ocr_pages: int | None = None
    ocr_confidence: float | None = None
