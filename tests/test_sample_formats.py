"""Every sample report yields the same cleaned text from each of its formats.

Each canonical text in samples/source is rendered to every format (UTF-8 and GBK text, .docx,
.pdf, .html), read back by the format's reader, normalized, and compared with the canonical
text read as plain text: after folding whitespace the texts are equal (the Must show), and
line by line they are equal too (paragraph breaks survive every format).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.config import Limits
from pipeline.ingest.docx import read_docx
from pipeline.ingest.html import read_html
from pipeline.ingest.layout import repair_breaks
from pipeline.ingest.normalize import fold_whitespace, normalize_text
from pipeline.ingest.pdf import read_pdf
from pipeline.ingest.text import decode_text
from pipeline.samples.render import (
    RenderMeta,
    render_docx,
    render_html,
    render_pdf,
    render_txt,
    text_to_blocks,
)

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "samples" / "source").glob("*/*.txt"))
FORMATS_YAML = ROOT / "samples" / "formats.yaml"

# A report of our own, used where samples/source is absent and by the format reader tests:
# title block, salutation, headings, long paragraphs, a table, a sign-off.
REPORT = """中共青溪县清河镇委员会

青溪县清河镇人民政府

青清委〔2024〕3号

关于清河镇2023年度法治政府建设情况的报告

县委、县政府：

2023年，清河镇党委、政府在县委、县政府的坚强领导下，深入学习贯彻习近平法治思想，把法治建设同乡村振兴、基层治理和营商环境优化放在一起谋划、一起推进，全镇法治政府建设取得新的进展。现将有关情况报告如下：

一、2023年度推进法治政府建设的主要举措和成效

（一）健全领导体制，压实法治建设责任。镇党委把法治建设列入年度重点工作清单，调整充实依法治镇委员会，由镇党委书记任主任、镇长任副主任。全年镇党委会、镇政府常务会议专题研究法治建设工作6次，研究解决行政执法力量整合、征地补偿纠纷化解、农村集体经济合同清理等重点问题9项。将法治建设成效纳入村（社区）和站所年度综合考核，考核权重由上年的3%提高到5%。

（二）坚持学法用法，提升干部法治素养。全年开展党委理论学习中心组学法8次、机关干部集中学法12次，举办法治专题讲座3场、行政执法业务培训2期，参训干部260余人次。组织全镇68名在编干部参加年度国家工作人员学法考试，参考率、合格率均为100%。

项目\t2022年\t2023年
中心组学法（次）\t6\t8
行政处罚案件（件）\t40\t47
法律明白人（名）\t80\t96

（三）严格规范执法，推进依法行政。全面落实行政执法公示、执法全过程记录、重大执法决定法制审核“三项制度”。全年办理行政处罚案件47件，其中简易程序39件、普通程序8件。严格落实重大行政决策合法性审查，全年审查重大行政决策事项8项、各类合同31份，镇法律顾问出具书面审查意见39份。全年发生行政复议案件1件、行政诉讼案件2件，均已审结，未发生败诉案件。

（四）聚焦源头治理，及时化解矛盾纠纷。坚持和发展新时代“枫桥经验”，完善镇、村、组三级调解网络。全年开展矛盾纠纷集中排查12轮，排查发现各类矛盾纠纷138起，调解成功率98.4%。深入实施“八五”普法规划，全年开展各类普法宣传活动36场，发放宣传资料1.2万份，受教育群众9000余人次。

二、党政主要负责人履行推进法治建设第一责任人职责情况

镇党委书记切实履行推进法治建设第一责任人职责，对法治建设重要工作亲自部署、重大问题亲自过问、重点环节亲自协调、重要任务亲自督办。镇党政主要负责人在年终述职中专题述法，并把述法情况纳入班子成员和村（社区）党组织书记年度考核。

三、存在的不足和原因

一是部分村干部运用法治思维化解矛盾的能力仍有差距，依法调处意识不强。二是综合行政执法队伍专业化程度不高，执法文书制作不够规范的现象仍有发生。三是普法宣传的精准度有待提高，面向返乡务工人员、新就业形态劳动者的普法供给还不充足。

四、2024年工作打算

（一）持续深化学法用法。完善领导干部学法制度，计划全年组织集中学法不少于12次。

（二）提升行政执法质效。加强执法人员业务培训和执法监督，计划开展执法案卷评查2次。

中共青溪县清河镇委员会

青溪县清河镇人民政府

