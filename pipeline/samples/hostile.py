"""The hostile folder: every broken or malicious input issue #6 names, beside three good reports.

    python -m pipeline.samples.hostile OUT_DIR      # write the folder and list what it holds
    write_hostile_folder(folder) -> list[Spec]      # the same, from a test

Each entry is a ``Spec``: where it goes, what it is, and the status (and a phrase of the
reason) its documents row must get. Reports are the sample county's canonical texts
(samples/source) rendered by ``render``; broken files come from ``broken``. The folder also
holds a townships.csv with a township name that is an HTML tag.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import PROJECT_DIR, TOWNSHIPS_FILE
from pipeline.samples import broken
from pipeline.samples.render import RenderMeta, render_docx, render_html, render_pdf, render_txt

SOURCES = PROJECT_DIR / "samples" / "source"
COUNTY = "青溪县"
CITY = "江州市"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://example.invalid","详情")'
READABLE = ("ok", "warning")


@dataclass(frozen=True)
class Spec:
    """One entry of the hostile folder and the documents row it must get."""

    path: str  # relative to the folder, forward slashes
    what: str  # the input kind, in the words
    status: tuple[str, ...]  # statuses the row may have
    reason: str = ""  # a phrase the row's reason must hold
    build: Callable[[], bytes] | None = None  # the file's bytes
    link_to: str | None = None  # a symbolic link to this target instead of a file
    fifo: bool = False  # a named pipe instead of a file
    raw_name: bytes | None = None  # the file name as bytes, when it is not UTF-8
    good: bool = False  # one of the three good reports: metrics as when run alone
    status_without_ocr: tuple[str, ...] | None = None  # when the OCR extra is missing


def source_text(year: int, township: str) -> str:
    """Given a year and a township of the sample county, return its canonical report text."""
    return (SOURCES / str(year) / f"{township}.txt").read_text(encoding="utf-8")


def meta(year: int, township: str) -> RenderMeta:
    return RenderMeta(COUNTY, township, year, CITY)


def txt(year: int, township: str, encoding: str = "utf-8") -> Callable[[], bytes]:
    def build() -> bytes:
        text = source_text(year, township)
        if encoding in ("utf-8", "gbk"):
            return render_txt(text, encoding)
        return text.encode(encoding)  # utf-16 and utf-8-sig write their byte-order mark

    return build


def rendered(render: Callable, year: int, township: str) -> Callable[[], bytes]:
    return lambda: render(source_text(year, township), meta(year, township))


def truncated_pdf() -> bytes:
    data = render_pdf(source_text(2024, "竹山镇"), meta(2024, "竹山镇"))
    return data[: len(data) // 2]


def owner_password_pdf() -> bytes:
    """A report encrypted with an owner password only: anyone may open and read it."""
    lines = [s for s in source_text(2024, "枫林镇").splitlines() if s.strip()][:8]
    wrapped = [line[i : i + 38] for line in lines for i in range(0, len(line), 38)][:40]
    return broken.encrypted_pdf("", "owner", broken.draw_lines(wrapped))


def scanned_pdf() -> bytes:
    from pipeline.samples.scan import scanned_page_pdf

    text = source_text(2024, "石门乡")
    return scanned_page_pdf(text, meta(2024, "石门乡"), lines=8)[0]


def glyphs_pdf(codepoint: int | None) -> Callable[[], bytes]:
    """A text layer whose every glyph maps to ``codepoint`` (None: private-use, one per glyph)."""
    shown = b"ABCDEFGHIJKLMNOP"
    return lambda: broken.mapped_text_pdf(
        {c: (codepoint if codepoint is not None else 0xE000 + c) for c in shown}, shown
    )


def conflicting_draft() -> bytes:
    """Another version of 云溪镇 2023: same township and year, one figure changed."""
    text = source_text(2023, "云溪镇")
    return (text.replace("。", "。全年另行组织专题学法2次。", 1)).encode("utf-8")


def hostile_report() -> bytes:
    """柳塘镇 2024 with script tags, an HTML-tag township-like title and formulas in sentences
    that hold metrics: what reaches report.html and report.xlsx must stay text."""
    text = source_text(2024, "柳塘镇")
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("关于") and "报告" in line:
            lines[i] = f"关于{IMG}镇{line[2:]}"
            break
    text = "\n".join(lines)
    for before, after in (
        ("。全年", f"。{FORMULA}全年"),  # metric evidence: the workbook's 证据 sheet
        ("。组织", "。-1+1组织"),
        ("。落实", "。@SUM(A1)落实"),
        ("，全年", f"，{SCRIPT}全年"),
        ("二是", f"二是{SCRIPT}"),  # problems the report names: flags shown in report.html
        ("三是", f"三是{IMG}{SCRIPT}"),  # a township-like name townships.csv lists: a flag
    ):
        text = text.replace(before, after)
    return text.encode("utf-8")


def script_page() -> bytes:
    """A saved web page with a live <script> and the text of a script shown in the report."""
    text = source_text(2023, "竹山镇").replace("。", f"。{SCRIPT}", 1)
    page = render_html(text, meta(2023, "竹山镇")).decode("utf-8")
    page = page.replace(
        "</head>", f"{SCRIPT}<script src=//example.invalid/x.js></script></head>", 1
    )
    return page.replace("<p", f'<p onclick="alert(1)">{SCRIPT}</p><p', 1).encode("utf-8")


def deep_page() -> bytes:
    return ("<div>" * 20000 + "<p>全年办理行政处罚案件47件。</p>" + "</div>" * 20000).encode()


def mislabeled_docx() -> bytes:
    return render_docx(source_text(2024, "梅岭乡"), meta(2024, "梅岭乡"))


def short_report(text: str) -> Callable[[], bytes]:
    return lambda: text.encode("utf-8")


def repeated_text(mb: float) -> Callable[[], bytes]:
    """A text file of ``mb`` megabytes: a report repeated (fast to write, cheap to sniff)."""

    def build() -> bytes:
        unit = (source_text(2023, "柳塘镇") + "\n").encode("utf-8")
        return unit * (int(mb * 2**20) // len(unit) + 1)

    return build


GBK_NAME = "白沙乡报告.txt".encode("gbk")  # a name unpacked from a Windows zip
LONG_NAME = "很" * 83 + ".txt"  # 253 bytes: the cleaned text's name would be too long
SHORT_REPORT = (
    "关于2024年度法治政府建设情况的报告\n全年开展普法宣传活动12场，受教育群众3000余人次。\n"
)

GOOD = (
    Spec("青溪县/2023/清河镇.txt", "good report, UTF-8 text", READABLE, build=txt(2023, "清河镇"), good=True),
    Spec("青溪县/2023/杏花乡.docx", "good report, Word", READABLE, build=rendered(render_docx, 2023, "杏花乡"), good=True),
    Spec("青溪县/2024/双河镇.pdf", "good report, PDF", READABLE, build=rendered(render_pdf, 2024, "双河镇"), good=True),
)  # fmt: skip

HOSTILE = (
    # PDF
    Spec("pdf/truncated.pdf", "truncated PDF", ("failed",), "truncated or corrupt PDF", truncated_pdf),
    Spec("pdf/random-bytes.pdf", "random bytes with a PDF header", ("failed",), "truncated or corrupt PDF",
         lambda: broken.random_pdf(eof=True)),
    Spec("pdf/user-password.pdf", "encrypted PDF with a user password", ("failed",), "encrypted",
         lambda: broken.encrypted_pdf("secret")),
    Spec("pdf/owner-password-only.pdf", "encrypted PDF with only an owner password", READABLE, "",
         owner_password_pdf),
    Spec("pdf/scanned.pdf", "scanned PDF, no text layer", ("warning",), "read by OCR", scanned_pdf,
         status_without_ocr=("needs_ocr",)),
    Spec("pdf/private-use-glyphs.pdf", "text layer of unmapped (CID / private-use) glyphs",
         ("warning", "needs_ocr"), "", glyphs_pdf(None), status_without_ocr=("needs_ocr",)),
    Spec("pdf/replacement-chars.pdf", "text layer of U+FFFD", ("warning", "needs_ocr"), "",
         glyphs_pdf(0xFFFD), status_without_ocr=("needs_ocr",)),
    Spec("pdf/301-pages.pdf", "more pages than max_pdf_pages", ("failed",), "max_pdf_pages=300",
         lambda: broken.reportlab_pdf(broken.draw_nothing, pages=301)),
    Spec("pdf/huge-page.pdf", "a 200-inch page (3 GB at 144 dpi)", ("needs_ocr",), "", broken.huge_page_pdf),
    Spec("pdf/actually-word.pdf", "Word file named .pdf", READABLE, "content is docx", mislabeled_docx),
    # Word
    Spec("docx/zip-bomb.docx", "zip bomb: document.xml inflates to 1 GB", ("failed",),
         "max_docx_inflated_mb", broken.zip_bomb_docx),
    Spec("docx/billion-laughs.docx", "XML entity expansion", ("failed",), "DOCTYPE", broken.billion_laughs_docx),
    Spec("docx/text-renamed.docx", "text file renamed .docx", ("warning",), "content is txt",
         short_report(SHORT_REPORT)),
    Spec("docx/workbook.docx", "Excel workbook named .docx", ("failed",), "Excel workbook", broken.xlsx_bytes),
    Spec("docx/truncated.docx", "truncated Word file", ("failed",), "corrupt Word document",
         lambda: mislabeled_docx()[:3000]),
    # legacy and unknown
    Spec("legacy/report.doc", "legacy .doc", ("failed",), "LibreOffice", broken.legacy_doc),
    Spec("legacy/report.wps", "legacy .wps", ("failed",), "LibreOffice", broken.legacy_doc),
    Spec("unknown/report.xyz", "unknown extension", ("failed",), "unsupported file type .xyz",
         short_report(SHORT_REPORT)),
    Spec("unknown/README", "no extension", ("failed",), "(no extension)", short_report("read me\n")),
    # text
    Spec("text/empty.txt", "empty file", ("failed",), "empty file", lambda: b""),
    Spec("text/whitespace.txt", "whitespace-only file", ("failed",), "only whitespace",
         lambda: " \n\t\r\n\u3000\n".encode()),
    Spec("text/binary-junk.txt", "binary junk named .txt", ("failed",), "binary",
         lambda: broken.random_bytes(4096, seed=7)),
    Spec("text/枫林镇-utf16.txt", "UTF-16 text", READABLE, "", txt(2023, "枫林镇", "utf-16")),
    Spec("text/梅岭乡-utf8-bom.txt", "UTF-8 text with a BOM", READABLE, "", txt(2023, "梅岭乡", "utf-8-sig")),
    Spec("text/60MB.txt", "60 MB text file", ("failed",), "max_file_mb=50", repeated_text(60)),
    Spec("text/8MB.txt", "8 MB of text: 2.8 million characters", ("failed",), "max_text_chars", repeated_text(8)),
    # accounting
    Spec("青溪县/2023/清河镇_副本.txt", "identical content (a copy)", ("warning",),
         "same content as 青溪县/2023/清河镇.txt; counted once", txt(2023, "清河镇")),
    Spec("conflict/云溪镇-定稿.txt", "same township and year as another file", ("warning",),
         "conflict: conflict/云溪镇-草稿.txt also reports 云溪镇 2023", txt(2023, "云溪镇")),
    Spec("conflict/云溪镇-草稿.txt", "same township and year as another file", ("warning",),
         "conflict: conflict/云溪镇-定稿.txt also reports 云溪镇 2023", conflicting_draft),
    # names
    Spec("names/name with spaces.txt", "file name with spaces", READABLE, "", txt(2023, "石门乡")),
    Spec("names/quote's \"report\".txt", "file name with quotes", READABLE, "", txt(2023, "白沙乡")),
    Spec("names/龙泉街道 报告.txt", "Chinese file name", READABLE, "", txt(2023, "龙泉街道")),
    Spec("-leading-dash.txt", "file name with a leading dash", READABLE, "", txt(2023, "双河镇")),
    Spec("=1+2.txt", "file name that is a formula", READABLE, "", txt(2023, "桃源街道")),
    Spec("special/" + LONG_NAME, "253-byte file name", READABLE, "", txt(2023, "柳塘镇")),
    Spec("special/" + GBK_NAME.decode("utf-8", "backslashreplace"), "file name in GBK bytes",
         ("warning",), "read as GBK it is 白沙乡报告.txt", txt(2024, "白沙乡"), raw_name=GBK_NAME),
    Spec("special/fifo.txt", "named pipe", ("failed",), "not a regular file", fifo=True),
    # links
    Spec("links/passwd.txt", "symbolic link to a file outside the folder", ("failed",),
         "symbolic link to /etc/passwd: links are not followed", link_to="/etc/passwd"),
    Spec("links/etc", "symbolic link to a folder outside", ("failed",), "links are not followed", link_to="/etc"),
    Spec("links/dangling.txt", "dangling symbolic link", ("failed",), "links are not followed",
         link_to="../nowhere/missing.txt"),
    Spec("links/inside.txt", "symbolic link to a report inside the folder", ("failed",),
         "links are not followed", link_to="../青溪县/2023/清河镇.txt"),
    # injection
    Spec("injection/柳塘镇-2024.txt", "report with <script>, an <img onerror> title and formulas",
         READABLE, "", hostile_report),
    Spec(f"injection/{IMG}镇.txt", "file name with <img onerror>", ("failed",), "empty file", lambda: b""),
    Spec("injection/script.html", "web page with scripts", READABLE, "", script_page),
    Spec("injection/deep.html", "web page nested 20,000 deep", READABLE, "", deep_page),
)  # fmt: skip

ENTRIES = GOOD + HOSTILE


def townships_csv() -> bytes:
    """The sample county's townships plus one whose name is an HTML tag and one a formula."""
    rows = (PROJECT_DIR / "samples" / TOWNSHIPS_FILE).read_text(encoding="utf-8").rstrip("\n")
    return (rows + f"\n{COUNTY},{IMG}镇,1000,3\n{COUNTY},=1+1镇,1000,3\n").encode("utf-8")


def write_hostile_folder(
    folder: str | os.PathLike, entries: tuple[Spec, ...] = ENTRIES
) -> list[Spec]:
    """Given an empty (or missing) folder, write every entry and townships.csv; return the specs."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} is not empty: give a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / TOWNSHIPS_FILE).write_bytes(townships_csv())
    for spec in entries:
        target = folder / spec.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if spec.link_to is not None:
            os.symlink(spec.link_to, target)
        elif spec.fifo:
            os.mkfifo(target)
        elif spec.raw_name is not None:
            (Path(os.fsdecode(os.fsencode(target.parent) + b"/" + spec.raw_name))).write_bytes(
                spec.build()
            )
        else:
            target.write_bytes(spec.build())
    return list(entries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.samples.hostile",
        description="Write the hostile folder (broken and malicious inputs plus three good reports).",
    )
    parser.add_argument("out_dir", metavar="OUT_DIR", help="a new or empty folder")
    args = parser.parse_args(argv)
    try:
        specs = write_hostile_folder(args.out_dir)
    except (FileExistsError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for s in specs:
        print(f"{s.path[:44]:<45} {'/'.join(s.status):<18} {s.what}")
    print(f"{len(specs)} entries ({sum(s.good for s in specs)} good reports) in {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
