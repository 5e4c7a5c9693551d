"""Layout repair: page furniture removal and re-joining lines broken by the layout."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from pipeline.ingest.layout import (
    WIDE_BLOCKS,
    Line,
    display_width,
    is_page_number,
    lines_to_paragraphs,
    repair_breaks,
    wrap_width,
)
from pipeline.ingest.normalize import normalize_text

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "corpus" / "seed" / "guantian-2023.txt"

# Cases as data: input text, expected paragraphs after repair_breaks. "expect: fail" cases are
# known failures (strict xfail: an accidental fix is noticed).
REPAIR_CASES = [
    {
        "name": "paragraph cut by a page end continues after the blank line",
        "text": "（三）依法公开政府信息。一是严格按照规定，及时公开政府信息，重点主动公开\n\n"
        "与基层群众关系密切的政府信息。",
        "expect": [
            "（三）依法公开政府信息。一是严格按照规定，及时公开政府信息，重点主动公开"
            "与基层群众关系密切的政府信息。"
        ],
    },
    {
        "name": "word cut by a page end is re-joined",
        "text": "健全完善执法监督体系，强化行政执法监督。加强行政执法综合监管体\n\n系建设，强化全方位监督。",
        "expect": [
            "健全完善执法监督体系，强化行政执法监督。加强行政执法综合监管体系建设，强化全方位监督。"
        ],
    },
    {
        "name": "negative: a paragraph ending with 。 stays a paragraph",
        "text": "全年办理行政处罚案件47件，均已结案。\n\n镇综合行政执法队现有持证执法人员21名。",
        "expect": [
            "全年办理行政处罚案件47件，均已结案。",
            "镇综合行政执法队现有持证执法人员21名。",
        ],
    },
    {
        "name": "negative: a heading after a cut line starts its own paragraph",
        "text": "全年开展矛盾纠纷排查12轮，持续推进法治乡村建设\n\n二、存在的不足和原因",
        "expect": ["全年开展矛盾纠纷排查12轮，持续推进法治乡村建设", "二、存在的不足和原因"],
    },
    {
        "name": "negative: (三) heading after a cut line",
        "text": "全年开展矛盾纠纷排查12轮，持续推进法治乡村建设\n\n(三)健全调解工作机制",
        "expect": ["全年开展矛盾纠纷排查12轮，持续推进法治乡村建设", "(三)健全调解工作机制"],
    },
    {
        "name": "negative: a heading line is not continued by the paragraph below it",
        "text": "一、强化组织领导，认真抓好法治政府责任落实\n\n镇党委把法治建设列入年度重点工作清单，压实责任。",
        "expect": [
            "一、强化组织领导，认真抓好法治政府责任落实",
            "镇党委把法治建设列入年度重点工作清单，压实责任。",
        ],
    },
    {
        "name": "negative: title and salutation stay apart",
        "text": "中共官田乡委员会 官田乡人民政府 关于 2023 年官田乡法治政府建设 工作情况的报告\n\n"
        "中共漳平市委员会、漳平市人民政府：",
        "expect": [
            "中共官田乡委员会 官田乡人民政府 关于 2023 年官田乡法治政府建设 工作情况的报告",
            "中共漳平市委员会、漳平市人民政府：",
        ],
    },
    {
        "name": "negative: sign-off lines after a paragraph without a final period",
        "text": "我们将持续深化法治政府建设，推动各项工作再上新台阶\n\n中共石门乡委员会\n\n石门乡人民政府\n\n"
        "2024年1月8日",
        "expect": [
            "我们将持续深化法治政府建设，推动各项工作再上新台阶",
            "中共石门乡委员会",
            "石门乡人民政府",
            "2024年1月8日",
        ],
    },
    {
        "name": "negative: table rows are never joined",
        "text": "项目\t2022年\t2023年\n学法次数\t6\t8\n执法案件，件\t40\t47",
        "expect": ["项目\t2022年\t2023年", "学法次数\t6\t8", "执法案件，件\t40\t47"],
    },
    {
        "name": "negative: a long heading without a full stop is not continued",
        "text": "（二）2023年度党政主要负责人履行推进法治建设第一责任人职责、落实述法制度情况\n\n"
        "镇党委书记切实履行第一责任人职责，亲自部署重要工作。",
        "expect": [
            "（二）2023年度党政主要负责人履行推进法治建设第一责任人职责、落实述法制度情况",
            "镇党委书记切实履行第一责任人职责，亲自部署重要工作。",
        ],
    },
    {
        "name": "negative: a joint-issuer title with 、 is not a cut sentence",
        "text": "标题：中共青溪县双河镇委员会、双河镇人民政府关于2024年法治政府建设情况的报告\n发布日期：2025-01-09",
        "expect": [
            "标题：中共青溪县双河镇委员会、双河镇人民政府关于2024年法治政府建设情况的报告",
            "发布日期：2025-01-09",
        ],
    },
    {
        "name": "decorated page-number lines are dropped from text without page breaks",
        "text": "全年办理行政处罚案件47件。\n— 3 —\n镇综合行政执法队现有持证执法人员21名。",
        "expect": ["全年办理行政处罚案件47件。", "镇综合行政执法队现有持证执法人员21名。"],
    },
]

# A hard-wrapped text (as pdftotext writes it): 20 characters a line, paragraphs indented.
WRAPPED = (
    "　　全年开展党委理论学习中心组学法8次、机关干\n"
    "部集中学法12次，坚持会前学法制度，每次党委会\n"
    "安排10分钟左右由班子成员轮流解读一部法律法规。\n"
    "　　举办法治专题讲座3场、行政执法业务培训2期，\n"
    "参训干部260余人次。组织全镇68名在编干部参加\n"
    "年度国家工作人员学法考试，参考率、合格率均为\n"
    "100%。\n"
    "　　推行双随机一公开监管，会同市场监管所开展随\n"
    "机抽查14批次。\n"
)


@pytest.mark.parametrize("case", REPAIR_CASES, ids=[c["name"] for c in REPAIR_CASES])
def test_repair_breaks_case(case):
    if case.get("xfail"):
        pytest.xfail(case["xfail"])
    assert repair_breaks(case["text"]).split("\n") == case["expect"]


def test_hard_wrapped_text_is_rejoined_at_indents():
    assert wrap_width(WRAPPED.split("\n")) is not None
    assert repair_breaks(WRAPPED).split("\n") == [
        "全年开展党委理论学习中心组学法8次、机关干部集中学法12次，坚持会前学法制度，每次党委会"
        "安排10分钟左右由班子成员轮流解读一部法律法规。",
        "举办法治专题讲座3场、行政执法业务培训2期，参训干部260余人次。组织全镇68名在编干部参加"
        "年度国家工作人员学法考试，参考率、合格率均为100%。",
        "推行双随机一公开监管，会同市场监管所开展随机抽查14批次。",
    ]


def test_paragraph_per_line_text_is_not_taken_for_wrapped():
    text = "\n".join(
        [
            "县委、县政府：",
            "全年办理行政处罚案件47件。",
            "一、主要举措",
            "制定规范性文件2件，均已备案。",
        ]
        * 3
    )
    assert wrap_width(text.split("\n")) is None


def test_headings_of_equal_width_do_not_make_a_wrapped_text():
    lines = [
        "青溪县梅岭乡2024年法治政府建设工作报告",
        "2024年，梅岭乡在县委、县政府的坚强领导下，深入学习贯彻习近平法治思想，法治政府建设取得新成效。",
        "（一）坚持以上率下，筑牢法治建设根基",
        "乡党委高度重视法治建设工作，坚持党委书记亲自抓，将法治建设纳入年度重点工作统筹推进。",
        "（二）强化政治引领，把牢法治建设方向",
        "乡党委将习近平法治思想纳入理论学习中心组学习重点内容，全年开展集中学法6次。",
        "（三）压实工作责任，夯实法治建设基础",
        "乡党委按期召开法治政府建设专题会议，研究解决重点问题，推动各项任务落地见效。",
        "（四）健全调解机制，化解矛盾纠纷隐患",
        "全乡开展矛盾纠纷排查10轮，调解各类纠纷52件，调解成功率98%。",
    ]
    assert wrap_width(lines) is None
    assert repair_breaks("\n\n".join(lines)).split("\n") == lines


def test_pages_lose_running_header_and_page_numbers_and_rejoin():
    pages = [
        "青溪县清河镇法治政府建设情况报告\n一、主要举措\n全镇持续推进法治政府建设，全面落实行政执法三项制\n— 1 —",
        "青溪县清河镇法治政府建设情况报告\n度，全年办理行政处罚案件47件。\n二、存在问题\n— 2 —",
        "青溪县清河镇法治政府建设情况报告\n部分干部法治意识有待提高。\n— 3 —",
    ]
    assert repair_breaks("\f".join(pages)).split("\n") == [
        "一、主要举措",
        "全镇持续推进法治政府建设，全面落实行政执法三项制度，全年办理行政处罚案件47件。",
        "二、存在问题",
        "部分干部法治意识有待提高。",
    ]


@pytest.mark.parametrize(
    ("line", "at_edge", "expected"),
    [
        ("— 3 —", False, True),
        ("- 3 -", False, True),
        ("－ 12 －", False, True),
        ("第3页", False, True),
        ("第 3 页 共 10 页", False, True),
        ("共10页 第3页", False, True),
        ("3/10", False, True),
        ("Page 3 of 10", False, True),
        ("3", True, True),
        ("3", False, False),  # a bare number away from the page edge is content
        ("2023年", True, False),
        ("3.5万", True, False),
        ("第3批", True, False),
        ("（3）", True, False),
    ],
)
def test_is_page_number(line, at_edge, expected):
    assert is_page_number(line, at_edge=at_edge) is expected


def test_latin_words_join_with_a_space_chinese_without():
    lines = [
        Line("the annual rule of law", full=True),
        Line("report of the township", full=True),
        Line("法治政府建设", full=True),
        Line("情况报告", full=False),
    ]
    assert lines_to_paragraphs(lines) == [
        "the annual rule of law report of the township法治政府建设情况报告"
    ]


def test_full_line_before_an_indented_line_ends_the_paragraph():
    lines = [
        Line("全年办理行政处罚案件47件，均已结案。", full=True, indented=True),
        Line("镇综合行政执法队现有持证执法人员21名。", full=False, indented=True),
    ]
    assert len(lines_to_paragraphs(lines)) == 2


def test_lines_of_different_font_size_are_not_joined():
    lines = [
        Line("关于2023年度法治政府建设情况的报告", full=True, size=20.0),
        Line("县委、县政府：", full=False, size=15.75),
    ]
    assert len(lines_to_paragraphs(lines)) == 2


@pytest.mark.skipif(not SEED.exists(), reason=f"{SEED} not present")
def test_seed_report_page_breaks_are_repaired():
    text = normalize_text(repair_breaks(SEED.read_text(encoding="utf-8")))
    assert "综合监管体系建设" in text
    assert "主动公开与基层群众" in text
    assert "体\n系" not in text and "公开\n与" not in text
    lines = text.split("\n")
    # real breaks stay: the five parts, the sign-off and the date are lines of their own
    for heading in (
        "一、强化组织领导,认真抓好法治政府责任落实",
        "四、法治政府建设工作现存问题",
        "五、2024年法治政府建设工作思路",
        "中共官田乡委员会",
        "官田乡人民政府",
        "2023年11月22日",
    ):
        assert heading in lines
    assert lines[0] == "中共漳平市官田乡委员会文件"
    assert lines[3] == "中共漳平市委员会、漳平市人民政府:"
    assert len(lines) == 30


def test_odd_and_even_running_headers_are_both_removed():
    bodies = ["全年办理案件47件。", "全年调解纠纷12件。", "全年学法8次。", "全年普法36场。"]
    pages = []
    for n, body in enumerate(bodies, start=1):
        header = "青溪县清河镇人民政府" if n % 2 else "法治政府建设情况报告"
        pages.append(f"{header}\n{body}\n第{n}页")
    assert repair_breaks("\f".join(pages)).split("\n") == bodies


def test_a_line_at_the_top_of_one_page_and_the_bottom_of_another_is_kept():
    pages = [
        "中共青溪县石门乡委员会\n石门乡人民政府\n关于2023年度法治政府建设情况的报告\n全年办理案件47件。",
        "全年调解纠纷12件。\n中共青溪县石门乡委员会\n石门乡人民政府",
    ]
    assert repair_breaks("\f".join(pages)).split("\n") == [
        "中共青溪县石门乡委员会",
        "石门乡人民政府",
        "关于2023年度法治政府建设情况的报告",
        "全年办理案件47件。",
        "全年调解纠纷12件。",
        "中共青溪县石门乡委员会",
        "石门乡人民政府",
    ]


def test_title_block_and_a_short_last_page_sign_off_are_not_a_header():
    pages = [
        "青溪县龙泉街道法治政府建设情况报告\n中共青溪县委龙泉街道工作委员会\n关于2024年法治政府建设情况的报告\n— 1 —"
    ]
    pages += [
        f"青溪县龙泉街道法治政府建设情况报告\n全年第{n}项工作，均已完成。\n— {n} —"
        for n in (2, 3, 4)
    ]
    pages += [
        "青溪县龙泉街道法治政府建设情况报告\n中共青溪县委龙泉街道工作委员会\n2025年1月10日\n— 5 —"
    ]
    lines = repair_breaks("\f".join(pages)).split("\n")
    assert lines.count("中共青溪县委龙泉街道工作委员会") == 2
    assert "青溪县龙泉街道法治政府建设情况报告" not in lines


def test_every_character_of_the_wide_blocks_is_wide():
    wide = re.compile(f"[{WIDE_BLOCKS}]")
    narrow = [
        hex(c)
        for c in range(0x110000)
        if wide.match(chr(c)) and unicodedata.east_asian_width(chr(c)) not in "WF"
    ]
    assert narrow == []


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("", 0.0),
        ("abc 12", 3.0),
        ("法治政府建设", 6.0),
        ("（一）依法决策，共3项。", 11.5),
        ("“法律进社区”—2023", 8.5),  # quotes and the dash are ambiguous: half
        ("ＡＢ①", 2.5),  # full-width letters are wide, a circled number is not
        ("가나\u3000ｶ", 3.5),  # Hangul and the ideographic space are wide, half-width kana not
    ],
)
def test_display_width_counts_wide_characters_as_one_and_others_as_half(text, width):
    assert display_width(text) == width
    assert width == sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)
