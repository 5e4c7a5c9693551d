"""Render a canonical report text into the bytes of each format a township may send.

The canonical text is UTF-8 plain text: paragraphs separated by blank lines, headings on lines
of their own, a table block is consecutive lines of TAB-separated cells (first row a header).
Every renderer is deterministic: the same text and meta give the same bytes.

- ``render_txt``: UTF-8 or GBK text;
- ``render_docx``: a Word document, headings as paragraphs, table blocks as real Word tables;
- ``render_pdf``: an A4 PDF as printed from Word (reportlab, built-in STSong-Light CID font):
  running header on every page, "— 3 —" page numbers, lines wrapped and justified at the page
  width, first-line indent of two characters, paragraphs flowing across page ends;
- ``render_html``: a saved government web page, the report inside ``div.article-content``
  among the site's navigation, metadata table, share buttons and footer.

reportlab and python-docx are imported lazily: rendering is a development task.
"""

from __future__ import annotations

import html
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.ingest.headings import match_marker


@dataclass(frozen=True)
class RenderMeta:
    """What a rendered document says about itself besides the report text."""

    county: str  # 青溪县
    township: str  # 清河镇
    year: int  # the year reported on
    city: str = ""  # 江州市
    date: str = ""  # signing date, ISO YYYY-MM-DD; read from the text when empty

    @property
    def header(self) -> str:
        """The running header of the PDF pages."""
        return f"{self.county}{self.township}法治政府建设情况报告"


@dataclass(frozen=True)
class Block:
    """One block of the canonical text, with the role that decides how it is laid out."""

    kind: str  # title | salutation | heading | paragraph | signoff | table
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


MAX_TITLE_LINES = 6
MAX_TITLE_WIDTH = 40  # characters; a title or sign-off line is short
_DATE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def _width(text: str) -> float:
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


def _is_heading(line: str) -> bool:
    normalized = unicodedata.normalize("NFKC", line)
    return match_marker(normalized) is not None and _width(line) <= MAX_TITLE_WIDTH + 10


def _is_short_unpunctuated(line: str) -> bool:
    return _width(line) <= MAX_TITLE_WIDTH and not re.search(r"[。，；：:]", line)


def text_to_blocks(text: str) -> list[Block]:
    """Given a canonical report text, return its blocks in order with their layout roles."""
    groups: list[list[str]] = [[]]
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip():
            groups[-1].append(line.rstrip())
        elif groups[-1]:
            groups.append([])
    blocks: list[Block] = []
    for group in groups:
        if group and all("\t" in line for line in group):
            blocks.append(Block("table", rows=tuple(tuple(line.split("\t")) for line in group)))
        else:
            blocks += [Block("paragraph", line.strip()) for line in group]
    return _assign_roles(blocks)


def _assign_roles(blocks: list[Block]) -> list[Block]:
    """Given paragraph and table blocks, return them with title, salutation, heading, sign-off."""
    result = list(blocks)
    for i, b in enumerate(result[:MAX_TITLE_LINES]):
        if b.kind != "paragraph" or not _is_short_unpunctuated(b.text) or _is_heading(b.text):
            if b.kind == "paragraph" and re.search(r"[：:]$", b.text) and _width(b.text) <= 30:
                result[i] = Block("salutation", b.text)
            break
        result[i] = Block("title", b.text)
    for i in range(len(result) - 1, -1, -1):
        b = result[i]
        if b.kind != "paragraph" or not _is_short_unpunctuated(b.text) or _is_heading(b.text):
            break
        result[i] = Block("signoff", b.text)
    return [
        Block("heading", b.text) if b.kind == "paragraph" and _is_heading(b.text) else b
        for b in result
    ]


def signing_date(text: str, meta: RenderMeta) -> str:
    """Given the report text and meta, return the signing date as YYYY-MM-DD (or "")."""
    if meta.date:
        return meta.date
    dates = _DATE_RE.findall(text[-300:])
    if not dates:
        return ""
    y, m, d = dates[-1]
    return f"{y}-{int(m):02d}-{int(d):02d}"


