"""Properties of the number parser and the matcher on random and mutated report text.

Whatever the text: no exception, every span inside the text, every evidence a substring of it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.extract import extract_document, load_catalog, make_tokenizer
from pipeline.extract.numbers import NumeralError, find_quantities, parse_numeral
from pipeline.ingest.model import Document
from pipeline.ingest.normalize import normalize_text

SHARED = Path(__file__).parents[1].parent / "shared"

# Characters and words that matter to the parser and the matcher.
ALPHABET = list("0123456789.,%零〇一二两三四五六七八九十百千万亿余多近约点第每")
ALPHABET += list("次场件起名人份项条期个批、,;:。!?()“”《》〔〕·+-\n\t ")
WORDS = [
    "人次", "场次", "百分之", "以上", "左右", "其中", "未发生", "无", "下一步", "计划", "将",
    "调解矛盾纠纷", "学法", "学习", "培训", "讲座", "普法宣传活动", "发放宣传资料", "法律顾问",
    "合格率", "参考率", "均为", "行政复议", "行政诉讼", "败诉", "群体性事件", "法治", "三项制度",
    "法律七进", "12·4", "1+1+N", "12345热线", "2023年", "覆盖", "受教育群众", "持证执法人员",
    "新增", "全员参加考试", "会前学法", "法治副校长", "权责清单", "尚未建立", "等", "均为零",
]  # fmt: skip

SAMPLE = (
    "2023年,全镇召开法治建设专题会议5次,研究解决重点问题7个。全年组织党委理论学习中心组学法"
    "8次、机关干部集中学法12次,举办法治专题讲座3场,参训干部260余人次,参考率、合格率均为100%。"
    "全年办理行政处罚案件47件,其中简易程序39件。未发生行政复议、行政应诉败诉案件。"
    "全镇共配备法律顾问19名,培育“法律明白人”96名。调解矛盾纠纷126件,调解成功率98.4%。\n"
    "四、2024年工作打算\n计划全年组织集中学法不少于12次,下一步将建立权责清单。"
)

fragments = st.one_of(st.sampled_from(ALPHABET), st.sampled_from(WORDS))
report_like = st.lists(fragments, max_size=120).map("".join)


@lru_cache(maxsize=1)
def _tools():
    return load_catalog(), make_tokenizer()


@lru_cache(maxsize=1)
def _seed_texts() -> tuple[str, ...]:
    texts = [SAMPLE]
    for folder in (SHARED / "corpus" / "real-dev", SHARED / "corpus" / "seed"):
        texts += [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))[:8]]
    return tuple(normalize_text(t) for t in texts)


@st.composite
def mutated_reports(draw) -> str:
    """A real (or sample) report with slices cut, duplicated and replaced by random fragments."""
    text = draw(st.sampled_from(_seed_texts()))
    for _ in range(draw(st.integers(0, 6))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 40)))
        action = draw(st.sampled_from(["cut", "insert", "replace", "repeat"]))
        piece = draw(report_like)
        if action == "cut":
            text = text[:i] + text[j:]
        elif action == "insert":
            text = text[:i] + piece + text[i:]
        elif action == "replace":
            text = text[:i] + piece + text[j:]
        else:
            text = text[:j] + text[i:j] + text[j:]
    return text


def _check_rows(text: str) -> None:
    catalog, tok = _tools()
    doc = Document(doc_id="p.txt", format="txt", status="ok", text=text)
    metric_rows, practice_rows = extract_document(doc, catalog, tok)
    assert len({r["metric"] for r in metric_rows}) == len(metric_rows)
    for r in metric_rows:
        assert r["evidence"] and r["evidence"] in text
        assert 0 <= r["start"] < r["end"] <= len(text)
        assert text[r["start"] : r["end"]] in r["evidence"] or r["rule"].startswith("negation")
        assert r["value"] >= 0
    assert len(practice_rows) == (len(catalog.practices) if text else 0)
    for r in practice_rows:
        assert r["evidence"] in text
        if r["start"] is not None:
            assert 0 <= r["start"] < r["end"] <= len(text)


@settings(max_examples=300, deadline=None)
@given(report_like)
def test_find_quantities_spans_stay_inside_random_text(text):
    for q in find_quantities(text):
        assert 0 <= q.start < q.end <= q.measure_end <= len(text)
        assert q.value >= 0


@settings(max_examples=300, deadline=None)
@given(st.one_of(report_like, st.text(max_size=12)))
def test_parse_numeral_returns_a_number_or_raises_numeral_error(text):
    try:
        value, approx = parse_numeral(text)
    except NumeralError:
        return
    assert isinstance(value, float) and isinstance(approx, bool)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report_like)
def test_matcher_on_random_text(text):
    _check_rows(normalize_text(text))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_reports())
def test_matcher_on_mutated_reports(text):
    _check_rows(text)


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=200))
def test_matcher_on_any_unicode(text):
    _check_rows(text)
