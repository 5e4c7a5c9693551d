"""The .xlsx writer: openpyxl reads back every value with its type and dress, the same cells as
xlsxwriter (the library it replaced) writes them, and the same tables give the same bytes."""

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import load_workbook

from pipeline.report import xlsx
from pipeline.report.xlsx import Table, column_letter, xlsx_bytes

CREATED = dt.datetime(2000, 1, 1)
FILL = "F8CBAD"

VALUES = [
    None,
    True,
    False,
    0,
    -7,
    10**12,
    0.1,
    -2.5e-7,
    1e16,
    "plain",
    "  leading and trailing  ",
    'a & b < c > d "quoted"',
    "_x0041_ stays as typed",
    '=HYPERLINK("http://example.invalid","x")',
    "未报告",
    "未报告",
]


def _table(**changes) -> Table:
    n = len(VALUES)
    fields = dict(
        title="证据",
        header=["值", "说明", "序号"],
        columns=[VALUES, [f"第{i}行的说明" for i in range(n)], list(range(n))],
        widths=[12.0, 30.0, 6.0],
        wrap=[False, True, False],
        fills=[FILL if i == n - 1 else None for i in range(n)],
        muted="未报告",
        notes=["只列出前16行。"],
    )
    fields.update(changes)
    return Table(**fields)


@pytest.fixture(scope="module")
def sheet():
    return load_workbook(io.BytesIO(xlsx_bytes([_table()], CREATED)))["证据"]


def test_every_value_comes_back_with_its_type(sheet):
    cells = [sheet.cell(row=r, column=1) for r in range(2, 2 + len(VALUES))]
    assert [c.value for c in cells] == VALUES
    types = [c.data_type for c in cells]
    assert types == ["n", "b", "b", "n", "n", "n", "n", "n", "n", *["s"] * 7]
    assert sheet["C17"].value == 15 and sheet["C17"].data_type == "n"


def test_header_frozen_filtered_and_widths(sheet):
    assert [c.value for c in sheet[1]] == ["值", "说明", "序号"]
    assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb == "FFD9E1F2"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C17"
    # the width xlsxwriter stores for 12 characters: the text plus the cell padding
    assert sheet.column_dimensions["A"].width == pytest.approx(12.7109375)
    assert sheet["A18"].value == "只列出前16行。" and sheet.max_row == 18


def test_muted_text_is_grey_unless_its_row_is_filled_and_wrap_is_kept(sheet):
    muted, filled = sheet["A16"], sheet["A17"]
    assert muted.font.i and muted.font.color.rgb == "FF808080"
    assert not filled.font.i and filled.fill.fgColor.rgb == f"FF{FILL}"
    assert sheet["B17"].alignment.wrap_text and sheet["B17"].fill.fgColor.rgb == f"FF{FILL}"
    assert sheet["B2"].alignment.wrap_text and sheet["B2"].fill.fill_type is None
    # an empty cell of a filled row is still filled
    table = _table(fills=[FILL] * len(VALUES))
    book = load_workbook(io.BytesIO(xlsx_bytes([table], CREATED)))
    assert book["证据"]["A2"].value is None and book["证据"]["A2"].fill.fgColor.rgb == f"FF{FILL}"


def test_text_is_never_a_formula():
    data = xlsx_bytes([_table()], CREATED)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")


def test_the_same_cells_as_xlsxwriter_writes():
    xlsxwriter = pytest.importorskip("xlsxwriter")
    table = _table()
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False})
    header = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "pattern": 1})
    muted = wb.add_format({"font_color": "#808080", "italic": True})
    dressed = {
        (wrap, fill): wb.add_format(
            {
                **({"text_wrap": True, "valign": "top"} if wrap else {}),
                **({"bg_color": f"#{fill}", "pattern": 1} if fill else {}),
            }
        )
        for wrap in (False, True)
        for fill in (None, FILL)
    }
    ws = wb.add_worksheet(table.title)
    for j, (name, width) in enumerate(zip(table.header, table.widths, strict=True)):
        ws.set_column(j, j, width)
        ws.write_string(0, j, name, header)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, table.rows, len(table.header) - 1)
    for j, column in enumerate(table.columns):
        for i, value in enumerate(column):
            fmt = dressed[(table.wrap[j], table.fills[i])]
            if not table.wrap[j] and table.fills[i] is None and value == table.muted:
                fmt = muted
            if value is None:
                ws.write_blank(i + 1, j, None, fmt)
            elif isinstance(value, str):
                ws.write_string(i + 1, j, value, fmt)
            else:
                ws.write(i + 1, j, value, fmt)
    ws.write_string(table.rows + 1, 0, table.notes[0])
    wb.close()
    theirs = load_workbook(io.BytesIO(buf.getvalue()))[table.title]
    ours = load_workbook(io.BytesIO(xlsx_bytes([table], CREATED)))[table.title]

    def dress(cell):
        colour = cell.font.color.rgb if cell.font.color is not None else None
        return (
            cell.value,
            cell.data_type,
            cell.fill.fgColor.rgb if cell.fill.fill_type else None,
            bool(cell.font.b),
            bool(cell.font.i),
            colour if isinstance(colour, str) else None,  # a theme colour is the default
            bool(cell.alignment.wrap_text),
        )

    assert [[dress(c) for c in row] for row in ours.iter_rows()] == [
        [dress(c) for c in row] for row in theirs.iter_rows()
    ]
    assert ours.freeze_panes == theirs.freeze_panes
    assert ours.auto_filter.ref == theirs.auto_filter.ref
    for letter in "ABC":
        assert ours.column_dimensions[letter].width == theirs.column_dimensions[letter].width


def _cells(data: bytes) -> list:
    book = load_workbook(io.BytesIO(data))
    return [[[(c.value, c.style_id) for c in row] for row in ws.iter_rows()] for ws in book]


def test_same_bytes_every_time_and_the_same_cells_in_any_blocks(monkeypatch):
    tables = [_table(), _table(title="相似度", fills=None, notes=())]
    once = xlsx_bytes(tables, CREATED)
    assert xlsx_bytes(tables, CREATED) == once
    monkeypatch.setattr(xlsx, "ROWS_PER_BLOCK", 3)  # rows made 3 at a time, over block edges
    assert _cells(xlsx_bytes(tables, CREATED)) == _cells(once)


def test_an_empty_sheet_has_its_header_and_no_filter():
    empty = _table(title="空表", columns=[[], [], []], fills=[], notes=())
    data = xlsx_bytes([_table(), empty], CREATED)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["证据", "空表"]
    ws = book["空表"]
    assert [c.value for c in ws[1]] == ["值", "说明", "序号"] and ws.max_row == 1
    assert ws.auto_filter.ref is None
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.read("xl/workbook.xml").count(b"_xlnm._FilterDatabase") == 1


def test_a_value_that_is_not_plain_is_refused():
    with pytest.raises(TypeError, match="not a plain cell value"):
        xlsx_bytes([_table(columns=[[dt.date(2024, 1, 1)], ["x"], [1]], fills=None)], CREATED)


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letters(index, letters):
    assert column_letter(index) == letters
