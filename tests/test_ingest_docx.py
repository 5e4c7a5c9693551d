"""Word .docx reader: body order with tables, list numbering, and hostile archives refused."""

from __future__ import annotations

import io
import zipfile

import pytest
from test_sample_formats import REPORT, REPORT_META, canonical_lines

from pipeline.config import Limits
from pipeline.errors import DocumentError
from pipeline.ingest import docx as docx_reader
from pipeline.ingest.docx import read_docx
from pipeline.ingest.docx_numbering import chinese_count, format_number
from pipeline.ingest.normalize import normalize_text
from pipeline.samples.broken import (
    BILLION_LAUGHS,
    DOCUMENT_RELS,
    W,
    billion_laughs_docx,
    docx_paragraph,
    legacy_doc,
    make_docx,
    xlsx_bytes,
    zip_bomb_docx,
)
from pipeline.samples.render import render_docx

LIMITS = Limits()
p = docx_paragraph


def _reason(data: bytes, limits: Limits = LIMITS) -> str:
    with pytest.raises(DocumentError) as e:
        read_docx(data, limits)
    return e.value.reason


# --- real text ------------------------------------------------------------------------------


def test_rendered_report_reads_back_line_for_line():
    raw = read_docx(render_docx(REPORT, REPORT_META), LIMITS)
    assert normalize_text(raw.text).split("\n") == canonical_lines(REPORT)


def test_table_rows_are_tab_separated_in_body_order():
    lines = read_docx(render_docx(REPORT, REPORT_META), LIMITS).text.split("\n")
    start = lines.index("项目\t2022年\t2023年")
    assert lines[start - 1].startswith("（二）坚持学法用法")
    assert lines[start + 1 : start + 4] == [
        "中心组学法（次）\t6\t8",
        "行政处罚案件（件）\t40\t47",
        "法律明白人（名）\t80\t96",
    ]
    assert lines[start + 4].startswith("（三）严格规范执法")


def test_tracked_changes_text_boxes_and_alternate_content():
    body = (
        '<w:p><w:r><w:t xml:space="preserve">全年办理案件</w:t></w:r>'
        "<w:del><w:r><w:delText>40</w:delText></w:r></w:del>"
        "<w:ins><w:r><w:t>47</w:t></w:r></w:ins><w:r><w:t>件。</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>甲</w:t><w:tab/><w:t>乙</w:t><w:br/><w:t>丙</w:t></w:r></w:p>"
        "<w:p><w:r><mc:AlternateContent><mc:Choice><w:drawing><w:txbxContent>"
        + p("文本框中的文字")
        + "</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>"
        + p("文本框中的文字")
        + "</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
        "<w:sdt><w:sdtContent>" + p("内容控件里的段落") + "</w:sdtContent></w:sdt>"
    )
    assert read_docx(make_docx(body), LIMITS).text.split("\n") == [
        "全年办理案件47件。",
        "甲 乙",
        "丙",
        "",
        "文本框中的文字",
        "内容控件里的段落",
    ]


NUMBERING = f"""<?xml version="1.0" encoding="UTF-8"?>
<w:numbering xmlns:w="{W}">
  <w:abstractNum w:abstractNumId="0">
    <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
      <w:suff w:val="nothing"/><w:lvlText w:val="%1、"/></w:lvl>
    <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
      <w:suff w:val="nothing"/><w:lvlText w:val="（%2）"/></w:lvl>
    <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
  </w:abstractNum>
  <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
</w:numbering>"""


def numbered(text: str, level: int) -> str:
    return p(
        text, f'<w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="1"/></w:numPr></w:pPr>'
    )


def test_automatic_list_numbering_is_rendered():
    body = (
        numbered("主要举措和成效", 0)
        + numbered("健全领导体制", 1)
        + numbered("强化学法", 1)
        + numbered("每月一次", 2)
        + numbered("存在的不足", 0)
        + numbered("队伍建设", 1)
        + p("正文。")
    )
    data = make_docx(
        body, {"word/_rels/document.xml.rels": DOCUMENT_RELS, "word/numbering.xml": NUMBERING}
    )
    assert read_docx(data, LIMITS).text.split("\n") == [
        "一、主要举措和成效",
        "（一）健全领导体制",
        "（二）强化学法",
        "1. 每月一次",
        "二、存在的不足",
        "（一）队伍建设",
        "正文。",
    ]


@pytest.mark.parametrize(
    ("n", "fmt", "expected"),
    [
        (1, "chineseCounting", "一"),
        (10, "chineseCounting", "十"),
        (11, "chineseCounting", "十一"),
        (20, "chineseCounting", "二十"),
        (105, "chineseCounting", "一百零五"),
        (3, "decimal", "3"),
        (3, "upperRoman", "III"),
        (2, "lowerLetter", "b"),
        (2, "ideographTraditional", "乙"),
        (3, "decimalEnclosedCircle", "③"),
        (5, "bullet", ""),
    ],
)
def test_number_formats(n, fmt, expected):
    assert format_number(n, fmt) == expected


def test_chinese_count_with_inner_zero():
    assert chinese_count(1010) == "一千零一十"


# --- hostile and broken files -------------------------------------------------------------------


def test_zip_bomb_is_refused_from_the_directory_before_inflating(monkeypatch):
    bomb = zip_bomb_docx(inflated_mb=3)

    def no_inflating(*args, **kwargs):
        raise AssertionError("a part was opened before the size check")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_inflating)
    reason = _reason(bomb, Limits(max_docx_inflated_mb=1))
    assert reason.startswith(
        "Word document inflates to 3 MB, over the limit max_docx_inflated_mb=1"
    )


