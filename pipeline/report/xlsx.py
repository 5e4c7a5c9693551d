"""A small .xlsx writer for plain tables, fast on a million cells.

    data = xlsx_bytes([Table("预警", header, columns, widths, wrap, fills)], created)

A table is written a column at a time: each cell's XML is made by one f-string from its plain
value (None, bool, int, float or str), where xlsxwriter went through about ten Python calls a
cell (the workbook of 2,000 reports, a million cells, took 12 s on its own). The parts are the
ones xlsxwriter writes (styles, shared strings, a frozen header, an auto-filter, column widths);
each sheet is streamed into the zip a block of rows at a time, so a large workbook never holds
its XML in memory. Text is always a shared string, never a formula. The same tables give the same
bytes: fixed zip dates, a fixed creation date, styles and strings numbered in writing order.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

__all__ = ["Table", "column_letter", "xlsx_bytes"]

ROWS_PER_BLOCK = 5000  # rows of sheet XML made and compressed at a time
COMPRESS_LEVEL = 6
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# Excel reads _xHHHH_ in text as an escaped character: a literal one is escaped itself.
_ESCAPED_CHAR_RE = re.compile(r"(_x[0-9A-Fa-f]{4}_)")

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass(frozen=True)
class Table:
    """One sheet: a header row, then one list of plain values per column, how wide each column
    is (in characters), which columns wrap, and how rows and cells are dressed."""

    title: str
    header: Sequence[str]
    columns: Sequence[Sequence]  # plain values: None (empty cell), bool, int, float or str
    widths: Sequence[float]
    wrap: Sequence[bool]
    fills: Sequence[str | None] | None = None  # per row: an RGB fill colour ("F8CBAD") or None
    muted: str | None = None  # this text is shown grey and italic where its row has no fill
    notes: Sequence[str] = field(default_factory=tuple)  # lines of text below the rows

    @property
    def rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0


def xlsx_bytes(tables: Sequence[Table], created: dt.datetime) -> bytes:
    """Given the sheets in order and a creation date, return the workbook's .xlsx bytes."""
    styles = _Styles(tables)
    strings = _SharedStrings()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as z:
        _put(z, "[Content_Types].xml", _content_types(len(tables)))
        _put(z, "_rels/.rels", _ROOT_RELS)
        _put(z, "docProps/app.xml", _app(tables))
        _put(z, "docProps/core.xml", _core(created))
        _put(z, "xl/workbook.xml", _workbook(tables))
        _put(z, "xl/_rels/workbook.xml.rels", _workbook_rels(len(tables)))
        _put(z, "xl/styles.xml", styles.xml())
        for number, table in enumerate(tables, start=1):
            info = _info(f"xl/worksheets/sheet{number}.xml")
            with z.open(info, "w") as part:
                for piece in _sheet_xml(table, number == 1, styles, strings):
                    part.write(piece.encode("utf-8"))
        _put(z, "xl/sharedStrings.xml", strings.xml())
    return buf.getvalue()


def column_letter(index: int) -> str:
    """Given a 0-based column index, return its letters: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# ---------------------------------------------------------------- a sheet


def _sheet_xml(table: Table, first: bool, styles: _Styles, strings: _SharedStrings):
    """Yield the sheet's XML in pieces: the head, blocks of rows, the tail."""
    n_cols = len(table.header)
    last_row = 1 + table.rows + len(table.notes)
    last = column_letter(n_cols - 1)
    selected = ' tabSelected="1"' if first else ""
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{_stored_width(w)}" customWidth="1"/>'
        for i, w in enumerate(table.widths, start=1)
    )
    yield (
        f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        f'<dimension ref="A1:{last}{last_row}"/>'
        f'<sheetViews><sheetView{selected} workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
    )
    letters = [column_letter(j) for j in range(n_cols)]
    header = "".join(
        f'<c r="{letter}1" s="{styles.header}" t="s"><v>{strings.index(name)}</v></c>'
        for letter, name in zip(letters, table.header, strict=True)
    )
    yield f'<row r="1">{header}</row>'
    for start in range(0, table.rows, ROWS_PER_BLOCK):
        stop = min(start + ROWS_PER_BLOCK, table.rows)
        yield _rows_xml(table, start, stop, letters, styles, strings)
    for k, note in enumerate(table.notes, start=table.rows + 2):
        yield f'<row r="{k}"><c r="A{k}" t="s"><v>{strings.index(note)}</v></c></row>'
    yield "</sheetData>"
    if table.rows:
        yield f'<autoFilter ref="A1:{last}{table.rows + 1}"/>'
    yield (
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        "</worksheet>"
    )


