"""Saved government web page reader: the report's main text without the site's chrome.

The page is decoded (BOM, then the declared charset, else ``decode_text``), parsed with the
stdlib ``html.parser`` into a small tree (never executing or keeping scripts), and the main
content is chosen: an element with a known content id/class (``MAIN_CONTENT_HINTS``, most
specific first) if it holds most of the page's Chinese text, else the element whose paragraphs
hold the most Chinese text. Inside it, navigation, share buttons, metadata tables and chrome
lines (上一篇, 打印本页, ICP备…) are dropped. Block elements and <br> end lines; a table row
becomes one line with TAB-separated cells.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from pipeline.errors import DocumentError
from pipeline.ingest.model import RawText
from pipeline.ingest.text import decode_text, looks_like_text

MAX_HTML_BYTES = 20 * 1024 * 1024  # a saved report page is far smaller
MAX_DEPTH = 400  # deeper nesting is flattened: no recursion blow-up on hostile pages
MIN_MAIN_HAN = 50  # Chinese characters a main-content candidate must hold
MIN_MAIN_SHARE = 0.5  # ... and this share of the best paragraph container's

# Elements whose id or class names the article body, most specific first. (attribute, value):
# for "class" the value is one of the element's classes; "tag" matches the element name.
MAIN_CONTENT_HINTS: tuple[tuple[str, str], ...] = (
    ("class", "TRS_Editor"),  # TRS WCM, the most common government CMS
    ("class", "TRS_UEDITOR"),
    ("id", "UCAP-CONTENT"),  # 开普云 / 国办 template
    ("id", "zoom"),  # the font-size switch target on many county sites
    ("class", "article-content"),
    ("class", "article_content"),
    ("class", "pages_content"),
    ("class", "view"),
    ("id", "Zoom"),
    ("id", "fontzoom"),
    ("class", "content-text"),
    ("tag", "article"),
    ("id", "content"),
    ("class", "content"),
    ("id", "main-content"),
    ("class", "main-content"),
)

# Never part of the text; scripts and styles are dropped with their content.
DROP_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "iframe",
        "object",
        "embed",
        "svg",
        "button",
        "select",
        "textarea",
        "input",
        "head",
        "title",
        "meta",
        "link",
        "map",
        "canvas",
        "video",
        "audio",
    }
)
# An id or class word (split at "-", "_", spaces) equal to one of these marks page chrome
# inside the content area; CHROME_PREFIXES also match as the start of a word ("bdsharebuttonbox").
CHROME_HINTS = frozenset(
    {
        "position",
        "location",
        "close",
        "prev",
        "next",
        "pagenav",
        "meta",
        "info",
        "tools",
        "toolbar",
        "wza",
        "jft",
        "footer",
        "copyright",
        "qrcode",
        "erweima",
        "fenxiang",
        "dayin",
    }
)
CHROME_PREFIXES = ("share", "bdshare", "breadcrumb", "crumb", "print", "xxgk", "fontsize")
# Labels of the 政务公开 metadata table: a table holding two of them is metadata, not report.
METADATA_LABELS = (
    "索引号",
    "发布机构",
    "成文日期",
    "发文日期",
    "发布日期",
    "主题分类",
    "文号",
    "有效性",
    "公开方式",
)
# A line of chrome text, matched at the line start (only short lines are dropped).
CHROME_LINE_RE = re.compile(
    r"""^\s*(?:
        上一篇|下一篇|上一条|下一条                      # article navigation
      | 打印本页|【?\s*打印|关闭窗口|【?\s*关闭           # page tools
      | 【?\s*字体[:：]|【?\s*字号[:：]                    # font size switch
      | 分享到|扫一扫|微信扫一扫                           # share buttons
      | 当前位置|您现在的位置|您的位置                     # breadcrumbs
      | 发布时间[:：]|浏览次数|访问量|来源[:：]            # article info bar
      | 主办单位|承办单位|版权所有|Copyright|网站标识码|网站识别码|.{0,20}ICP备|.{0,20}公网安备
      | 无障碍|繁体版|简体版|长者模式|关怀版|返回主网站|返回首页|English\b   # site bar
      | [\[【]?\s*(?:信息)?(?:索引号|发布机构|发文机关|成文日期|发布日期|生成日期|主题分类|体裁分类
          |信息分类|发文字号|文号|主题词|有效性)\s*[\]】]?\s*[:：]?       # 政务公开 metadata
    )""",
    re.X | re.I,
)
MAX_CHROME_LINE = 80

_VOID = frozenset(
    {
        "br",
        "img",
        "hr",
        "meta",
        "link",
        "input",
        "area",
        "base",
        "col",
        "embed",
        "param",
        "source",
        "track",
        "wbr",
    }
)
_BLOCK = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "table",
        "tr",
        "blockquote",
        "pre",
        "header",
        "footer",
        "nav",
        "aside",
        "form",
        "dl",
        "dt",
        "dd",
        "figure",
        "figcaption",
        "center",
        "address",
        "hr",
        "tbody",
        "thead",
        "tfoot",
        "caption",
        "body",
        "html",
    }
)
_HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_SPACE_RE = re.compile(r"[ \t\r\n\f]+")
_CHARSET_RE = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.I,
)
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
}


# --- decoding -------------------------------------------------------------------------------


def decode_html(data: bytes) -> str:
    """Given the bytes of a web page, return its text: BOM, declared charset, else detection."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                raise DocumentError(
                    f"web page starts with a {encoding} byte-order mark but is not {encoding}"
                ) from None
    m = _CHARSET_RE.search(data[:4096])
    if m:
        declared = (m.group(1) or m.group(2)).decode("ascii").lower()
        encoding = _CHARSET_ALIASES.get(declared, declared)
        try:
            text = data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            text = None
        if text is not None and looks_like_text(text):
            return text
    return decode_text(data)[0]


