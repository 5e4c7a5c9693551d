"""PDF reader: real text from rendered reports, and a clear DocumentError for broken files."""

from __future__ import annotations

import io
import itertools

import pypdfium2 as pdfium
import pytest
from test_sample_formats import REPORT, REPORT_META, canonical_lines

from pipeline.config import Limits
from pipeline.errors import DocumentError
from pipeline.ingest import pdf as pdf_reader
from pipeline.ingest.normalize import fold_whitespace, normalize_text
from pipeline.ingest.pdf import read_pdf
from pipeline.samples.broken import (
    bars_scan_pdf,
    draw_nothing,
    encrypted_pdf,
    mapped_text_pdf,
    random_pdf,
    reportlab_pdf,
)
from pipeline.samples.render import render_pdf

LIMITS = Limits()


@pytest.fixture(scope="module")
def report_pdf() -> bytes:
    return render_pdf(REPORT, REPORT_META)


HEADER = "青溪县清河镇法治政府建设情况报告"


def _raw_page_lines(data: bytes) -> list[list[str]]:
    """Given a PDF, return each page's lines as PDFium gives them (in content-stream order)."""
    doc = pdfium.PdfDocument(data)
    pages = [p.get_textpage().get_text_range().split("\r\n") for p in doc]
    doc.close()
    return pages


def _body(lines: list[str]) -> list[str]:
    return [s for s in lines if s != HEADER and not (s.startswith("— ") and s.endswith(" —"))]


# --- real text ------------------------------------------------------------------------------


def test_rendered_report_reads_back_line_for_line(report_pdf):
    raw = read_pdf(report_pdf, LIMITS)
    assert raw.pages >= 3 and raw.unusable_pages == ()
    assert normalize_text(raw.text).split("\n") == canonical_lines(REPORT)


def test_running_header_and_page_numbers_are_removed(report_pdf):
    pages = _raw_page_lines(report_pdf)
    assert all(HEADER in p for p in pages)
    assert all(f"— {i} —" in p for i, p in enumerate(pages, start=1))
    text = read_pdf(report_pdf, LIMITS).text
    assert HEADER not in text
    assert "— 1 —" not in text and "— 2 —" not in text


def test_paragraph_broken_across_a_page_end_is_rejoined(report_pdf):
    pages = [_body(p) for p in _raw_page_lines(report_pdf)]
    text = read_pdf(report_pdf, LIMITS).text
    broken = [
        (page[-1], following[0])
        for page, following in itertools.pairwise(pages)
        if not page[-1].endswith("。")
    ]
    assert broken, "the rendered report should break a paragraph at a page end"
    for last, first in broken:
        assert last + first in text


def test_wrapped_lines_are_joined_without_spaces(report_pdf):
    text = read_pdf(report_pdf, LIMITS).text
    assert "由镇党委书记任主任、镇长任副主任。" in text
    assert "关于清河镇2023年度法治政府建设情况的报告" in text.split("\n")


def test_table_rows_keep_cells_apart(report_pdf):
    lines = read_pdf(report_pdf, LIMITS).text.split("\n")
    assert "项目\t2022年\t2023年" in lines
    assert "行政处罚案件（件）\t40\t47" in lines


def test_pdfplumber_fallback_reads_the_same_text(report_pdf):
    pages = pdf_reader._pdfplumber_pages(report_pdf, None)
    text = pdf_reader.pages_to_text([pages[i] for i in sorted(pages)])
    assert fold_whitespace(normalize_text(text)) == fold_whitespace(
        "".join(canonical_lines(REPORT))
    )


def test_owner_password_only_is_read_normally():
    data = encrypted_pdf(user_password="", owner_password="owner")
    assert read_pdf(data, LIMITS).text == "Rule of law report 2023"


