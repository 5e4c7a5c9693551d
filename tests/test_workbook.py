"""The workbook opens with openpyxl with its five sheets; text that looks like a formula stays text."""

import io

import pytest
from analysis_fixtures import sample_analysis
from openpyxl import load_workbook

from pipeline.analyze import load_settings
from pipeline.outputs import OutputSet
from pipeline.report import write_reports
from pipeline.report.labels import SEVERITY_COLOURS
from pipeline.report.workbook import NOT_REPORTED, SHEETS, workbook_bytes

SETTINGS = load_settings()


def _tables():
    tables, _texts, _towns, out = sample_analysis()
    return {**tables, **out}


@pytest.fixture(scope="module")
def book():
    return load_workbook(io.BytesIO(workbook_bytes(_tables(), SETTINGS)))


def test_five_sheets_with_chinese_headers_frozen(book):
    assert book.sheetnames == list(SHEETS) == ["总览", "指标", "预警", "证据", "相似度"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2"
        header = [c.value for c in ws[1]]
        assert header[:3] in (["县", "年度", "乡镇"], ["县", "比较类型", "乡镇A"])
        assert all(ws.column_dimensions[c.column_letter].width >= 6 for c in ws[1])


def test_rows_match_the_tables(book):
    tables = _tables()
    assert book["总览"].max_row == 1 + len(tables["documents"])
    assert book["预警"].max_row == 1 + len(tables["flags"])
    assert book["相似度"].max_row == 1 + len(tables["similarity"])
    assert book["证据"].max_row == 1 + int(tables["comparison"]["reported"].sum())


def test_not_reported_is_text_and_zero_is_a_number(book):
    ws = book["指标"]
    header = [c.value for c in ws[1]]
    rows = {(r[1].value, r[2].value): r for r in ws.iter_rows(min_row=2)}
    shimen = rows[(2023, "石门乡")]
    publicity = header.index("普法宣传活动（次）")
    assert shimen[publicity].value == NOT_REPORTED
    qinghe = rows[(2023, "清河镇")]
    incidents = header.index("群体性事件（件）")
    assert qinghe[incidents].value == 0 and qinghe[incidents].data_type == "n"


def test_flags_filled_by_severity(book):
    ws = book["预警"]
    header = [c.value for c in ws[1]]
    col = header.index("严重程度")
    labels = {"高": "high", "中": "medium", "低": "low"}
    for row in ws.iter_rows(min_row=2, max_row=40):
        colour = row[col].fill.fgColor.rgb
        assert colour.endswith(SEVERITY_COLOURS[labels[row[col].value]])


def test_formula_like_text_is_written_as_text():
    tables = _tables()
    flags = tables["flags"].copy()
    flags.loc[0, "evidence"] = '=HYPERLINK("http://example.invalid","点此")'
    flags.loc[1, "evidence"] = "+1+1"
    flags.loc[2, "evidence"] = "@SUM(A1:A2)"
    flags.loc[3, "evidence"] = "-2"
    book = load_workbook(io.BytesIO(workbook_bytes({**tables, "flags": flags}, SETTINGS)))
    ws = book["预警"]
    col = [c.value for c in ws[1]].index("证据原文")
    cells = [ws.cell(row=r, column=col + 1) for r in range(2, 6)]
    assert [c.value for c in cells] == list(flags["evidence"][:4])
    assert all(c.data_type == "s" for c in cells)


def test_write_reports_stages_the_workbook(tmp_path):
    tables, texts, _towns, out = sample_analysis()
    with OutputSet(tmp_path) as staged:
        paths = write_reports({**tables, **out}, texts, SETTINGS, staged)
    assert "report.xlsx" in paths and "report.html" in paths
    assert load_workbook(tmp_path / "report.xlsx").sheetnames == list(SHEETS)
    assert all((tmp_path / p).is_file() for p in paths)