def report_title(blocks: list[Block]) -> str:
    """Given the blocks, return the report's title line (the title line naming a report)."""
    titles = [b.text for b in blocks if b.kind == "title"]
    for t in titles:
        if "报告" in t:
            return t
    return titles[-1] if titles else ""


# --- txt ------------------------------------------------------------------------------------


def render_txt(text: str, encoding: str = "utf-8", newline: str = "\n") -> bytes:
    """Given a canonical text, return it encoded (utf-8 or gbk) with the given line ends."""
    if encoding not in ("utf-8", "gbk"):
        raise ValueError(f"encoding must be 'utf-8' or 'gbk', got {encoding!r}")
    body = text.replace("\r\n", "\n").replace("\n", newline)
    try:
        return body.encode(encoding)
    except UnicodeEncodeError as e:
        raise ValueError(f"character {text[e.start]!r} cannot be written in {encoding}") from None


# --- zip determinism ------------------------------------------------------------------------

FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def fixed_zip(data: bytes) -> bytes:
    """Given a zip archive, return it rewritten with fixed entry dates (byte-identical runs)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


# --- docx -----------------------------------------------------------------------------------

DOCX_FONT = "仿宋_GB2312"
DOCX_TITLE_FONT = "方正小标宋简体"


def _set_font(run, name: str, size_pt: float) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run.font.size = Pt(size_pt)
    rpr = run._element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def render_docx(text: str, meta: RenderMeta) -> bytes:
    """Given a canonical text and meta, return a .docx: paragraphs, and Word tables."""
    import datetime

    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    blocks = text_to_blocks(text)
    document = docx.Document()
    for block in blocks:
        if block.kind == "table":
            _docx_table(document, block)
            continue
        p = document.add_paragraph()
        run = p.add_run(block.text)
        size = 16.0
        if block.kind == "title":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            size = 22.0 if "报告" in block.text else 16.0
        elif block.kind == "signoff":
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif block.kind in ("paragraph", "heading"):
            p.paragraph_format.first_line_indent = Pt(32)
            run.bold = block.kind == "heading"
        _set_font(run, DOCX_TITLE_FONT if size > 16 else DOCX_FONT, size)
    props = document.core_properties
    props.title = report_title(blocks)
    props.author = f"{meta.county}{meta.township}人民政府"
    props.last_modified_by = props.author
    date = signing_date(text, meta) or f"{meta.year + 1}-01-01"
    stamp = datetime.datetime.fromisoformat(date + "T09:00:00")
    props.created = props.modified = stamp
    props.revision = 1
    out = io.BytesIO()
    document.save(out)
    return fixed_zip(out.getvalue())


def _docx_table(document, block: Block) -> None:
    width = max(len(r) for r in block.rows)
    table = document.add_table(rows=len(block.rows), cols=width)
    table.style = "Table Grid"
    for r, row in enumerate(block.rows):
        for c in range(width):
            cell = table.cell(r, c)
            cell.text = ""
            run = cell.paragraphs[0].add_run(row[c] if c < len(row) else "")
            run.bold = r == 0
            _set_font(run, DOCX_FONT, 12)


# --- pdf ------------------------------------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = 595.2756, 841.8898  # A4 in points
FONT = "STSong-Light"
BODY_SIZE = 15.75  # 28 characters on a 441-point line, as in GB/T 9704 official documents
CHARS_PER_LINE = 28
LEFT = 79.4  # 28 mm
TEXT_WIDTH = BODY_SIZE * CHARS_PER_LINE
BODY_TOP = PAGE_HEIGHT - 104.9  # 37 mm
LINE_HEIGHT = 29.0  # 22 lines a page
BODY_BOTTOM = BODY_TOP - 22 * LINE_HEIGHT
HEADER_Y = PAGE_HEIGHT - 56.0
FOOTER_Y = 58.0
TITLE_SIZE = 20.0
TABLE_SIZE = 12.0
MIN_TABLE_SIZE = 7.0
CELL_PAD = 10.0  # each side: cells stand at least 1.5 em apart
MAX_CHAR_SPACE = 0.25  # of the font size: looser lines are left ragged, not justified
# A line may not start with closing punctuation nor end with opening punctuation.
_NO_LINE_START = set("，。、；：？！）》」』”’…%,.;:?!)]}·—")
_NO_LINE_END = set("（《「『“‘([{")
_TOKEN_RE = re.compile(r"[A-Za-z0-9.%+\-/]+|.", re.S)


def wrap_line(text: str, width: float, size: float, first_indent: float = 0.0) -> list[str]:
    """Given a paragraph, return its lines wrapped at ``width`` points (Chinese line rules)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    current, used, limit = "", 0.0, width - first_indent
    for token in _TOKEN_RE.findall(text):
        w = stringWidth(token, FONT, size)
        if used + w <= limit + 0.01 or not current:
            current, used = current + token, used + w
            continue
        if token[0] in _NO_LINE_START:  # hang it at the end of this line
            current, used = current + token, used + w
            continue
        carry = ""
        while current and current[-1] in _NO_LINE_END:
            carry, current = current[-1] + carry, current[:-1]
        lines.append(current)
        current = carry + token
        used = stringWidth(current, FONT, size)
        limit = width
    if current:
        lines.append(current)
    return lines


