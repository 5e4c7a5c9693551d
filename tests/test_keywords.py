"""Keywords: distinctive terms per report (numbers and own names never terms) and the themes of
the problems part mapped to dimensions."""

import numpy as np
import pytest
from analysis_fixtures import documents_frame, sample_analysis

from pipeline import contracts
from pipeline.analyze import analyze, load_settings
from pipeline.analyze.keywords import keyword_columns, keyword_sequences, words_to_dimensions
from pipeline.analyze.passages import make_tokenizer, words_of

SETTINGS = load_settings()


@pytest.fixture(scope="module")
def tokenizer():
    return make_tokenizer()


def test_numbers_and_numerals_are_never_terms(tokenizer):
    words = words_of("调解成功率98.5%，全年开展十二次活动，1,234人参加，两场讲座", tokenizer)
    assert not any(ch.isdigit() for w in words for ch in w)
    terms = np.array(
        ["十二", "两场", "三次", "第一", "调解", "法律顾问", "工作", "本乡镇", "a_b"], dtype=object
    )
    kept = set(terms[keyword_columns(terms, SETTINGS)])
    assert kept == {"调解", "法律顾问"}


def test_distinctive_terms_against_the_county():
    bodies = {
        "一镇": "建立竹木加工企业法律服务站，为竹农提供合同审查。",
        "二镇": "开展景区旅游市场执法检查，规范民宿经营。",
        "三镇": "组织物业小区纠纷调解，推动城市更新依法征收。",
        "四镇": "推进土地流转合同规范，调处土地承包纠纷。",
    }
    docs = documents_frame(
        [
            {"doc_id": f"甲县/2023/{t}.txt", "county": "甲县", "township": t, "year": 2023}
            for t in bodies
        ]
    )
    texts = {f"甲县/2023/{t}.txt": f"{t}党委高度重视法治建设。{body}" for t, body in bodies.items()}
    tables = {
        "documents": docs,
        "sections": contracts.empty("sections"),
        "metrics": contracts.empty("metrics"),
        "practices": contracts.empty("practices"),
    }
    kw = analyze(tables, texts, SETTINGS)["keywords"]
    first = kw[kw["township"] == "一镇"].sort_values("rank")
    assert "竹木" in set(first["term"]) or "竹农" in set(first["term"])
    assert "法治" not in set(kw["term"])  # used by every report: not distinctive
    assert not kw["term"].str.contains("一镇|二镇|本乡镇").any()
    assert (kw.groupby("doc_id")["rank"].max() <= SETTINGS.keywords["per_report"]).all()


def test_sample_keywords_have_no_numbers_or_own_names():
    tables, _texts, _towns, out = sample_analysis()
    kw = out["keywords"]
    assert len(kw) == len(tables["documents"]) * SETTINGS.keywords["per_report"]
    assert not kw["term"].str.contains(r"\d").any()
    for row in kw.itertuples():
        assert row.township[:2] not in row.term


def test_keyword_sequences_match_jieba_words(tokenizer):
    index = keyword_sequences(SETTINGS, tokenizer)
    found = words_to_dimensions(words_of("一是普法宣传形式单一。", tokenizer), index)
    assert set(found) == {"publicity"}
    found = words_to_dimensions(words_of("二是矛盾纠纷排查不够深入。", tokenizer), index)
    assert set(found) == {"disputes"}
    assert words_to_dimensions(words_of("三是基层法治工作力量不足。", tokenizer), index) == {}


def test_sample_problem_themes():
    themes = sample_analysis()[3]["problem_themes"]
    shuanghe = themes[(themes["township"] == "双河镇") & (themes["year"] == 2024)]
    assert {"publicity", "disputes"} <= set(shuanghe["dimension"])
    first = shuanghe.set_index("dimension")
    assert first.loc["publicity", "evidence"].startswith("一是普法宣传形式单一")
    assert first.loc["disputes", "evidence"].startswith("二是矛盾纠纷排查不够深入")
    assert (shuanghe["section"] == "三、存在的问题").all()
    # 龙泉街道 2024 has no problems part, so no themes
    assert themes[(themes["township"] == "龙泉街道") & (themes["year"] == 2024)].empty
