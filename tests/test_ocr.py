"""OCR of scanned reports: a scanned sample page gives the metrics of its text-layer twin.

The scan is a page of a sample report drawn with Pillow in Noto Sans CJK SC and saved as an
image-only PDF (pipeline/samples/scan.py); its twin is the same text rendered with a text layer
by render_pdf. Both go through the PDF reader and extract_document. One page, about 2-4 s on an
idle machine (rapidocr, use_cls=False, 144 dpi).
"""

from __future__ import annotations

import difflib
import sys
import time

import pytest

from pipeline import run
from pipeline.config import Limits
from pipeline.extract import extract_document, load_catalog, make_tokenizer
from pipeline.ingest import Entry, ocr
from pipeline.ingest.model import Document
from pipeline.ingest.normalize import normalize_text
from pipeline.ingest.pdf import PdfLine, ocr_to_lines, read_pdf
from pipeline.run import RunSettings, process_entry
from pipeline.samples import broken
from pipeline.samples.hostile import meta, source_text
from pipeline.samples.render import render_pdf
from pipeline.samples.scan import scanned_page_pdf

needs_ocr_extra = pytest.mark.skipif(not ocr.available(), reason="the ocr extra is not installed")
TOWNSHIP, YEAR = "清河镇", 2023
# Page 2 of the report: the 学法, 政务公开 and 执法 paragraphs, dense with figures.
PAGE_START = "（二）"


@pytest.fixture(scope="module")
def scan_and_twin() -> tuple[bytes, bytes]:
    text = source_text(YEAR, TOWNSHIP)
    scan, drawn = scanned_page_pdf(
        text[text.index(PAGE_START) :], meta(YEAR, TOWNSHIP), page_number=2
    )
    return scan, render_pdf(drawn, meta(YEAR, TOWNSHIP))


def _metrics(text: str) -> list[tuple]:
    catalog, tokenizer = load_catalog(), make_tokenizer()
    doc = Document(f"青溪县/{YEAR}/{TOWNSHIP}.pdf", "pdf", "ok", text=text)
    rows, _practices = extract_document(doc, catalog, tokenizer)
    return sorted((r["metric"], r["value"], r["unit"], r["approx"]) for r in rows)


def test_the_scan_has_no_text_layer(scan_and_twin):
    scan, _twin = scan_and_twin
    raw = read_pdf(scan, Limits())
    assert raw.text == "" and raw.unusable_pages == (1,)


@needs_ocr_extra
def test_scanned_page_gives_the_metrics_of_its_text_layer_twin(scan_and_twin):
    scan, twin = scan_and_twin
    started = time.perf_counter()
    read = read_pdf(scan, Limits(), ocr=ocr.ocr_pdf_page)
    seconds = time.perf_counter() - started
    ocr_text, twin_text = normalize_text(read.text), normalize_text(read_pdf(twin, Limits()).text)
    similarity = difflib.SequenceMatcher(None, ocr_text, twin_text, autojunk=False).ratio()
    scanned, layered = _metrics(ocr_text), _metrics(twin_text)
    print(
        f"\nOCR: 1 page in {seconds:.1f} s, confidence {read.ocr_confidence:.3f}, "
        f"{similarity:.1%} of the twin's text, {len(scanned)} metrics (twin {len(layered)})"
    )
    assert read.ocr_pages == 1 and read.unusable_pages == ()
    assert read.ocr_confidence > 0.9
    assert similarity > 0.97
    assert len(layered) >= 8
    assert scanned == layered


@needs_ocr_extra
def test_documents_row_has_ocr_pages_confidence_and_a_per_page_note(tmp_path, scan_and_twin):
    path = tmp_path / "scan.pdf"
    path.write_bytes(scan_and_twin[0])
    row = process_entry(Entry(path, "scan.pdf"), RunSettings(jobs=1, cache=False)).document
    assert row["status"] == "warning"
    assert row["ocr_pages"] == 1 and row["ocr_confidence"] > 0.9
    assert (
        f"read by OCR, confidence per page: page 1 ({row['ocr_confidence']:.2f})" in row["reason"]
    )