def _cid_font_pdf(lines: list[str]) -> bytes:
    """Given lines, return a one-page PDF drawing each as its own text object in ReportLab's
    non-embedded STSong-Light (UniGB-UCS2-H, as iText also writes Chinese)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for i, line in enumerate(lines):
        t = c.beginText(72, 760 - 30 * i)
        t.setFont("STSong-Light", 16)
        t.textOut(line)
        c.drawText(t)
    c.save()
    return buf.getvalue()


def test_a_character_alone_on_its_line_is_not_lost():
    # PDFium returns no text for a one-character text object in this font: the last character
    # of a title or paragraph wrapped onto its own line would vanish without the re-read
    data = _cid_font_pdf(["关于清河镇2023年度法治政府建设工作情况的报", "告", "县委、县政府："])
    assert (
        "".join(_raw_page_lines(data)[0])
        == "关于清河镇2023年度法治政府建设工作情况的报县委、县政府："
    )
    text = read_pdf(data, LIMITS).text
    assert fold_whitespace(text) == "关于清河镇2023年度法治政府建设工作情况的报告县委、县政府："


# --- pages without a usable text layer -----------------------------------------------------------


def test_handmade_pdf_with_a_proper_map_reads():
    shown = b"Report"
    raw = read_pdf(mapped_text_pdf({c: c for c in shown}, shown), LIMITS)
    assert raw.text == "Report" and raw.unusable_pages == ()


def test_scanned_page_is_unusable():
    raw = read_pdf(bars_scan_pdf(), LIMITS)
    assert raw.unusable_pages == (1,)
    assert raw.text == ""
    assert any("scanned" in w for w in raw.warnings)


def test_scan_with_only_a_page_number_as_text_is_unusable():
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    def draw(c):
        c.drawImage(ImageReader(Image.new("RGB", (300, 420), "white")), 0, 0, 595, 842)
        c.setFont("Helvetica", 12)
        c.drawCentredString(297, 40, "- 3 -")

    raw = read_pdf(reportlab_pdf(draw, pagesize=(595, 842)), LIMITS)
    assert raw.unusable_pages == (1,)
    assert any("scanned image" in w for w in raw.warnings)


def test_private_use_text_layer_is_unusable():
    shown = b"ABCDEFGHIJKLMNOP"
    raw = read_pdf(mapped_text_pdf({c: 0xE000 + c for c in shown}, shown), LIMITS)
    assert raw.unusable_pages == (1,)
    assert any("Unicode mapping" in w for w in raw.warnings)


def test_replacement_character_text_layer_is_unusable():
    shown = b"ABCDEFGHIJKLMNOP"
    raw = read_pdf(mapped_text_pdf(dict.fromkeys(shown, 0xFFFD), shown), LIMITS)
    assert raw.unusable_pages == (1,)


def test_a_few_unmapped_glyphs_are_dropped_with_a_warning():
    shown = b"Rule of law report for the year ABC"
    mapping = {c: c for c in shown}
    mapping[ord("C")] = 0xE001
    raw = read_pdf(mapped_text_pdf(mapping, shown), LIMITS)
    assert raw.unusable_pages == ()
    assert raw.text == "Rule of law report for the year AB"
    assert any("1 characters without a Unicode mapping" in w for w in raw.warnings)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("(cid:12)(cid:34)(cid:56)(cid:78)", "without Unicode mapping"),
        ("鐢熸垚鐨勬枃瀛楁槸涔辩爜", "garbled"),
    ],
)
def test_text_layer_check_names_the_problem(line, expected):
    _lines, problem, _dropped = pdf_reader.check_text_layer([pdf_reader.PdfLine(line)])
    assert expected in problem


class _FakeOcr:
    lines = ("青溪县清河镇法治政府建设情况报告", "全年办理行政处罚案件47件。", "— 1 —")
    confidence = 0.93


def test_ocr_hook_reads_only_unusable_pages():
    calls = []

    def ocr(page):
        calls.append(page)
        return _FakeOcr()

    raw = read_pdf(bars_scan_pdf(), LIMITS, ocr=ocr)
    assert len(calls) == 1
    assert raw.unusable_pages == ()
    assert raw.ocr_pages == 1 and raw.ocr_confidence == pytest.approx(0.93)
    assert "全年办理行政处罚案件47件。" in raw.text and "— 1 —" not in raw.text


def test_ocr_failure_leaves_the_page_unusable():
    def ocr(page):
        raise RuntimeError("model missing")

    raw = read_pdf(bars_scan_pdf(), LIMITS, ocr=ocr)
    assert raw.unusable_pages == (1,)
    assert any("OCR failed" in w for w in raw.warnings)


# --- broken files ---------------------------------------------------------------------------------


def _reason(data: bytes, limits: Limits = LIMITS) -> str:
    with pytest.raises(DocumentError) as e:
        read_pdf(data, limits)
    return e.value.reason


def test_truncated_pdf_fails(report_pdf):
    reason = _reason(report_pdf[: len(report_pdf) // 2])
    assert reason.startswith("truncated or corrupt PDF")


def test_random_bytes_with_a_pdf_header_fail():
    assert _reason(random_pdf()).startswith("truncated or corrupt PDF")
    assert _reason(random_pdf(eof=True)).startswith("truncated or corrupt PDF")


def test_not_a_pdf_fails():
    assert _reason(b"just some text") == "not a PDF: no %PDF- header at the start of the file"


def test_junk_before_the_header_is_accepted(report_pdf):
    raw = read_pdf(b"\r\n\x00junk" + report_pdf, LIMITS)
    assert normalize_text(raw.text).split("\n") == canonical_lines(REPORT)


def test_user_password_fails_as_encrypted():
    data = encrypted_pdf(user_password="secret", owner_password="owner")
    assert _reason(data).startswith("PDF is encrypted with a user password")


def test_too_many_pages_names_the_limit(report_pdf):
    pages = len(_raw_page_lines(report_pdf))
    reason = _reason(report_pdf, Limits(max_pdf_pages=2))
    assert reason == f"PDF has {pages} pages, over the limit max_pdf_pages=2"


def test_blank_pdf_fails():
    assert _reason(reportlab_pdf(draw_nothing)) == "PDF has no text: every page is blank"


def test_wide_gaps_make_cells_only_on_neighbouring_lines():
    def draw(c):
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        c.setFont("STSong-Light", 14)
        c.drawString(80, 760, "中共青溪县清河镇委员会")  # two issuers on one line: not a table
        c.drawString(330, 760, "青溪县清河镇人民政府")
        for y in (740, 720, 700):  # lines across the whole text column
            c.drawString(80, y, "全年办理行政处罚案件47件，行政复议案件1件，行政诉讼案件2件。")
        for y, cells in ((680, ("项目", "2023年")), (660, ("学法次数", "8"))):
            c.drawString(80, y, cells[0])
            c.drawString(300, y, cells[1])

    lines = read_pdf(reportlab_pdf(draw), LIMITS).text.split("\n")
    assert lines[0] == "中共青溪县清河镇委员会 青溪县清河镇人民政府"
    assert lines[-2:] == ["项目\t2023年", "学法次数\t8"]
