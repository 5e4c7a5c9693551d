"""Saved web page reader: the report's text without the site chrome, scripts never kept."""

from __future__ import annotations

import pytest
from test_sample_formats import REPORT, REPORT_META, canonical_lines

from pipeline.errors import DocumentError
from pipeline.ingest.html import decode_html, main_content, parse_html, read_html
from pipeline.ingest.normalize import normalize_text
from pipeline.samples.render import render_html

# Text of the page around the report: none of it may reach the report text.
CHROME = (
    "无障碍",
    "繁体版",
    "返回主网站",
    "当前位置",
    "信息索引号",
    "发布机构",
    "成文日期",
    "上一篇",
    "下一篇",
    "打印本页",
    "关闭窗口",
    "分享到",
    "ICP备",
    "网站标识码",
    "主办单位",
    "访问量统计",
    "changeSize",
    "浏览次数",
    "首页",
    "政务公开",
    "请输入关键词",
)


@pytest.fixture(scope="module")
def page() -> bytes:
    return render_html(REPORT, REPORT_META)


def test_rendered_page_reads_back_line_for_line(page):
    assert normalize_text(read_html(page).text).split("\n") == canonical_lines(REPORT)


@pytest.mark.parametrize("chrome", CHROME)
def test_page_chrome_is_not_in_the_text(page, chrome):
    assert chrome in page.decode("utf-8")
    assert chrome not in read_html(page).text


def test_table_and_br_become_lines(page):
    lines = read_html(page).text.split("\n")
    assert lines[:2] == ["中共青溪县清河镇委员会", "青溪县清河镇人民政府"]  # one <p> split by <br>
    assert "中心组学法（次）\t6\t8" in lines


def test_main_content_found_without_a_known_class(page):
    html = page.decode("utf-8").replace('class="article-content" id="zoom"', 'class="box-17"')
    assert 'class="box-17"' in html
    lines = normalize_text(read_html(html.encode()).text).split("\n")
    assert lines == canonical_lines(REPORT)


def test_known_class_wins_over_a_wrapper():
    paragraph = "<p>全年办理行政处罚案件47件，均已结案，未发生败诉案件。</p>"
    root = parse_html(
        '<div id="content"><table><tr><td>信息索引号：1</td><td>发布机构：镇政府</td></tr></table>'
        f'<div class="TRS_Editor">{paragraph * 3}</div></div>'
    )
    assert main_content(root).attrs.get("class") == "TRS_Editor"


GBK_PAGE = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
    '<title>报告</title></head><body><div id="zoom"><p>全年办理行政处罚案件47件，'
    "调解成功率98.4%。</p><p>镇长带头出庭应诉，行政机关负责人出庭应诉率100%。</p></div></body></html>"
)


def test_declared_gb2312_page_is_decoded():
    text = read_html(GBK_PAGE.encode("gbk")).text
    assert text.split("\n") == [
        "全年办理行政处罚案件47件，调解成功率98.4%。",
        "镇长带头出庭应诉，行政机关负责人出庭应诉率100%。",
    ]


def test_wrongly_declared_charset_falls_back_to_detection():
    html = GBK_PAGE.replace("gb2312", "utf-8").encode("gbk")
    assert "全年办理行政处罚案件47件" in read_html(html).text


def test_utf8_bom_and_undeclared_charset():
    body = GBK_PAGE.replace(
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', ""
    )
    assert decode_html(b"\xef\xbb\xbf" + body.encode()) == body
    assert decode_html(body.encode("gbk")) == body


def test_scripts_are_never_kept():
    html = (
        "<html><body><div class='article-content'><p>全年开展普法宣传活动36场，发放宣传资料1.2万份。</p>"
        "<script>document.write('<p>脚本写入的假数据共计999件</p>')</script>"
        "<style>p { color: red }</style><noscript>请启用脚本</noscript>"
        "<p onclick=\"alert('x')\">受教育群众9000余人次。</p></div></body></html>"
    )
    assert read_html(html.encode()).text.split("\n") == [
        "全年开展普法宣传活动36场，发放宣传资料1.2万份。",
        "受教育群众9000余人次。",
    ]


def test_metadata_lines_outside_a_table_are_dropped():
    html = (
        "<div class='article-content'><p>[ 索引号 ] 11361123/2025-00003 [ 发文字号 ]</p>"
        "<p>发布机构：青溪县竹山镇人民政府</p><p>文号： 主题词：</p>"
        "<p>全年开展普法宣传活动36场，发放宣传资料1.2万份。</p></div>"
    )
    assert read_html(html.encode()).text == "全年开展普法宣传活动36场，发放宣传资料1.2万份。"


def test_title_outside_the_content_is_kept():
    html = (
        "<html><body><h1>关于2023年度法治政府建设情况的报告</h1><div id='zoom'><p>"
        + "全年办理行政处罚案件47件，均已结案。" * 4
        + "</p></div></body></html>"
    )
    lines = read_html(html.encode()).text.split("\n")
    assert lines[0] == "关于2023年度法治政府建设情况的报告"


def test_unclosed_paragraphs_and_cells():
    html = (
        "<div class='TRS_Editor'><p>第一段，全年学法12次。<p>第二段，执法案件47件。"
        "<table><tr><td>项目<td>数量<tr><td>学法<td>12</table></div>"
    )
    assert read_html(html.encode()).text.split("\n") == [
        "第一段，全年学法12次。",
        "第二段，执法案件47件。",
        "项目\t数量",
        "学法\t12",
    ]


def test_deep_nesting_does_not_crash():
    html = "<div>" * 20000 + "<p>全年办理行政处罚案件47件。</p>" + "</div>" * 20000
    assert read_html(html.encode()).text == "全年办理行政处罚案件47件。"


def test_page_without_report_text_fails():
    html = "<html><head><script>var a='很多中文字';</script></head><body><nav>首页 政务公开</nav></body></html>"
    with pytest.raises(DocumentError, match="web page has no report text"):
        read_html(html.encode())


def test_bom_that_lies_fails():
    with pytest.raises(DocumentError, match="byte-order mark"):
        read_html(b"\xef\xbb\xbf<html>\xff\xfe\xfd</html>")


def test_binary_junk_fails():
    with pytest.raises(DocumentError):
        read_html(bytes(range(256)) * 16)
