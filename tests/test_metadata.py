import json

import pytest

from pipeline.ingest.metadata import extract_metadata, parse_date, path_metadata
from pipeline.ingest.normalize import normalize_text
from tests.conftest import REAL_DEV, needs_shared

HEADER = """中共青溪县柳塘镇委员会文件
青柳委〔2024〕7号
中共柳塘镇委员会 柳塘镇人民政府
关于2024年度法治政府建设情况的报告
县委、县政府：
2024年，柳塘镇在县委、县政府的坚强领导下，深入学习贯彻习近平法治思想。
一、主要举措和成效
全年调解矛盾纠纷36件。
中共柳塘镇委员会
柳塘镇人民政府
2025年1月10日
"""


def meta_of(text, doc_id="x.txt"):
    return extract_metadata(normalize_text(text), doc_id)


def test_header_title_and_signoff():
    meta, warnings = meta_of(HEADER)
    assert (meta.township, meta.county, meta.year) == ("柳塘镇", "青溪县", 2024)
    assert meta.doc_number == "青柳委〔2024〕7号"
    assert meta.date == "2025-01-10"
    assert meta.issuers == ("中共柳塘镇委员会", "柳塘镇人民政府")
    assert meta.title == "关于2024年度法治政府建设情况的报告"
    assert warnings == []


def test_path_fills_what_the_text_lacks():
    text = "全年调解矛盾纠纷36件。\n一、存在问题\n普法形式单一。"
    meta, warnings = meta_of(text, "青溪县/2023/石门乡.txt")
    assert (meta.township, meta.county, meta.year) == ("石门乡", "青溪县", 2023)
    assert warnings == []


def test_text_and_path_disagreeing_is_a_warning_with_both_values():
    meta, warnings = meta_of(HEADER, "青溪县/2023/石门乡.txt")
    assert meta.township == "柳塘镇"  # the text wins
    assert "township: text says 柳塘镇, path says 石门乡" in warnings
    assert "year: text says 2024, path says 2023" in warnings


def test_path_metadata_ignores_non_township_names():
    assert path_metadata("a005.txt") == {}
    assert path_metadata("青溪县/2024/桃源街道.pdf") == {
        "township": "桃源街道",
        "year": 2024,
        "county": "青溪县",
    }


@pytest.mark.parametrize(
    "line, iso",
    [
        ("2023年11月22日", "2023-11-22"),
        ("二〇二四年一月十五日", "2024-01-15"),
        ("二〇二三年十二月三十一日", "2023-12-31"),
        ("成文日期 2025-03-21", "2025-03-21"),
        ("2023年13月40日", None),
    ],
)
def test_parse_date(line, iso):
    assert parse_date(line) == iso


def test_web_page_metadata_box_gives_the_date():
    text = "索引号: 1150/2026-00004\n成文日期 2026-01-22 发布日期 2026-02-10\n栗子乡2025年法治政府建设情况报告\n2025年,栗子乡坚持以习近平法治思想为指导。"
    meta, _ = meta_of(text)
    assert (meta.township, meta.year, meta.date) == ("栗子乡", 2025, "2026-01-22")


def test_seed_report_metadata(seed_text):
    meta, _warnings = meta_of(seed_text, "guantian-2023.txt")
    assert meta.township == "官田乡"
    assert meta.county == "漳平市"
    assert meta.year == 2023
    assert meta.doc_number == "漳官委〔2023〕18号"
    assert meta.date == "2023-11-22"
    assert meta.issuers == ("中共官田乡委员会", "官田乡人民政府")


@needs_shared(REAL_DEV)
def test_real_dev_townships_and_years():
    """Every real-dev page names its township and year; counties only where the text says."""
    rows = [
        json.loads(line)
        for line in (REAL_DEV / "meta.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    wrong = []
    county_right = 0
    for row in rows:
        text = (REAL_DEV / row["file"]).read_text(encoding="utf-8")
        meta, _ = meta_of(text, row["file"])
        if (meta.township, meta.year) != (row["township"], row["year"]):
            wrong.append((row["file"], meta.township, meta.year))
        if meta.county is not None:
            assert meta.county == row["county"], row["file"]
            county_right += 1
    assert wrong == []
    assert county_right >= 10