# --- the tree -------------------------------------------------------------------------------


@dataclass
class Node:
    """An element of the page: tag, attributes and children (Nodes and text strings)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list = field(default_factory=list)

    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()


class _TreeBuilder(HTMLParser):
    """Builds a Node tree, closing what HTML closes implicitly; nesting is capped."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        self._close_implied(tag)
        node = Node(tag, {k: (v or "") for k, v in attrs if k in ("id", "class", "style")})
        self.stack[-1].children.append(node)
        if tag not in _VOID and len(self.stack) < MAX_DEPTH:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack[-1].tag == tag and len(self.stack) > 1:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)

    def _close_implied(self, tag: str) -> None:
        if tag in _BLOCK and self.stack[-1].tag == "p":
            self.stack.pop()
        stops = {
            "li": ({"li"}, {"ul", "ol"}),
            "tr": ({"tr"}, {"table"}),
            "td": ({"td", "th"}, {"tr", "table"}),
            "th": ({"td", "th"}, {"tr", "table"}),
            "dt": ({"dt", "dd"}, {"dl"}),
            "dd": ({"dt", "dd"}, {"dl"}),
        }.get(tag)
        if stops is None:
            return
        closes, barriers = stops
        for i in range(len(self.stack) - 1, 0, -1):
            t = self.stack[i].tag
            if t in barriers:
                return
            if t in closes:
                del self.stack[i:]
                return


def parse_html(text: str) -> Node:
    """Given the text of a page, return its tree."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def _elements(node: Node):
    """Given a node, yield it and every element below it, in document order."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        todo.extend(reversed([c for c in n.children if isinstance(c, Node)]))


# --- main content -----------------------------------------------------------------------------


def _matches(node: Node, hint: tuple[str, str]) -> bool:
    kind, value = hint
    if kind == "tag":
        return node.tag == value
    if kind == "class":
        return value in node.classes()
    return node.attrs.get(kind) == value


def _is_dropped(node: Node) -> bool:
    if node.tag in DROP_TAGS:
        return True
    words = re.split(
        r"[\s_-]+", f"{node.attrs.get('id', '')} {node.attrs.get('class', '')}".lower()
    )
    if any(w in CHROME_HINTS or w.startswith(CHROME_PREFIXES) for w in words if w):
        return True
    if node.tag == "table":
        text = inline_text(node)
        return sum(label in text for label in METADATA_LABELS) >= 2
    return False


def inline_text(node: Node) -> str:
    """Given a node, return all its text (scripts excluded) with whitespace collapsed."""
    parts = []
    for n in _elements(node):
        if n.tag in ("script", "style", "template"):
            continue
        parts.extend(c for c in n.children if isinstance(c, str))
    return _SPACE_RE.sub(" ", "".join(parts))


