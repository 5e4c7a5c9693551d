"""The catalog file: complete against METRICS.md, checked on load, extensible by editing YAML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from pipeline import contracts
from pipeline.config import DEFAULT_CATALOG
from pipeline.errors import ConfigError
from pipeline.extract import extract_document, load_catalog, make_tokenizer
from pipeline.ingest.model import Document
from pipeline.ingest.normalize import normalize_text

METRICS_MD = Path(__file__).parents[1].parent / "shared" / "METRICS.md"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def tok():
    return make_tokenizer()


def _raw() -> dict:
    return yaml.safe_load(DEFAULT_CATALOG.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _doc(text: str) -> Document:
    return Document(doc_id="t.txt", format="txt", status="ok", text=normalize_text(text))


def test_default_catalog_loads_with_unique_ids(catalog):
    metric_ids = [m.id for m in catalog.metrics]
    practice_ids = [p.id for p in catalog.practices]
    assert len(metric_ids) == len(set(metric_ids)) == 32
    assert len(practice_ids) == len(set(practice_ids)) == 10
    assert {m.dimension for m in catalog.metrics} == {d for d, _ in catalog.dimensions}


@pytest.mark.skipif(not METRICS_MD.exists(), reason="../shared/METRICS.md not present")
def test_catalog_has_every_id_of_metrics_md(catalog):
    text = METRICS_MD.read_text(encoding="utf-8")
    metric_ids = set(re.findall(r"^\| \w+ \| [^|]+ \| `(\w+)`", text, re.MULTILINE))
    practice_ids = set(re.findall(r"^\| `(\w+)` \|", text, re.MULTILINE))
    assert metric_ids == {m.id for m in catalog.metrics}
    assert practice_ids == {p.id for p in catalog.practices}


def test_rates_are_percent_and_counts_have_count_measures(catalog):
    for m in catalog.metrics:
        if m.is_rate:
            assert m.measures == ("%",), m.id
        else:
            assert "%" not in m.measures, m.id


@pytest.mark.parametrize(
    ("edit", "names"),
    [
        (lambda d: d["metrics"][0].pop("dimension"), ["metric 'leadership_meetings'", "dimension"]),
        (lambda d: d["metrics"][0].update(dimension="nowhere"), ["unknown dimension 'nowhere'"]),
        (lambda d: d["metrics"][1].update(measures=[]), ["metric 'issues_resolved'", "measures"]),
        (lambda d: d["metrics"][2].update(kind="ratio"), ["'kind'", "ratio"]),
        (lambda d: d["metrics"][3]["phrasings"].append("re:(unclosed"), ["not a valid regular"]),
        (lambda d: d["metrics"][3].update(colour="red"), ["unknown fields ['colour']"]),
        (lambda d: d["metrics"][4].update(topic=["@nothing"]), ["unknown cue '@nothing'"]),
        (lambda d: d["metrics"].append(dict(d["metrics"][0])), ["duplicate ids"]),
        (lambda d: d["cues"].pop("negation"), ["missing cue lists ['negation']"]),
        (lambda d: d["practices"][0].update(list_of={"head": "x"}), ["practice 'three_systems'"]),
        (lambda d: d["metrics"][0]["phrasings"].append({"phrase": "x", "side": "up"}), ["side"]),
    ],
)
def test_bad_catalog_names_file_entry_and_field(tmp_path, edit, names):
    data = _raw()
    edit(data)
    path = _write(tmp_path, data)
    with pytest.raises(ConfigError) as e:
        load_catalog(path)
    message = str(e.value)
    assert str(path) in message
    for name in names:
        assert name in message


def test_missing_and_malformed_files_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_catalog(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("metrics: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_catalog(bad)
    with pytest.raises(ConfigError, match="user dictionary"):
        make_tokenizer(tmp_path / "absent.txt")


def test_an_office_adds_a_phrasing_by_editing_the_file(tmp_path, tok):
    text = "全年开展法治体检服务活动9场。"
    assert extract_document(_doc(text), load_catalog(), tok)[0] == []
    data = _raw()
    publicity = next(m for m in data["metrics"] if m["id"] == "publicity_events")
    publicity["phrasings"].append("法治体检")
    rows, _ = extract_document(_doc(text), load_catalog(_write(tmp_path, data)), tok)
    assert [(r["metric"], r["value"]) for r in rows] == [("publicity_events", 9.0)]


def test_an_office_adds_a_metric_by_editing_the_file(tmp_path, tok):
    data = _raw()
    data["metrics"].append(
        {
            "id": "model_villages",
            "dimension": "publicity",
            "label": "民主法治示范村",
            "unit": "个",
            "measures": ["个"],
            "phrasings": ["民主法治示范村"],
        }
    )
    data["blockers"].remove("示范村")
    catalog = load_catalog(_write(tmp_path, data))
    rows, _ = extract_document(_doc("创建省级民主法治示范村2个。"), catalog, tok)
    assert [(r["metric"], r["value"], r["unit"]) for r in rows] == [("model_villages", 2.0, "个")]


def test_rows_have_exactly_the_contract_columns(catalog, tok):
    text = "全年开展普法宣传活动36场。辖区中小学聘请了法治副校长。"
    metric_rows, practice_rows = extract_document(_doc(text), catalog, tok)
    assert metric_rows and practice_rows
    for row in metric_rows:
        assert list(row) == contracts.columns("metrics")
    for row in practice_rows:
        assert list(row) == contracts.columns("practices")
    import pandas as pd

    contracts.conform(pd.DataFrame(metric_rows), "metrics")
    contracts.conform(pd.DataFrame(practice_rows), "practices")
    assert len(practice_rows) == len(catalog.practices)


def test_a_document_without_text_gives_no_rows(catalog, tok):
    doc = Document(doc_id="x.pdf", format="pdf", status="failed", reason="encrypted")
    assert extract_document(doc, catalog, tok) == ([], [])


def test_tokenizer_keeps_its_cache_where_told(tmp_path):
    tok = make_tokenizer(cache_dir=tmp_path / "cache")
    assert tok.lcut("调解矛盾纠纷12件", HMM=False)[:2] == ["调解", "矛盾纠纷"]
    assert list((tmp_path / "cache").glob("jieba*.cache"))
    assert list((tmp_path / "cache").glob("pipeline-jieba-*.idx"))


@pytest.mark.parametrize(
    ("pattern", "depends"),
    [
        ("听取[^,;。\\d]{0,16}汇报", False),  # ^ inside a class is no anchor
        ("(?:调解|调处|化解)成功", False),
        ("排查(?!化解)纠纷", True),
        ("(?<=个)村", True),
        ("^一是", True),
        ("法治$", True),
        ("[\\]^]法", False),  # an escaped ] does not end the class
    ],
)
def test_a_regex_depends_on_its_context_only_with_lookarounds_or_anchors(pattern, depends):
    from pipeline.extract.catalog import _depends_on_context

    assert _depends_on_context(pattern) is depends


def test_phrasings_found_in_a_sentence_do_not_depend_on_the_whole_text_skip(catalog):
    """The phrase index skips, in every sentence, the regexes not found in the whole text:
    on every sentence of the sample county it finds what trying every regex finds."""
    from pipeline.extract.sentences import text_to_sentences
    from pipeline.ingest import discover, ingest_entry

    raw = Path(__file__).parents[1] / "raw"
    index = catalog.phrase_index
    sentences = 0
    for entry in discover(raw):
        text = ingest_entry(entry, ocr=None).text
        for span in text_to_sentences(text):
            found = index.find(text, span.start, span.end)
            every = [h for h in found if h[2].literal]  # the trie's, then every regex's
            for phrasing, metric in index.regexes:
                for m in phrasing.regex.finditer(text, span.start, span.end):
                    if m.end() > m.start():
                        every.append((m.start(), m.end(), phrasing, metric))
            assert found == every
            sentences += 1
    assert sentences > 1000