class _PdfWriter:
    """Lays out blocks on A4 pages: header, footer page number, flowing body lines."""

    def __init__(self, canvas, header: str):
        self.canvas = canvas
        self.header = header
        self.page = 0
        self.y = 0.0
        self._new_page()

    def _new_page(self) -> None:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        c = self.canvas
        if self.page:
            c.showPage()
        self.page += 1
        c.setFont(FONT, 10.5)
        c.drawCentredString(PAGE_WIDTH / 2, HEADER_Y, self.header)
        c.setLineWidth(0.6)
        c.line(LEFT, HEADER_Y - 6, LEFT + TEXT_WIDTH, HEADER_Y - 6)
        number = f"— {self.page} —"
        c.setFont(FONT, 14)
        c.drawString((PAGE_WIDTH - stringWidth(number, FONT, 14)) / 2, FOOTER_Y, number)
        self.y = BODY_TOP

    def _room(self, height: float) -> None:
        if self.y - height < BODY_BOTTOM:
            self._new_page()

    def text_line(self, text: str, x: float, size: float, justify_to: float | None = None):
        """Draw one line at the current height; stretch it to ``justify_to`` when given."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        self._room(LINE_HEIGHT)
        t = self.canvas.beginText(x, self.y - size)
        t.setFont(FONT, size)
        if justify_to is not None and len(text) > 1:
            space = (justify_to - x - stringWidth(text, FONT, size)) / (len(text) - 1)
            if abs(space) <= MAX_CHAR_SPACE * size:
                t.setCharSpace(space)
        t.textOut(text)
        self.canvas.drawText(t)
        self.y -= LINE_HEIGHT if size <= BODY_SIZE else size * 1.6

    def paragraph(self, text: str, indent_chars: int) -> None:
        indent = indent_chars * BODY_SIZE
        lines = wrap_line(text, TEXT_WIDTH, BODY_SIZE, indent)
        for i, line in enumerate(lines):
            x = LEFT + (indent if i == 0 else 0)
            last = i == len(lines) - 1
            self.text_line(line, x, BODY_SIZE, None if last else LEFT + TEXT_WIDTH)

    def aligned(self, text: str, size: float, align: str) -> None:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        for line in wrap_line(text, TEXT_WIDTH, size):
            w = stringWidth(line, FONT, size)
            if align == "center":
                x = LEFT + (TEXT_WIDTH - w) / 2
            else:  # right, two characters in from the margin
                x = LEFT + TEXT_WIDTH - 2 * size - w
            self.text_line(line, x, size)

    def table(self, rows: tuple[tuple[str, ...], ...]) -> None:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        ncols = max(len(r) for r in rows)
        cells = [list(r) + [""] * (ncols - len(r)) for r in rows]
        size = TABLE_SIZE
        while True:
            widths = [
                max(stringWidth(r[c], FONT, size) for r in cells) + 2 * CELL_PAD
                for c in range(ncols)
            ]
            if sum(widths) <= TEXT_WIDTH or size <= MIN_TABLE_SIZE:
                break
            size -= 0.5
        scale = TEXT_WIDTH / sum(widths)  # tables span the text width, like Word's
        widths = [w * scale for w in widths]
        height = size * 2.0
        c = self.canvas
        self.y -= LINE_HEIGHT * 0.3
        for row in cells:
            if self.y - height < BODY_BOTTOM:
                self._new_page()
            top, x = self.y, LEFT
            c.setLineWidth(0.5)
            c.rect(LEFT, top - height, TEXT_WIDTH, height)
            c.setFont(FONT, size)
            for text, w in zip(row, widths, strict=True):
                c.line(x, top, x, top - height)
                c.drawString(x + CELL_PAD, top - height / 2 - size * 0.35, text)
                x += w
            self.y -= height
        self.y -= LINE_HEIGHT * 0.5


def render_pdf(text: str, meta: RenderMeta) -> bytes:
    """Given a canonical text and meta, return an A4 PDF laid out like a printed Word report."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas as rl_canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    blocks = text_to_blocks(text)
    out = io.BytesIO()
    c = rl_canvas.Canvas(out, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1, pageCompression=1)
    c.setTitle(report_title(blocks))
    c.setAuthor(f"{meta.county}{meta.township}人民政府")
    c.setCreator("Microsoft Word")
    writer = _PdfWriter(c, meta.header)
    for block in blocks:
        if block.kind == "title":
            size = TITLE_SIZE if "报告" in block.text else BODY_SIZE
            writer.aligned(block.text, size, "center")
        elif block.kind == "signoff":
            writer.aligned(block.text, BODY_SIZE, "right")
        elif block.kind == "salutation":
            writer.paragraph(block.text, 0)
        elif block.kind == "table":
            writer.table(block.rows)
        else:
            writer.paragraph(block.text, 2)
    c.showPage()
    c.save()
    return out.getvalue()