2024年1月10日
"""
REPORT_META = RenderMeta(county="青溪县", township="清河镇", year=2023)


def canonical_lines(text: str) -> list[str]:
    """Given a canonical report text, return its cleaned lines, read as a .txt file is read."""
    return normalize_text(repair_breaks(text)).split("\n")


def read_back(fmt: str, data: bytes) -> list[str]:
    """Given a format and rendered bytes, return the cleaned lines its reader yields."""
    if fmt in ("txt", "txt-gbk"):
        text = repair_breaks(decode_text(data)[0])
    elif fmt == "docx":
        text = read_docx(data, Limits()).text
    elif fmt == "pdf":
        text = read_pdf(data, Limits()).text
    else:
        text = read_html(data).text
    return normalize_text(text).split("\n")


def render(fmt: str, text: str, meta: RenderMeta) -> bytes:
    return {
        "txt": lambda: render_txt(text),
        "txt-gbk": lambda: render_txt(text, "gbk", newline="\r\n"),
        "docx": lambda: render_docx(text, meta),
        "pdf": lambda: render_pdf(text, meta),
        "html": lambda: render_html(text, meta),
    }[fmt]()


FORMATS = ("txt", "txt-gbk", "docx", "pdf", "html")


def _source_params():
    if not SOURCES:
        return [pytest.param(None, id="own-report")]
    return [pytest.param(p, id=f"{p.parent.name}-{p.stem}") for p in SOURCES]


@pytest.mark.parametrize("source", _source_params())
def test_every_format_yields_the_same_text(source):
    if source is None:
        text, meta = REPORT, REPORT_META
    else:
        text = source.read_text(encoding="utf-8")
        meta = RenderMeta("青溪县", source.stem, int(source.parent.name))
    expected = canonical_lines(text)
    for fmt in FORMATS:
        got = read_back(fmt, render(fmt, text, meta))
        assert fold_whitespace("".join(got)) == fold_whitespace("".join(expected)), fmt
        assert got == expected, fmt


def test_own_report_yields_the_same_text_in_every_format():
    expected = canonical_lines(REPORT)
    assert "中心组学法(次)\t6\t8" in expected
    for fmt in FORMATS:
        assert read_back(fmt, render(fmt, REPORT, REPORT_META)) == expected, fmt


@pytest.mark.parametrize("fmt", ["docx", "pdf", "html"])
def test_rendering_is_deterministic(fmt):
    assert render(fmt, REPORT, REPORT_META) == render(fmt, REPORT, REPORT_META)


def test_blocks_get_their_layout_roles():
    kinds = [(b.kind, b.text[:8]) for b in text_to_blocks(REPORT)]
    assert kinds[:5] == [
        ("title", "中共青溪县清河镇"),
        ("title", "青溪县清河镇人民"),
        ("title", "青清委〔2024"),
        ("title", "关于清河镇202"),
        ("salutation", "县委、县政府："),
    ]
    assert ("heading", "一、2023年度") in kinds
    assert [k for k, _ in kinds[-3:]] == ["signoff"] * 3
    table = next(b for b in text_to_blocks(REPORT) if b.kind == "table")
    assert table.rows[0] == ("项目", "2022年", "2023年") and len(table.rows) == 4


def test_gbk_text_is_gbk_with_crlf():
    data = render("txt-gbk", REPORT, REPORT_META)
    assert data.decode("gbk").replace("\r\n", "\n") == REPORT
    assert decode_text(data)[1] == "gb18030"


def test_committed_raw_files_match_a_fresh_render():
    """raw/ holds what scripts/render_samples.py writes from samples/: nothing edited by hand."""
    raw = ROOT / "raw"
    if not FORMATS_YAML.exists() or not (raw / "townships.csv").exists():
        pytest.skip("samples/formats.yaml or raw/ not present yet")
    spec = yaml.safe_load(FORMATS_YAML.read_text(encoding="utf-8"))
    ext = {"txt": ".txt", "txt-gbk": ".txt", "docx": ".docx", "pdf": ".pdf", "html": ".html"}
    for report in spec["reports"]:
        township, year, fmt = report["township"], int(report["year"]), report["format"]
        text = (ROOT / "samples" / "source" / str(year) / f"{township}.txt").read_text(
            encoding="utf-8"
        )
        meta = RenderMeta(spec["county"], township, year, spec.get("city", ""))
        path = raw / spec["county"] / str(year) / f"{township}{ext[fmt]}"
        assert path.read_bytes() == render(fmt, text, meta), path