def _rows_xml(table, start, stop, letters, styles: _Styles, strings: _SharedStrings) -> str:
    """Return the XML of rows start..stop (0-based, the header not counted), made a column at a
    time and then joined row by row."""
    numbers = range(start + 2, stop + 2)
    fills = table.fills[start:stop] if table.fills is not None else [None] * (stop - start)
    by_wrap = {wrap: [styles.cell(wrap, fill) for fill in fills] for wrap in (False, True)}
    cells = [
        _column_xml(
            letter,
            table.columns[j][start:stop],
            numbers,
            by_wrap[bool(table.wrap[j])],
            table.muted,
            styles.muted,
            strings,
        )
        for j, letter in enumerate(letters)
    ]
    rows = zip(*cells, strict=True)
    return "".join(
        f'<row r="{r}">{"".join(row)}</row>' for r, row in zip(numbers, rows, strict=True)
    )


def _column_xml(letter, values, numbers, style_ids, muted_text, muted_id, strings) -> list[str]:
    """Return each cell's XML for one column: numbers as numbers, text as shared strings, None as
    nothing (or an empty styled cell, so that a row's fill has no hole)."""
    out = []
    index = strings.index
    for value, r, s in zip(values, numbers, style_ids, strict=True):
        kind = type(value)
        if kind is str and s == 0 and value == muted_text:
            s = muted_id
        style = f' s="{s}"' if s else ""
        if kind is str:
            out.append(f'<c r="{letter}{r}"{style} t="s"><v>{index(value)}</v></c>')
        elif value is None:
            out.append(f'<c r="{letter}{r}"{style}/>' if s else "")
        elif kind is int or kind is float:
            out.append(f'<c r="{letter}{r}"{style}><v>{value!r}</v></c>')
        elif kind is bool:
            out.append(f'<c r="{letter}{r}"{style} t="b"><v>{int(value)}</v></c>')
        else:
            raise TypeError(f"not a plain cell value: {value!r} ({kind.__name__})")
    return out


def _stored_width(width: float) -> float:
    """Given a width in characters, return the width Excel stores (the one xlsxwriter writes:
    the character width plus the cell padding, in 1/256ths)."""
    return int((width * 7 + 5) / 7 * 256) / 256


# ---------------------------------------------------------------- strings and styles


class _SharedStrings:
    """Every distinct text of the workbook, numbered in the order it is first written."""

    def __init__(self) -> None:
        self._index: dict[str, int] = {}
        self.count = 0

    def index(self, text: str) -> int:
        self.count += 1
        found = self._index.get(text)
        if found is None:
            found = self._index[text] = len(self._index)
        return found

    def xml(self) -> str:
        items = "".join(map(_si, self._index))
        return (
            f'{_XML_HEAD}<sst xmlns="{_MAIN_NS}" count="{self.count}" '
            f'uniqueCount="{len(self._index)}">{items}</sst>'
        )


def _si(text: str) -> str:
    text = _ESCAPED_CHAR_RE.sub(r"_x005F\1", text)
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f"<si><t{space}>{escape(text)}</t></si>"


_FONTS = (
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><i/><sz val="11"/><color rgb="FF808080"/><name val="Calibri"/><family val="2"/></font>'
)
_HEADER_FILL = "D9E1F2"
_WRAP = '<alignment vertical="top" wrapText="1"/>'


class _Styles:
    """The cell formats: 0 plain, 1 header (bold on blue), 2 muted (grey italic), 3 wrapped, then
    a plain and a wrapped one for each row fill colour the tables use, in sorted order."""

    header, muted, wrapped = 1, 2, 3

    def __init__(self, tables: Sequence[Table]) -> None:
        colours = sorted({c for t in tables if t.fills is not None for c in t.fills if c})
        self._colours = colours
        self._ids = {(False, None): 0, (True, None): self.wrapped}
        for k, colour in enumerate(colours):
            self._ids[(False, colour)] = 4 + 2 * k
            self._ids[(True, colour)] = 5 + 2 * k

    def cell(self, wrap: bool, fill: str | None) -> int:
        return self._ids[(bool(wrap), fill or None)]

    def xml(self) -> str:
        fills = [_HEADER_FILL, *self._colours]
        fill_xml = "".join(
            f'<fill><patternFill patternType="solid"><fgColor rgb="FF{c}"/>'
            '<bgColor indexed="64"/></patternFill></fill>'
            for c in fills
        )
        plain = 'numFmtId="0" borderId="0" xfId="0"'
        xfs = [
            f'<xf {plain} fontId="0" fillId="0"/>',
            f'<xf {plain} fontId="1" fillId="2" applyFont="1" applyFill="1"/>',
            f'<xf {plain} fontId="2" fillId="0" applyFont="1"/>',
            f'<xf {plain} fontId="0" fillId="0" applyAlignment="1">{_WRAP}</xf>',
        ]
        for k in range(len(self._colours)):
            fill = f'fontId="0" fillId="{3 + k}" applyFill="1"'
            xfs.append(f"<xf {plain} {fill}/>")
            xfs.append(f'<xf {plain} {fill} applyAlignment="1">{_WRAP}</xf>')
        return (
            f'{_XML_HEAD}<styleSheet xmlns="{_MAIN_NS}"><fonts count="3">{_FONTS}</fonts>'
            f'<fills count="{2 + len(fills)}"><fill><patternFill patternType="none"/></fill>'
            f'<fill><patternFill patternType="gray125"/></fill>{fill_xml}</fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            f'borderId="0"/></cellStyleXfs><cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" '
            'defaultPivotStyle="PivotStyleLight16"/></styleSheet>'
        )


