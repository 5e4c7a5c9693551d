from pipeline.ingest.normalize import normalize_text
from pipeline.ingest.structure import classify_title, parse_sections, required_items

REPORT = """关于2024年度法治政府建设情况的报告
2024年，我镇扎实推进法治政府建设。
一、主要举措和成效
（一）加强组织领导
一是健全机制。全年召开专题会议4次。二是压实责任。
（二）强化学法用法
1.会前学法。全年会前学法12次。
2.集中培训。组织培训3场。
二、党政主要负责人履行推进法治建设第一责任人职责情况
镇党委书记带头述法。
三、存在的不足和原因
普法形式单一。
四、2025年工作打算
计划开展普法活动10场。
中共柳塘镇委员会
2025年1月10日
"""


def sections_of(text):
    text = normalize_text(text)
    return text, parse_sections(text)


def test_top_level_parts_and_kinds():
    _, sections = sections_of(REPORT)
    top = [(s.number, s.title, s.kind) for s in sections if s.level == 1]
    assert top == [
        ("一、", "主要举措和成效", "achievements"),
        ("二、", "党政主要负责人履行推进法治建设第一责任人职责情况", "achievements"),
        ("三、", "存在的不足和原因", "problems"),
        ("四、", "2025年工作打算", "plans"),
    ]


def test_nested_levels_and_inline_enumeration():
    _, sections = sections_of(REPORT)
    by_number = {(s.level, s.number): s for s in sections}
    assert by_number[(2, "(一)")].title == "加强组织领导"
    assert by_number[(3, "一是")].title == "健全机制"
    assert by_number[(3, "二是")].title == "压实责任"
    assert by_number[(3, "1.")].title == "会前学法"
    assert by_number[(2, "(二)")].kind == "achievements"


def test_spans_nest_and_the_signoff_is_outside_the_last_part():
    text, sections = sections_of(REPORT)
    plans = next(s for s in sections if s.kind == "plans" and s.level == 1)
    assert text[plans.start : plans.end].endswith("计划开展普法活动10场。")
    assert "2025年1月10日" not in text[plans.start : plans.end]
    for s in sections:
        assert text[s.start :].startswith(s.number)


def test_top_level_without_chinese_numerals_gets_level_one():
    text = "(一)工作开展情况\n全年调解纠纷12件。\n(二)存在问题\n宣传不足。\n(三)下一步工作计划\n加强学习。"
    _, sections = sections_of(text)
    assert [(s.level, s.kind) for s in sections] == [
        (1, "achievements"),
        (1, "problems"),
        (1, "plans"),
    ]


def test_required_items():
    text, sections = sections_of(REPORT)
    assert required_items(text, sections) == {
        "item_measures": True,
        "item_problems": True,
        "item_first_responsible": True,
        "item_next_year": True,
        "item_other": False,
    }


def test_missing_problems_part():
    text = REPORT.replace("三、存在的不足和原因\n普法形式单一。\n", "")
    text, sections = sections_of(text)
    assert required_items(text, sections)["item_problems"] is False


def test_classify_title():
    assert classify_title("法治政府建设工作现存问题") == "problems"
    assert classify_title("下一步工作安排") == "plans"
    assert classify_title("其他需要报告的事项") == "other"
    assert classify_title("强化组织领导,认真抓好法治政府责任落实") == "achievements"


def test_seed_report_has_the_five_gold_parts(seed_text):
    import json

    from tests.conftest import SEED

    gold = json.loads((SEED / "gold.json").read_text(encoding="utf-8"))
    _, sections = sections_of(seed_text)
    top = [(s.title, s.kind) for s in sections if s.level == 1]
    expected = [(normalize_text(t).split("、", 1)[1], k) for t, k in gold["sections"]]
    assert top == expected