def test_inflated_bytes_are_charged_to_the_budget():
    big = ("<w:p><w:r><w:t>" + "法" * 1000 + "</w:t></w:r></w:p>") * 500
    document = f'<w:document xmlns:w="{W}"><w:body>{big}</w:body></w:document>'.encode()
    budget = docx_reader._Budget(Limits(max_docx_inflated_mb=0.5))
    with pytest.raises(DocumentError, match=r"max_docx_inflated_mb=0\.5"):
        docx_reader.body_lines(docx_reader._CountingReader(io.BytesIO(document), budget), None)


def test_billion_laughs_in_the_document_is_refused():
    data = billion_laughs_docx()
    assert "declares a DOCTYPE or entities" in _reason(data)


def test_entity_declaration_in_any_part_is_refused():
    styles = f'<?xml version="1.0"?>{BILLION_LAUGHS}<w:styles xmlns:w="{W}">&lol3;</w:styles>'
    data = make_docx(p("正文。"), {"word/styles.xml": styles})
    assert _reason(data).startswith("Word document part word/styles.xml declares a DOCTYPE")


def test_utf16_doctype_is_refused():
    document = f'<?xml version="1.0" encoding="UTF-16"?>{BILLION_LAUGHS}<w:document xmlns:w="{W}"/>'
    data = make_docx(p("x"), {"word/settings.xml": document.encode("utf-16-le")})
    assert "declares a DOCTYPE" in _reason(data)


def test_text_renamed_docx_is_explained():
    data = "关于2023年度法治政府建设情况的报告\n全年办理案件47件。".encode()
    assert _reason(data) == "a plain text file with a .docx name, not a Word document"


def test_random_bytes_are_not_a_zip():
    assert _reason(bytes(range(256)) * 8) == "not a Word document: the file is not a zip archive"


def test_legacy_doc_renamed_docx_is_explained():
    assert _reason(legacy_doc()).startswith(
        "a legacy Word/WPS binary document (.doc) with a .docx name"
    )


def test_excel_workbook_is_not_a_word_document():
    assert _reason(xlsx_bytes()) == "an Excel workbook (.xlsx), not a Word document"


def test_other_zip_is_not_a_word_document():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "hello")
    assert _reason(out.getvalue()) == "zip archive is not a Word document (no word/document.xml)"


def test_truncated_docx_is_corrupt():
    data = render_docx(REPORT, REPORT_META)
    assert _reason(data[: len(data) // 2]).startswith("corrupt Word document")


def test_malformed_xml_is_corrupt():
    data = make_docx("<w:p><w:r><w:t>unclosed</w:r></w:p>")
    assert _reason(data).startswith("corrupt Word document: XML is not well-formed")


def test_empty_document_has_no_text():
    assert _reason(make_docx("")) == "Word document has no text"


# --- legacy .doc / .wps through LibreOffice ------------------------------------------------------


def test_doc_without_libreoffice_fails_saying_so(monkeypatch):
    from pipeline.ingest.legacy import read_legacy

    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(DocumentError) as e:
        read_legacy(legacy_doc(512), ".doc", LIMITS)
    assert e.value.reason == (
        ".doc needs LibreOffice (soffice), which is not installed: "
        "save the file as .docx or install libreoffice"
    )


def _fake_soffice(tmp_path, script_body: str) -> str:
    """Write a stand-in for soffice: a Python script honouring --outdir."""
    import sys

    path = tmp_path / "soffice"
    path.write_text(
        f"#!{sys.executable}\n"
        "import pathlib, shutil, sys, time\n"
        "args = sys.argv[1:]\n"
        "out = pathlib.Path(args[args.index('--outdir') + 1])\n"
        "source = pathlib.Path(args[-1])\n" + script_body,
        encoding="utf-8",
    )
    path.chmod(0o755)
    return str(path)


def test_doc_with_libreoffice_is_converted_and_read(monkeypatch, tmp_path):
    from pipeline.ingest.legacy import read_legacy

    converted = tmp_path / "converted.docx"
    converted.write_bytes(render_docx(REPORT, REPORT_META))
    soffice = _fake_soffice(
        tmp_path,
        f"out.mkdir(parents=True, exist_ok=True)\n"
        f"shutil.copy({str(converted)!r}, out / (source.stem + '.docx'))\n",
    )
    monkeypatch.setattr("shutil.which", lambda name: soffice if name == "soffice" else None)
    raw = read_legacy(b"\xd0\xcf\x11\xe0 legacy bytes", ".doc", LIMITS)
    assert normalize_text(raw.text).split("\n") == canonical_lines(REPORT)
    assert raw.warnings == ("converted from .doc by LibreOffice",)


def test_libreoffice_failure_and_timeout_are_reasons(monkeypatch, tmp_path):
    from pipeline.ingest.legacy import read_legacy

    failing = _fake_soffice(
        tmp_path, "print('Error: source file could not be loaded', file=sys.stderr)\n"
    )
    monkeypatch.setattr("shutil.which", lambda name: failing)
    with pytest.raises(
        DocumentError, match=r"LibreOffice could not convert the \.wps file: Error: source"
    ):
        read_legacy(b"junk", ".wps", LIMITS)

    (tmp_path / "slow").mkdir()
    slow = _fake_soffice(tmp_path / "slow", "time.sleep(30)\n")
    monkeypatch.setattr("shutil.which", lambda name: slow)
    with pytest.raises(DocumentError, match=r"did not convert the \.doc file within max_seconds=1"):
        read_legacy(b"junk", ".doc", Limits(max_seconds=1))