# ---------------------------------------------------------------- the package parts


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


def _put(z: zipfile.ZipFile, name: str, xml: str) -> None:
    z.writestr(_info(name), xml.encode("utf-8"), compresslevel=COMPRESS_LEVEL)


_ROOT_RELS = (
    f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">'
    f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
    'metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL_NS}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)


def _content_types(sheets: int) -> str:
    office = "application/vnd.openxmlformats-officedocument"
    parts = [
        ("/docProps/app.xml", f"{office}.extended-properties+xml"),
        ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
        ("/xl/styles.xml", f"{office}.spreadsheetml.styles+xml"),
        ("/xl/workbook.xml", f"{office}.spreadsheetml.sheet.main+xml"),
        *(
            (f"/xl/worksheets/sheet{n}.xml", f"{office}.spreadsheetml.worksheet+xml")
            for n in range(1, sheets + 1)
        ),
        ("/xl/sharedStrings.xml", f"{office}.spreadsheetml.sharedStrings+xml"),
    ]
    overrides = "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in parts)
    return (
        f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>'
    )


def _app(tables: Sequence[Table]) -> str:
    titles = "".join(f"<vt:lpstr>{escape(t.title)}</vt:lpstr>" for t in tables)
    n = len(tables)
    return (
        f"{_XML_HEAD}<Properties "
        'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        "<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity>"
        '<ScaleCrop>false</ScaleCrop><HeadingPairs><vt:vector size="2" baseType="variant">'
        "<vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant>"
        f"<vt:variant><vt:i4>{n}</vt:i4></vt:variant></vt:vector></HeadingPairs>"
        f'<TitlesOfParts><vt:vector size="{n}" baseType="lpstr">{titles}</vt:vector>'
        "</TitlesOfParts><Company></Company><LinksUpToDate>false</LinksUpToDate>"
        "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
        "<AppVersion>12.0000</AppVersion></Properties>"
    )


def _core(created: dt.datetime) -> str:
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f"{_XML_HEAD}<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:creator></dc:creator><cp:lastModifiedBy></cp:lastModifiedBy>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def _workbook(tables: Sequence[Table]) -> str:
    sheets = "".join(
        f'<sheet name="{escape(t.title, {chr(34): "&quot;"})}" sheetId="{n}" r:id="rId{n}"/>'
        for n, t in enumerate(tables, start=1)
    )
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
        f"{escape(_sheet_ref(t.title))}!$A$1:${column_letter(len(t.header) - 1)}${t.rows + 1}"
        "</definedName>"
        for n, t in enumerate(tables)
        if t.rows
    )
    names = f"<definedNames>{filters}</definedNames>" if filters else ""
    return (
        f'{_XML_HEAD}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        '<fileVersion appName="xl" lastEdited="4" lowestEdited="4" rupBuild="4505"/>'
        '<workbookPr defaultThemeVersion="124226"/><bookViews><workbookView xWindow="240" '
        'yWindow="15" windowWidth="16095" windowHeight="9660"/></bookViews>'
        f'<sheets>{sheets}</sheets>{names}<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
    )


def _sheet_ref(title: str) -> str:
    """Given a sheet title, return it as a formula reference: quoted unless letters and digits."""
    if re.fullmatch(r"\w+", title):
        return title
    return "'" + title.replace("'", "''") + "'"


def _workbook_rels(sheets: int) -> str:
    rels = [(f"{_REL_NS}/worksheet", f"worksheets/sheet{n}.xml") for n in range(1, sheets + 1)]
    rels += [(f"{_REL_NS}/styles", "styles.xml"), (f"{_REL_NS}/sharedStrings", "sharedStrings.xml")]
    items = "".join(
        f'<Relationship Id="rId{k}" Type="{kind}" Target="{target}"/>'
        for k, (kind, target) in enumerate(rels, start=1)
    )
    return f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">{items}</Relationships>'