# --- html -----------------------------------------------------------------------------------

_NAV = ("首页", "走进青溪", "政务公开", "政务服务", "互动交流", "专题专栏")


def _p(text: str, style: str = "") -> str:
    attr = f' style="{style}"' if style else ""
    return f"<p{attr}>{html.escape(text)}</p>"


def _html_blocks(blocks: list[Block]) -> Iterator[str]:
    """Given the blocks, return the HTML of the article body, as a CMS would save it."""
    titles = [b.text for b in blocks if b.kind == "title"]
    issuers = [t for t in titles if "报告" not in t and not re.search(r"〔\d{4}〕", t)]
    if len(issuers) > 1:  # issuing bodies share one centered paragraph, broken by <br>
        yield '<p style="text-align: center;">' + "<br>\n".join(map(html.escape, issuers)) + "</p>"
    for b in blocks:
        if b.kind == "title":
            if b.text in issuers and len(issuers) > 1:
                continue
            yield _p(b.text, "text-align: center;")
        elif b.kind == "signoff":
            yield _p(b.text, "text-align: right;")
        elif b.kind == "salutation":
            yield _p(b.text)
        elif b.kind == "table":
            yield '<table class="MsoTableGrid" border="1" cellspacing="0" cellpadding="4">'
            yield "<tbody>"
            for r, row in enumerate(b.rows):
                tag = "th" if r == 0 else "td"
                cells = "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in row)
                yield f"<tr>{cells}</tr>"
            yield "</tbody></table>"
        elif b.kind == "heading":
            yield f"<p>&emsp;&emsp;<strong>{html.escape(b.text)}</strong></p>"
        else:
            yield f"<p>&emsp;&emsp;{html.escape(b.text)}</p>"