def test_without_the_extra_the_row_says_needs_ocr_and_how_to_enable_it(
    tmp_path, monkeypatch, scan_and_twin, request
):
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # import fails: not installed
    # the run looks the engine up once a process: look again now, and again after this test
    run._ocr_installed.cache_clear()
    request.addfinalizer(run._ocr_installed.cache_clear)
    assert not ocr.available()
    path = tmp_path / "scan.pdf"
    path.write_bytes(scan_and_twin[0])
    row = process_entry(Entry(path, "scan.pdf"), RunSettings(jobs=1, cache=False)).document
    assert row["status"] == "needs_ocr"
    assert "page 1: no text layer (scanned image)" in row["reason"]
    assert ocr.ENABLE_HINT in row["reason"] and "pip install '.[ocr]'" in row["reason"]


def test_with_no_ocr_the_row_says_how_to_turn_it_on(tmp_path, scan_and_twin):
    path = tmp_path / "scan.pdf"
    path.write_bytes(scan_and_twin[0])
    row = process_entry(
        Entry(path, "scan.pdf"), RunSettings(jobs=1, cache=False, ocr=False)
    ).document
    assert row["status"] == "needs_ocr"
    expected = "run without --no-ocr" if ocr.available() else ocr.ENABLE_HINT
    assert expected in row["reason"]


# --- which pages are read, and how ------------------------------------------------------------


class _Page:
    def __init__(self, lines, boxes=(), confidence=0.95):
        self.lines, self.boxes, self.confidence = lines, boxes, confidence


def test_only_the_page_without_a_text_layer_is_given_to_ocr(scan_and_twin):
    import pypdfium2 as pdfium

    scan, twin = scan_and_twin
    mixed = pdfium.PdfDocument.new()
    mixed.import_pages(pdfium.PdfDocument(twin))
    mixed.import_pages(pdfium.PdfDocument(scan))
    import io

    out = io.BytesIO()
    mixed.save(out)
    seen = []

    def fake_ocr(page):
        seen.append(page.get_size())
        return _Page(("全年调解矛盾纠纷126件。",))

    raw = read_pdf(out.getvalue(), Limits(), ocr=fake_ocr)
    assert len(seen) == 1 and raw.pages == 2 and raw.ocr_pages == 1
    assert "全年调解矛盾纠纷126件。" in raw.text and "中心组学法8次" in raw.text


def test_a_page_where_ocr_finds_nothing_stays_unusable():
    raw = read_pdf(broken.bars_scan_pdf(), Limits(), ocr=lambda page: _Page(()))
    assert raw.unusable_pages == (1,)
    assert any("OCR found no text" in w for w in raw.warnings)


def test_boxes_give_the_lines_their_geometry_and_one_body_size():
    result = _Page(
        ("第一行", "第二行", "标题"),
        ((80, 100, 520, 115), (80, 129, 300, 143), (200, 160, 380, 180)),
    )
    lines = ocr_to_lines(result, page_height=842)
    assert lines[0] == PdfLine("第一行", 80, 520, 842 - 115, 15)  # the median height
    assert lines[1].em == 15  # 14 high, within 25 % of the median: the same body size
    assert lines[2].em == 20  # a title line keeps its own size
    assert ocr_to_lines(_Page(("a", "b"), ((0, 0, 1, 1),)), 842) == [PdfLine("a"), PdfLine("b")]


def test_a_huge_page_is_rendered_under_the_pixel_cap():
    scale = ocr.render_scale(14400, 14400)
    assert (14400 * scale) ** 2 <= ocr.MAX_RENDER_PIXELS * 1.001
    assert ocr.render_scale(595, 842) == ocr.RENDER_SCALE  # A4 stays at 144 dpi


@pytest.mark.parametrize(
    ("line", "expected"), [("一1一", "— 1 —"), ("-12-", "— 12 —"), ("一、总体情况", "一、总体情况")]
)
def test_page_numbers_read_by_ocr_get_their_dashes_back(line, expected):
    assert ocr._page_number(line) == expected