def _han(text: str) -> int:
    return len(_HAN_RE.findall(text))


def paragraph_scores(root: Node) -> dict[int, tuple[Node, int]]:
    """Given the tree, return per element the Chinese characters of its own paragraphs."""
    scores: dict[int, tuple[Node, int]] = {}
    for n in _elements(root):
        if n.tag in DROP_TAGS:
            continue
        own = sum(_han(c) for c in n.children if isinstance(c, str))
        own += sum(
            _han(inline_text(c))
            for c in n.children
            if isinstance(c, Node) and c.tag in ("p", "span", "font", "strong", "b", "br")
        )
        if own:
            scores[id(n)] = (n, own)
    return scores


def main_content(root: Node) -> Node:
    """Given the tree, return the element holding the report text."""
    scores = paragraph_scores(root)
    best = max(scores.values(), key=lambda s: s[1], default=(root, 0))[0]
    floor = max(MIN_MAIN_HAN, MIN_MAIN_SHARE * _han(inline_text(best)))
    elements = [n for n in _elements(root) if n.tag not in DROP_TAGS]
    for hint in MAIN_CONTENT_HINTS:
        for n in elements:
            if _matches(n, hint) and _han(inline_text(n)) >= floor:
                return n
    return best


def page_title(root: Node) -> str:
    """Given the tree, return the text of the page's first <h1> (or '')."""
    for n in _elements(root):
        if n.tag == "h1" and not _is_dropped(n):
            return inline_text(n).strip()
    return ""


# --- text ---------------------------------------------------------------------------------------


def _render(node: Node, out: list[str]) -> None:
    """Given a node, append its text to ``out``: blocks and <br> end lines, rows use TAB."""
    for child in node.children:
        if isinstance(child, str):
            out.append(_SPACE_RE.sub(" ", child))
            continue
        if _is_dropped(child):
            continue
        if child.tag == "br":
            out.append("\n")
        elif child.tag == "table":
            out.append("\n")
            out.extend(line + "\n" for line in table_rows(child))
        elif child.tag in _BLOCK:
            out.append("\n")
            _render(child, out)
            out.append("\n")
        else:
            _render(child, out)


def table_rows(table: Node) -> list[str]:
    """Given a <table>, return one line per row, cells separated by TAB."""
    rows = []
    for n in _elements(table):
        if n.tag != "tr":
            continue
        cells = []
        for c in n.children:
            if isinstance(c, Node) and c.tag in ("td", "th"):
                parts: list[str] = []
                _render(c, parts)
                cells.append(_SPACE_RE.sub(" ", "".join(parts).replace("\t", " ")).strip())
        if any(cells):
            rows.append("\t".join(cells))
    return rows


def node_lines(node: Node) -> list[str]:
    """Given the main-content element, return its non-empty lines without chrome lines."""
    out: list[str] = []
    _render(node, out)
    lines = []
    for raw in "".join(out).split("\n"):
        line = raw.strip(" ")
        if not line.strip():
            continue
        if len(line) <= MAX_CHROME_LINE and CHROME_LINE_RE.match(line):
            continue
        lines.append(line)
    return lines


def read_html(data: bytes) -> RawText:
    """Given the bytes of a saved web page, return the report text; DocumentError if none."""
    if len(data) > MAX_HTML_BYTES:
        raise DocumentError(
            f"web page is {len(data) / 1024 / 1024:.0f} MB, over the {MAX_HTML_BYTES // 1024 // 1024} MB "
            "a saved report page can be"
        )
    text = decode_html(data)
    try:
        root = parse_html(text)
    except (AssertionError, ValueError) as e:  # html.parser on malformed declarations
        raise DocumentError(f"web page cannot be parsed: {e}") from None
    lines = node_lines(main_content(root))
    title = page_title(root)
    joined = "\n".join(lines)
    if title and _han(title) and re.sub(r"\s", "", title) not in re.sub(r"\s", "", joined):
        lines.insert(0, title)
    if not any(_han(line) for line in lines):
        raise DocumentError("web page has no report text (only navigation, scripts or images)")
    return RawText(text="\n".join(lines))