def render_html(text: str, meta: RenderMeta) -> bytes:
    """Given a canonical text and meta, return a saved government web page holding it (UTF-8)."""
    blocks = text_to_blocks(text)
    title = report_title(blocks)
    date = signing_date(text, meta) or f"{meta.year + 1}-01-01"
    site = f"{meta.county}人民政府"
    publisher = f"{meta.county}{meta.township}人民政府"
    index_no = f"QX-{meta.year + 1}-{abs(hash_text(meta.township)) % 100000:05d}"
    e = html.escape
    nav = "".join(f'<li><a href="/{i}/">{e(n)}</a></li>' for i, n in enumerate(_NAV))
    body = "\n".join(_html_blocks(blocks))
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="SiteName" content="{e(site)}">
<meta name="ArticleTitle" content="{e(title)}">
<meta name="PubDate" content="{date} 09:30">
<meta name="ContentSource" content="{e(publisher)}">
<title>{e(title)}_{e(site)}</title>
<link rel="stylesheet" href="/css/common.css">
<style>.article-content p {{ line-height: 2; font-size: 16px; }}</style>
<script type="text/javascript">
  var _hmt = _hmt || [];
  function changeSize(size) {{ document.getElementById("zoom").style.fontSize = size + "px"; }}
  document.write("<div class='visit'>访问量统计</div>");
</script>
</head>
<body>
<div class="top-bar"><div class="w1200">
  <span class="welcome">欢迎访问{e(site)}门户网站</span>
  <a href="javascript:void(0)" id="wza">无障碍</a> | <a href="javascript:void(0)" id="jft">繁体版</a>
  | <a href="/">返回主网站</a>
</div></div>
<header class="header"><div class="logo"><a href="/"><img src="/images/logo.png" alt="{e(site)}"></a></div>
<form class="search" action="/search"><input type="text" name="q" placeholder="请输入关键词"><button>搜索</button></form>
</header>
<nav class="nav"><ul>{nav}</ul></nav>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/fzzf/">法治政府建设</a></div>
<div class="main w1200">
<table class="xxgk-meta" border="0">
<tr><td>信息索引号：</td><td>{index_no}</td><td>发布机构：</td><td>{e(publisher)}</td></tr>
<tr><td>成文日期：</td><td>{date}</td><td>发布日期：</td><td>{date}</td></tr>
<tr><td>主题分类：</td><td>政府工作</td><td>文号：</td><td></td></tr>
</table>
<div class="article">
<h1 class="article-title">{e(title)}</h1>
<div class="article-info">发布时间：{date} 来源：{e(publisher)} 浏览次数：<span id="count">128</span>
【字体：<a href="javascript:changeSize(20)">大</a> <a href="javascript:changeSize(16)">中</a> <a href="javascript:changeSize(14)">小</a>】</div>
<div class="article-content" id="zoom">
{body}
</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>
<div class="article-nav"><p>上一篇：<a href="/prev.html">关于开展安全生产大检查的通知</a></p><p>下一篇：<a href="/next.html">{e(meta.township)}召开专题会议</a></p></div>
<div class="tools"><a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a></div>
</div>
</div>
<footer class="footer"><div class="w1200">
<p>主办单位：{e(site)}办公室　承办单位：{e(meta.county)}政务服务数据管理局</p>
<p>版权所有：{e(site)}　<a href="https://beian.miit.gov.cn">江ICP备05012345号-1</a>　网站标识码：3611230001</p>
<p>联系电话：0791-8000000　建议使用1920×1080分辨率浏览</p>
</div></footer>
</body>
</html>
"""
    return page.encode("utf-8")


def hash_text(text: str) -> int:
    """Given text, return a small deterministic number derived from it (not Python's hash)."""
    return sum((i + 1) * ord(ch) for i, ch in enumerate(text))
